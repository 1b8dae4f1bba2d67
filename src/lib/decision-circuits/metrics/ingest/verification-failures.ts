// A delivery that failed verification: the refusal a provider module answered (its reason, one of
// a closed set of codes) raised as a 401, and counted per workspace and hour so the alert job can
// see a spike that per-process counters would hide.
import { getDb, type Database } from '../../../db';
import { DomainError } from '../core/errors';
import type { MetricsProvider, VerificationFailed, VerificationFailureReason } from '../metrics-types';

export { VERIFICATION_FAILURE_REASONS, type VerificationFailureReason } from '../metrics-types';

const BRAND = Symbol.for('decision-circuits.WebhookVerificationError');

/**
 * A 401 for a delivery whose signature did not verify, carrying the refusal's reason code: the
 * same error whichever URL the delivery came to.
 */
export class WebhookVerificationError extends DomainError {
  readonly [BRAND] = true;
  readonly reason: VerificationFailureReason;
  /** The refusal's own words, without the common prefix (kept as the connection's last error). */
  readonly detail: string;
  constructor(
    readonly provider: MetricsProvider,
    refusal: Pick<VerificationFailed, 'reason' | 'error'>,
  ) {
    super('signature_invalid', `Signature verification failed: ${refusal.error}`, { provider });
    this.reason = refusal.reason;
    this.detail = refusal.error;
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
