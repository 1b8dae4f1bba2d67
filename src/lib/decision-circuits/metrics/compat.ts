// The release notes' names that CX09 and older callers may use, kept as documented aliases of the
// current API in this one file (tested in tests/db/compat.test.ts, and the pure ones beside what they
// alias in tests/unit/providers/metrics-signatures.test.ts and metrics-normalize.test.ts).
// New code calls what each comment names instead.
import { getDb, type Database } from '../../db';
import { isDomainError } from './core/errors';
import { ingestNormalizedEvents, ingestWebhookPayload, type IngestResult } from './metrics-ingestion';
import { defaultNormalizeContext, normalizeProviderEvents, type NormalizeContext } from './ingest/normalize';
import { computeDerivedMetrics } from './core/rates';
import { ROLLUP_COLUMNS, rowToRollup } from './metrics-rollup';
import { verifyWebhookSignature, type VerifyOptions, type WebhookSecret } from './metrics-signatures';
import {
  DERIVED_RATES,
  EVENT_TYPE_TO_ROLLUP_COLUMN,
  type HeaderBag,
  type MetricsEventType,
  type MetricsProvider,
  type NormalizedEvent,
  type RollupCounters,
  type VerificationResult,
} from './metrics-types';

// --- Signatures: use verifyWebhookSignature(provider, …). ---

/** ECDSA with SENDGRID_WEBHOOK_PUBLIC_KEY; the notes' HMAC with SENDGRID_WEBHOOK_SECRET. */
export function verifySendGridSignature(
  headers: HeaderBag,
  rawBody: Uint8Array | string,
  secret: WebhookSecret,
  options?: VerifyOptions,
): VerificationResult {
  return verifyWebhookSignature('sendgrid', headers, rawBody, secret, options);
}

/** Svix: `whsec_` secret, `id.timestamp.body`, any matching `v1,` entry, 5-minute window. */
export function verifyResendSignature(
  headers: HeaderBag,
  rawBody: Uint8Array | string,
  secret: WebhookSecret,
  options?: VerifyOptions,
): VerificationResult {
  return verifyWebhookSignature('resend', headers, rawBody, secret, options);
}

/** `x-hub-signature-256: sha256=<hex HMAC(app secret, body)>`; Facebook and Instagram alike. */
export function verifyMetaSignature(
  headers: HeaderBag,
  rawBody: Uint8Array | string,
  secret: WebhookSecret,
  options?: VerifyOptions,
): VerificationResult {
  return verifyWebhookSignature('facebook', headers, rawBody, secret, options);
}

/** `X-LI-Signature` (either reading) or the notes' `x-linkedin-signature` + timestamp HMAC. */
export function verifyLinkedInSignature(
  headers: HeaderBag,
  rawBody: Uint8Array | string,
  secret: WebhookSecret,
  options?: VerifyOptions,
): VerificationResult {
  return verifyWebhookSignature('linkedin', headers, rawBody, secret, options);
}

// --- Normalisation: use normalizeProviderEvents (a payload is often a batch). ---

/** Release-notes shape: the first event of the payload, or null when it yields none. */
export function normalizeProviderEvent(
  provider: MetricsProvider,
  rawPayload: unknown,
  ctx?: Partial<NormalizeContext>,
): NormalizedEvent | null {
  const defaults = defaultNormalizeContext();
  const context: NormalizeContext = {
    receivedAt: ctx?.receivedAt ?? defaults.receivedAt,
    deliveryId: ctx?.deliveryId ?? null,
    storeRawEmail: ctx?.storeRawEmail ?? defaults.storeRawEmail,
  };
  return normalizeProviderEvents(provider, rawPayload, context).events[0] ?? null;
}

// --- Rates: generated columns; computeDerivedMetrics is the TypeScript formula. ---

/**
 * Rates are generated columns, recomputed by Postgres on every counter change, so there is
 * nothing to fix up; this returns the stored rates and whether they match the TypeScript
 * formula (false means the rollup does not exist or the two disagree).
 */
export async function recalculateDerivedMetrics(rollupId: string, options: { db?: Database } = {}): Promise<boolean> {
  const db = options.db ?? (await getDb());
  const [row] = await db.query(`select ${ROLLUP_COLUMNS} from metrics_rollups where id = $1`, [rollupId]);
  if (!row) return false;
  const rollup = rowToRollup(row);
  const expected = computeDerivedMetrics(rollup);
  return DERIVED_RATES.every((rate) => expected[rate] === rollup[rate]);
}

/** Counter deltas one event adds to its rollup (one counter per kind). */
export function mapEventToRollupColumns(eventType: MetricsEventType, quantity = 1): Partial<RollupCounters> {
  if (eventType === 'provider_only') return {};
  return { [EVENT_TYPE_TO_ROLLUP_COLUMN[eventType]]: quantity };
}

// --- Ingestion: use ingestWebhookPayload / ingestNormalizedEvents. ---

/** Release-notes signature: batch of raw provider payloads (each may itself be a batch). */
export async function ingestWebhookEvents(
  workspaceId: string,
  provider: MetricsProvider,
  payloads: unknown,
  signatureVerified: boolean,
  options: { db?: Database } = {},
): Promise<IngestResult> {
  return ingestWebhookPayload({ workspaceId, provider, payload: payloads, signatureVerified }, options);
}

/** Release-notes signature for one event. */
export async function ingestWebhookEvent(
  workspaceId: string,
  provider: MetricsProvider,
  rawPayload: unknown,
  signatureVerified: boolean,
  options: { db?: Database } = {},
): Promise<{ success: boolean; event_id?: string; normalized_event?: NormalizedEvent; reason?: string }> {
  const normalized = normalizeProviderEvents(provider, rawPayload, {
    receivedAt: new Date(),
    storeRawEmail: process.env.METRICS_STORE_RAW_EMAIL === 'true',
  });
  const first = normalized.events[0];
  if (!first) return { success: false, reason: `Failed to normalize payload: ${normalized.rejected[0]?.reason ?? 'no event'}` };
  try {
    const result = await ingestNormalizedEvents(workspaceId, provider, [first], signatureVerified, options);
    const stored = result.events[0];
    if (!stored) return { success: false, reason: `Failed to persist event: ${result.rejected[0]?.reason ?? 'unknown'}` };
    return { success: true, event_id: stored.event_id, normalized_event: first };
  } catch (error) {
    if (isDomainError(error)) throw error;
    return { success: false, reason: `Ingestion error: ${error instanceof Error ? error.message : String(error)}` };
  }
}
