// What the webhook route needs beyond ingestion: who may post, and the providers' GET handshakes.
import { z } from 'zod';
import { ApiError } from '../../http/errors';
import { findProviderSecret, verifyWebhookSignature } from './metrics-signatures';
import { PROVIDER_MODULES } from './providers/registry';
import { getFirstHeader, type HandshakeAnswer } from './providers/provider';
import {
  METRICS_PROVIDERS,
  PROVIDER_WEBHOOK_HEADERS,
  isMetricsProvider,
  type HeaderBag,
  type MetricsProvider,
} from './metrics-types';

type Env = Readonly<Record<string, string | undefined>>;

export const PROVIDER_REQUIRED_MESSAGE = `provider parameter required; one of: ${METRICS_PROVIDERS.join(', ')}`;

export function parseProviderParam(value: string | null): MetricsProvider {
  if (!isMetricsProvider(value)) throw new ApiError(400, PROVIDER_REQUIRED_MESSAGE);
  return value;
}

const workspaceIdSchema = z.guid();

/** Providers signed by the deployment's one app secret: their events are routed by account. */
export function isAccountRoutedProvider(provider: MetricsProvider): boolean {
  return PROVIDER_MODULES[provider].splitByAccount !== undefined;
}

/** From `x-workspace-id` or, since providers cannot set headers, `?workspace_id=` in the registered URL. */
export function parseWebhookWorkspaceId(headers: Headers, searchParams: URLSearchParams): string {
  const raw = headers.get('x-workspace-id') ?? searchParams.get('workspace_id') ?? searchParams.get('workspaceId');
  if (raw === null || raw.trim() === '') {
    throw new ApiError(400, 'workspace id required: x-workspace-id header or workspace_id query parameter');
  }
  const parsed = workspaceIdSchema.safeParse(raw.trim());
  if (!parsed.success) throw new ApiError(400, 'workspace id must be a UUID');
  return parsed.data.toLowerCase();
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
    throw new ApiError(401, `Signature verification failed: no signing secret configured for ${provider}`, { provider });
  }
  const result = verifyWebhookSignature(provider, headers, rawBody, secret);
  if (!result.valid) {
    throw new ApiError(401, `Signature verification failed: ${result.error ?? 'Signature mismatch'}`, { provider });
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
