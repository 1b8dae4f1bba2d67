// What the webhook route needs beyond ingestion: who may post, and the providers' GET handshakes.
import { DEV_WORKSPACE_ID } from '../../../db/dev-seed';
import { inSpanSync } from '../../../observability/tracing';
import { findProviderSecret, verifyWebhookSignature } from '../metrics-signatures';
import { WebhookVerificationError } from '../ingest/verification-failures';
import { getProvider, PROVIDER_MODULES, PROVIDER_WEBHOOK_HEADERS } from '../providers/registry';
import { fail, getFirstHeader, type HandshakeAnswer, type ProviderSecret } from '../providers/kit/provider';
import { type HeaderBag, type MetricsProvider, type SignatureBlock, type VerificationFailed } from '../metrics-types';

type Env = Readonly<Record<string, string | undefined>>;

/** Providers signed by the deployment's one app secret: their events are routed by account. */
export function isAccountRoutedProvider(provider: MetricsProvider): boolean {
  return getProvider(provider).routing === 'account';
}

/**
 * The workspace the deployment runs as a single tenant: METRICS_SINGLE_WORKSPACE_ID, or under
 * `npm run dev` the seeded workspace. Null on a multi-tenant deployment.
 */
export function singleWorkspaceId(env: Env = process.env): string | null {
  const configured = env.METRICS_SINGLE_WORKSPACE_ID?.trim().toLowerCase();
  if (configured) return configured;
  return env.NODE_ENV === 'development' ? DEV_WORKSPACE_ID : null;
}

/**
 * Whether a delivery's `?workspace_id=` decides where it lands. Meta and LinkedIn sign every
 * tenant's deliveries with the one app secret, so for them a URL's workspace proves nothing: it is
 * honoured only for the single workspace, and otherwise ignored (the events are routed by account,
 * to verified claims only).
 */
export function honoursWorkspaceUrl(provider: MetricsProvider, workspaceId: string, env: Env = process.env): boolean {
  return !isAccountRoutedProvider(provider) || singleWorkspaceId(env) === workspaceId;
}

/** The provider's delivery id header (svix-id for Resend), used as its dedup key. */
export function deliveryIdFrom(provider: MetricsProvider, headers: HeaderBag): string | null {
  const spec = PROVIDER_WEBHOOK_HEADERS[provider];
  if (!spec?.id) return null;
  return getFirstHeader(headers, [spec.id, 'webhook-id']);
}

export interface WebhookAuthentication {
  signatureVerified: boolean;
  /** For the ingest call, when the signature does not cover the whole body (Mailgun). */
  signatureBlock: SignatureBlock | null;
}

const notConfigured = (provider: MetricsProvider): VerificationFailed =>
  fail('secret_not_configured', `no signing secret configured for ${provider}`);

/**
 * The first of `secrets` the signature verifies against; else a 401 with the last refusal (or
 * `withoutSecret`, when there is none to try).
 */
function verifyAgainst(
  provider: MetricsProvider,
  headers: HeaderBag,
  rawBody: Uint8Array,
  secrets: readonly ProviderSecret[],
  withoutSecret: VerificationFailed,
): WebhookAuthentication {
  return inSpanSync('webhook.verify_signature', { 'metrics_engine.provider': provider }, (span) => {
    let refusal = withoutSecret;
    for (const secret of secrets) {
      const result = verifyWebhookSignature(provider, headers, rawBody, secret);
      if (result.valid) return { signatureVerified: true, signatureBlock: result.signatureBlock ?? null };
      refusal = result;
    }
    span.setAttribute('metrics_engine.verification_failure', refusal.reason);
    throw new WebhookVerificationError(provider, refusal);
  });
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
  if (!secret && env.NODE_ENV === 'development') return { signatureVerified: false, signatureBlock: null };
  return verifyAgainst(provider, headers, rawBody, secret ? [secret] : [], notConfigured(provider));
}

/** 401 unless the signature verifies against one of a connection's secrets (several while one is rotated). */
export function authenticateConnectionWebhook(
  provider: MetricsProvider,
  headers: HeaderBag,
  rawBody: Uint8Array,
  secrets: readonly ProviderSecret[],
): WebhookAuthentication {
  return verifyAgainst(provider, headers, rawBody, secrets, fail('signature_mismatch', 'Signature mismatch'));
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
