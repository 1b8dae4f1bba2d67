// Provider payload → NormalizedEvent[], dispatching to the provider modules (pure, never throws).
import type { MetricsProvider } from '../metrics-types';
import { rejectWhole, withEmailHashesMemoised, type EnvBag, type NormalizeContext, type NormalizeResult } from '../providers/kit/provider';
import { getProviderModule } from '../providers/registry';

export { hashEmail } from '../providers/kit/provider';
export type { NormalizeContext, NormalizeResult } from '../providers/kit/provider';

/** Context for callers that have none: now, and raw email only when METRICS_STORE_RAW_EMAIL=true. */
export function defaultNormalizeContext(env: EnvBag = process.env): NormalizeContext {
  return { receivedAt: new Date(), deliveryId: null, storeRawEmail: env.METRICS_STORE_RAW_EMAIL === 'true' };
}

/**
 * Normalises one delivery (often a batch). Unknown event kinds come back as `provider_only`;
 * unusable items are listed in `rejected` with their index and the rest are still normalised.
 */
export function normalizeProviderEvents(provider: MetricsProvider, payload: unknown, ctx: NormalizeContext): NormalizeResult {
  try {
    return withEmailHashesMemoised(() => getProviderModule(provider).normalize(payload, ctx));
  } catch {
    // Modules do not throw; this keeps a future module's bug from failing a whole delivery.
    return rejectWhole('Unreadable payload');
  }
}
