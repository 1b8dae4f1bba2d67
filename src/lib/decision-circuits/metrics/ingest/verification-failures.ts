// Why a delivery failed verification, as one of a closed set of codes: safe as a metric label
// and a log field (the providers' messages are free text), and persisted per workspace and hour
// so the alert job can see a spike that per-process counters would hide.
import { getDb, type Database } from '../../../db';
import { DomainError } from '../core/errors';
import type { MetricsProvider } from '../metrics-types';

export const VERIFICATION_FAILURE_REASONS = [
  'secret_not_configured',
  'missing_signature',
  'missing_timestamp',
  'missing_delivery_id',
  'malformed_signature',
  'invalid_timestamp',
  'timestamp_out_of_tolerance',
  'invalid_secret',
  'signature_mismatch',
  // A signature block seen before with other contents (providers that sign only a token, Mailgun).
  'replayed_signature',
  'other',
] as const;
export type VerificationFailureReason = (typeof VERIFICATION_FAILURE_REASONS)[number];

const REASON_PATTERNS: [RegExp, VerificationFailureReason][] = [
  [/not configured/i, 'secret_not_configured'],
  [/missing signature/i, 'missing_signature'],
  [/missing timestamp/i, 'missing_timestamp'],
  [/missing svix-id|missing .*id header/i, 'missing_delivery_id'],
  [/malformed/i, 'malformed_signature'],
  [/invalid timestamp/i, 'invalid_timestamp'],
  [/outside tolerance/i, 'timestamp_out_of_tolerance'],
  [/invalid (webhook secret|.*public key)/i, 'invalid_secret'],
  [/mismatch/i, 'signature_mismatch'],
  [/replayed/i, 'replayed_signature'],
];

export function classifyVerificationFailure(message: string | undefined): VerificationFailureReason {
  if (!message) return 'other';
  return REASON_PATTERNS.find(([pattern]) => pattern.test(message))?.[1] ?? 'other';
}

const BRAND = Symbol.for('decision-circuits.WebhookVerificationError');

/** A 401 for a delivery whose signature did not verify, carrying the reason code. */
export class WebhookVerificationError extends DomainError {
  readonly [BRAND] = true;
  constructor(
    message: string,
    readonly provider: MetricsProvider,
    readonly reason: VerificationFailureReason,
  ) {
    super('signature_invalid', message, { provider });
  }
}

export function isWebhookVerificationError(error: unknown): error is WebhookVerificationError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}

/**
 * Counts one failure in the workspace's current hour (one row per workspace, provider and hour;
 * an unknown workspace adds nothing). Read by the verification-failure alert.
 */
export async function recordVerificationFailure(
  workspaceId: string,
  provider: MetricsProvider,
  options: { db?: Database } = {},
): Promise<void> {
  const db = options.db ?? (await getDb());
  await db.query('select metrics_record_verification_failure($1, $2)', [workspaceId, provider]);
}
