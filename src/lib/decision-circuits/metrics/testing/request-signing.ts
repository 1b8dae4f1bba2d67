// Turns a body into the HTTP request a provider would send: URL, headers and signature made with
// the secret the app is configured with. Also the GET handshakes Meta and LinkedIn send.
import type { MetricsProvider } from '../metrics-types';
import type { EnvBag } from '../providers/provider';
import {
  linkedInChallengeResponse,
  metaHandshakeQuery,
  linkedInHandshakeQuery,
  signLinkedIn,
  signMeta,
  signResend,
  signSendGridEcdsa,
  signSendGridHmac,
} from '../providers/signing';
import type { Rng } from './random';

export type SendGridSigner = { scheme: 'ecdsa'; privateKey: string } | { scheme: 'hmac'; secret: string };

/** What the sender signs with, per provider; null = send unsigned. */
export interface SigningKeys {
  sendgrid: SendGridSigner | null;
  resend: string | null;
  facebook: string | null;
  instagram: string | null;
  linkedin: string | null;
  metaVerifyToken: string | null;
}

const value = (env: EnvBag, name: string): string | null => {
  const raw = env[name]?.trim();
  return raw ? raw : null;
};

/**
 * Keys from the app's own variables (as the app reads them). SendGrid's ECDSA needs the private
 * key, which the app never has: pass it in; otherwise SENDGRID_WEBHOOK_SECRET (HMAC) is used.
 */
export function signingKeysFromEnv(env: EnvBag, sendgridPrivateKey: string | null = null): SigningKeys {
  const hmac = value(env, 'SENDGRID_WEBHOOK_SECRET');
  const hmacIsKey = hmac?.startsWith('MFkw') ?? false;
  return {
    sendgrid: sendgridPrivateKey
      ? { scheme: 'ecdsa', privateKey: sendgridPrivateKey }
      : hmac && !hmacIsKey
        ? { scheme: 'hmac', secret: hmac }
        : null,
    resend: value(env, 'RESEND_WEBHOOK_SECRET'),
    facebook: value(env, 'FACEBOOK_WEBHOOK_SECRET'),
    // Instagram via Facebook Login signs with the same Meta app secret, as the app falls back to.
    instagram: value(env, 'INSTAGRAM_WEBHOOK_SECRET') ?? value(env, 'FACEBOOK_WEBHOOK_SECRET'),
    linkedin: value(env, 'LINKEDIN_WEBHOOK_SECRET'),
    metaVerifyToken: value(env, 'META_WEBHOOK_VERIFY_TOKEN'),
  };
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
  const timestamp = Math.floor((options.nowMs ?? Date.now()) / 1000);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': userAgent(provider) };
  let signature = UNSIGNED;
  switch (provider) {
    case 'sendgrid': {
      const signer = keys.sendgrid;
      if (signer?.scheme === 'ecdsa') {
        Object.assign(headers, signSendGridEcdsa({ privateKey: signer.privateKey, body, timestamp }));
        signature = 'ecdsa-p256 (Signed Event Webhook)';
      } else if (signer?.scheme === 'hmac') {
        Object.assign(headers, signSendGridHmac({ secret: signer.secret, body, timestamp }));
        signature = 'hmac-sha256 (SENDGRID_WEBHOOK_SECRET)';
      }
      break;
    }
    case 'resend': {
      const id = options.deliveryId ?? `msg_${timestamp}`;
      if (keys.resend) {
        Object.assign(headers, signResend({ secret: keys.resend, id, body, timestamp }));
        signature = 'svix v1 (RESEND_WEBHOOK_SECRET)';
      } else {
        // The svix-id is still the dedup key when nothing is signed.
        Object.assign(headers, { 'svix-id': id, 'svix-timestamp': String(timestamp) });
      }
      break;
    }
    case 'facebook':
    case 'instagram': {
      const secret = keys[provider];
      if (secret) {
        Object.assign(headers, signMeta({ appSecret: secret, body }));
        signature = 'x-hub-signature-256 (Meta app secret)';
      }
      break;
    }
    case 'linkedin':
      if (keys.linkedin) {
        Object.assign(headers, signLinkedIn({ clientSecret: keys.linkedin, body, reading: 'B' }));
        signature = 'x-li-signature (LINKEDIN_WEBHOOK_SECRET)';
      }
      break;
  }
  return { url: webhookUrl(options.baseUrl, provider, options.workspaceId), method: 'POST', headers, body, signature };
}

function userAgent(provider: MetricsProvider): string {
  switch (provider) {
    case 'sendgrid':
      return 'SendGrid Event API';
    case 'resend':
      return 'Svix-Webhooks/1.0 (sender; resend)';
    case 'linkedin':
      return 'LinkedIn-Webhooks';
    default:
      return 'facebookexternalua';
  }
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
    return keys.linkedin
      ? {
          url: base.toString(),
          expectedStatus: 200,
          expectedBody: JSON.stringify({ challengeCode: code, challengeResponse: linkedInChallengeResponse(keys.linkedin, code) }),
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
