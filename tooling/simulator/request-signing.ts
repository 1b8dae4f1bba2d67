// Turns a body into the HTTP request a provider would send: URL, headers (and, where the provider
// signs inside the body, the body) signed with the secret the app is configured with, through each
// provider's own signer. Also the GET handshakes Meta and LinkedIn send.
import type { SignedDelivery } from '../../src/lib/decision-circuits/metrics/providers/kit/definition';
import { deliveryRequest } from '../../src/lib/decision-circuits/metrics/providers/kit/delivery-request';
import { linkedInChallengeResponse, linkedInHandshakeQuery } from '../../src/lib/decision-circuits/metrics/providers/linkedin/signer';
import { metaHandshakeQuery } from '../../src/lib/decision-circuits/metrics/providers/meta/signer';
import { META_VERIFY_TOKEN_ENV } from '../../src/lib/decision-circuits/metrics/providers/meta/webhook';
import type { EnvBag } from '../../src/lib/decision-circuits/metrics/providers/kit/provider';
import { getProvider, METRICS_PROVIDERS, type MetricsProvider } from '../../src/lib/decision-circuits/metrics/providers/registry';
import { signSendGridEcdsa } from '../../src/lib/decision-circuits/metrics/providers/sendgrid/signer';
import type { Rng } from '../../src/lib/random/seeded-rng';

/** What the sender signs with; a provider without a secret is sent unsigned. */
export interface SigningKeys {
  /** Each provider's signing secret, read as the app reads it. */
  secrets: Partial<Record<MetricsProvider, string>>;
  /** SendGrid's Signed Event Webhook signs with a private key the app never has: pass it in. */
  sendgridPrivateKey: string | null;
  metaVerifyToken: string | null;
}

/**
 * Keys from the app's own variables (as the app reads them). SendGrid's ECDSA needs the private
 * key, which the app never has: pass it in; otherwise SENDGRID_WEBHOOK_SECRET (HMAC) is used.
 */
export function signingKeysFromEnv(env: EnvBag, sendgridPrivateKey: string | null = null): SigningKeys {
  const secrets: Partial<Record<MetricsProvider, string>> = {};
  for (const provider of METRICS_PROVIDERS) {
    const secret = getProvider(provider).webhook.readSecret(env);
    // A verification (public) key cannot sign; an HMAC secret beside it can.
    const value = secret?.kind === 'ecdsa_public_key' ? secret.hmacSecret : secret?.value;
    if (value) secrets[provider] = value;
  }
  return { secrets, sendgridPrivateKey, metaVerifyToken: env[META_VERIFY_TOKEN_ENV]?.trim() || null };
}

export function webhookUrl(baseUrl: string, provider: MetricsProvider, workspaceId: string): string {
  const url = new URL('/api/webhooks/metrics', baseUrl);
  url.searchParams.set('provider', provider);
  url.searchParams.set('workspace_id', workspaceId);
  return url.toString();
}

export interface SignedRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  /** How it was signed, for the user: e.g. `ecdsa-p256`, or `unsigned (no secret configured)`. */
  signature: string;
}

export const UNSIGNED = 'unsigned (no secret configured)';

/** Signs at `nowMs` (wall clock: signature timestamps must be fresh even for old events). */
export function signedWebhookRequest(options: {
  baseUrl: string;
  workspaceId: string;
  provider: MetricsProvider;
  body: string;
  keys: SigningKeys;
  /** Resend's svix-id; reuse it for a retry of the same message. */
  deliveryId?: string | null;
  nowMs?: number;
}): SignedRequest {
  const { provider, body, keys } = options;
  const { signer } = getProvider(provider);
  const timestampSeconds = Math.floor((options.nowMs ?? Date.now()) / 1000);
  const deliveryId = options.deliveryId ?? null;
  let signed: SignedDelivery | null = null;
  if (provider === 'sendgrid' && keys.sendgridPrivateKey) {
    const headers = signSendGridEcdsa({ privateKey: keys.sendgridPrivateKey, body, timestamp: timestampSeconds });
    signed = { body, headers, scheme: 'ecdsa-p256 (Signed Event Webhook)' };
  } else {
    const secret = keys.secrets[provider];
    const result = secret ? signer.sign({ body, secret, timestampSeconds, deliveryId }) : null;
    if (result) signed = { ...result, scheme: `${result.scheme} (the configured secret)` };
  }
  return {
    url: webhookUrl(options.baseUrl, provider, options.workspaceId),
    method: 'POST',
    ...deliveryRequest(signer, { body, timestampSeconds, deliveryId }, signed),
    signature: signed ? signed.scheme : UNSIGNED,
  };
}

export interface HandshakeRequest {
  url: string;
  /** What a correctly configured app answers. */
  expectedStatus: number;
  expectedBody: string;
  note: string;
}

/** The GET Meta (hub.challenge) or LinkedIn (challengeCode) sends to validate the endpoint. */
export function handshakeRequest(options: {
  baseUrl: string;
  workspaceId: string;
  provider: 'facebook' | 'instagram' | 'linkedin';
  keys: SigningKeys;
  rng: Rng;
}): HandshakeRequest {
  const { provider, keys, rng } = options;
  const base = new URL(webhookUrl(options.baseUrl, provider, options.workspaceId));
  if (provider === 'linkedin') {
    const code = rng.uuid();
    for (const [k, v] of linkedInHandshakeQuery(code)) base.searchParams.set(k, v);
    const secret = keys.secrets.linkedin;
    return secret
      ? {
          url: base.toString(),
          expectedStatus: 200,
          expectedBody: JSON.stringify({ challengeCode: code, challengeResponse: linkedInChallengeResponse(secret, code) }),
          note: 'LinkedIn endpoint validation (challengeCode)',
        }
      : { url: base.toString(), expectedStatus: 503, expectedBody: '', note: 'LINKEDIN_WEBHOOK_SECRET is not set: the app answers 503' };
  }
  const challenge = String(rng.int(100_000_000, 2_000_000_000));
  const token = keys.metaVerifyToken ?? 'not-configured';
  for (const [k, v] of metaHandshakeQuery(token, challenge)) base.searchParams.set(k, v);
  return keys.metaVerifyToken
    ? { url: base.toString(), expectedStatus: 200, expectedBody: challenge, note: 'Meta verification (hub.challenge)' }
    : { url: base.toString(), expectedStatus: 503, expectedBody: '', note: 'META_WEBHOOK_VERIFY_TOKEN is not set: the app answers 503' };
}
