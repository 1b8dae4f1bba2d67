// What the webhook route needs beyond ingestion: who may post, and the providers' GET handshakes.
import { DEV_WORKSPACE_ID } from '../../../db/dev-seed';
import { describeError, getLogger } from '../../../observability/logger';
import { annotateRequest } from '../../../observability/request-log';
import { inSpanSync } from '../../../observability/tracing';
import { findProviderSecret, verifyWebhookSignature } from '../metrics-signatures';
import {
  WebhookVerificationError,
  classifyVerificationFailure,
  isWebhookVerificationError,
  recordVerificationFailure,
} from '../ingest/verification-failures';
import { getProvider, PROVIDER_MODULES, PROVIDER_WEBHOOK_HEADERS } from '../providers/registry';
import { getFirstHeader, type HandshakeAnswer } from '../providers/kit/provider';
import { type HeaderBag, type MetricsProvider, type SignatureBlock } from '../metrics-types';

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
  return inSpanSync('webhook.verify_signature', { 'metrics_engine.provider': provider }, (span) => {
    const secret = findProviderSecret(provider, env);
    if (!secret) {
      if (env.NODE_ENV === 'development') return { signatureVerified: false, signatureBlock: null };
      span.setAttribute('metrics_engine.verification_failure', 'secret_not_configured');
      throw new WebhookVerificationError(
        `Signature verification failed: no signing secret configured for ${provider}`,
        provider,
        'secret_not_configured',
      );
    }
    const result = verifyWebhookSignature(provider, headers, rawBody, secret);
    if (!result.valid) {
      const reason = classifyVerificationFailure(result.error);
      span.setAttribute('metrics_engine.verification_failure', reason);
      throw new WebhookVerificationError(`Signature verification failed: ${result.error ?? 'Signature mismatch'}`, provider, reason);
    }
    return { signatureVerified: true, signatureBlock: result.signatureBlock ?? null };
  });
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

/**
 * authenticateWebhook for a delivery addressed to a workspace: a failure is put on the request's
 * log line and counted for that workspace (the verification-failure alert reads the count).
 */
export async function authenticateDelivery(
  provider: MetricsProvider,
  workspaceId: string,
  headers: HeaderBag,
  rawBody: Uint8Array,
): Promise<WebhookAuthentication> {
  try {
    return authenticateWebhook(provider, headers, rawBody);
  } catch (error) {
    if (isWebhookVerificationError(error)) {
      annotateRequest({ verification_failure: error.reason });
      // The 401 matters more than the count: a database problem here must not turn it into a 503.
      await recordVerificationFailure(workspaceId, provider).catch((countError: unknown) =>
        getLogger().warn({ err: describeError(countError), provider }, 'verification failure not counted'),
      );
    }
    throw error;
  }
}
