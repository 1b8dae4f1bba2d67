// What the webhook route needs beyond ingestion: who may post, and the providers' GET handshakes.
import { DomainError } from './metrics-errors';
import { findProviderSecret, verifyWebhookSignature } from './metrics-signatures';
import { PROVIDER_MODULES } from './providers/registry';
import { getFirstHeader, type HandshakeAnswer } from './providers/provider';
import { PROVIDER_WEBHOOK_HEADERS, type HeaderBag, type MetricsProvider } from './metrics-types';

type Env = Readonly<Record<string, string | undefined>>;

/** Providers signed by the deployment's one app secret: their events are routed by account. */
export function isAccountRoutedProvider(provider: MetricsProvider): boolean {
  return PROVIDER_MODULES[provider].splitByAccount !== undefined;
}

/** The provider's delivery id header (svix-id for Resend), used as its dedup key. */
export function deliveryIdFrom(provider: MetricsProvider, headers: HeaderBag): string | null {
  const spec = PROVIDER_WEBHOOK_HEADERS[provider];
  if (!spec.id) return null;
  return getFirstHeader(headers, [spec.id, 'webhook-id']);
}

export interface WebhookAuthentication {
  signatureVerified: boolean;
}

/**
 * 401 unless the signature verifies against the configured secret. With no secret configured,
 * only a development server accepts the event, recorded as signature_verified = false.
 */
export function authenticateWebhook(
  provider: MetricsProvider,
  headers: HeaderBag,
  rawBody: Uint8Array,
  env: Env = process.env,
): WebhookAuthentication {
  const secret = findProviderSecret(provider, env);
  if (!secret) {
    if (env.NODE_ENV === 'development') return { signatureVerified: false };
    throw new DomainError('signature_invalid', `Signature verification failed: no signing secret configured for ${provider}`, { provider });
  }
  const result = verifyWebhookSignature(provider, headers, rawBody, secret);
  if (!result.valid) {
    throw new DomainError('signature_invalid', `Signature verification failed: ${result.error ?? 'Signature mismatch'}`, { provider });
  }
  return { signatureVerified: true };
}

/** Meta's hub.challenge and LinkedIn's challengeCode; null when the request is neither. */
export function answerHandshake(
  provider: MetricsProvider | null,
  searchParams: URLSearchParams,
  env: Env = process.env,
): HandshakeAnswer | null {
  const modules = provider ? [PROVIDER_MODULES[provider]] : Object.values(PROVIDER_MODULES);
  for (const providerModule of modules) {
    const answer = providerModule.handshake?.(searchParams, env);
    if (answer) return answer;
  }
  return null;
}
