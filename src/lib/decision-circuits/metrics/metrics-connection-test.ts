// A test delivery for one connection, so an admin sees events arrive before the provider sends any:
// a sample event signed as the provider signs it, with the connection's own secret (SendGrid HMAC,
// Resend whsec_) or the deployment's app secret (Meta, LinkedIn; routed by the connection's
// account). SendGrid's Signed Event Webhook signs with a private key only SendGrid holds, so those
// connections cannot be tested from here.
import type { Database } from '../../db';
import { DomainError } from './metrics-errors';
import { openConnectionSecrets, type OpenedConnection } from './metrics-connections';
import type { MetricsProvider } from './metrics-types';
import { getProviderModule } from './providers/registry';
import { signedWebhookRequest, signingKeysFromEnv, UNSIGNED, type SignedRequest, type SigningKeys } from './testing/request-signing';
import { buildSampleDelivery } from './testing/samples';

type Env = Readonly<Record<string, string | undefined>>;

/** The event each provider's test sends: one that counts (a delivery, a reaction, a comment, a like). */
export const TEST_EVENT_KINDS: Record<MetricsProvider, string> = {
  sendgrid: 'delivered',
  resend: 'email.delivered',
  facebook: 'reaction',
  instagram: 'comments',
  linkedin: 'LIKE',
};

export const SENDGRID_PRIVATE_KEY_NOTE = "SendGrid signs with its private key: use SendGrid's Test Your Integration";

const APP_SECRET_VARIABLES: Partial<Record<MetricsProvider, string>> = {
  facebook: 'FACEBOOK_WEBHOOK_SECRET',
  instagram: 'INSTAGRAM_WEBHOOK_SECRET (or FACEBOOK_WEBHOOK_SECRET)',
  linkedin: 'LINKEDIN_WEBHOOK_SECRET',
};

export type TestEventSupport = { available: true } | { available: false; reason: string };

/** The keys a test delivery is signed with: only the connection's own, or only the app's. */
function signingKeysFor(connection: OpenedConnection, env: Env): SigningKeys {
  const none = signingKeysFromEnv({});
  if (connection.provider === 'sendgrid')
    return { ...none, sendgrid: connection.secret ? { scheme: 'hmac', secret: connection.secret } : null };
  if (connection.provider === 'resend') return { ...none, resend: connection.secret };
  return signingKeysFromEnv(env);
}

export function testEventSupport(connection: OpenedConnection, env: Env = process.env): TestEventSupport {
  if (connection.provider === 'sendgrid' || connection.provider === 'resend') {
    if (!connection.secret) return { available: false, reason: 'This connection holds no secret to sign with' };
    if (
      connection.provider === 'sendgrid' &&
      getProviderModule('sendgrid').secretFromString(connection.secret).kind === 'ecdsa_public_key'
    ) {
      return { available: false, reason: SENDGRID_PRIVATE_KEY_NOTE };
    }
    return { available: true };
  }
  const keys = signingKeysFor(connection, env);
  // Without the app secret the webhook refuses unsigned deliveries, except in development.
  if (!keys[connection.provider as 'facebook' | 'instagram' | 'linkedin'] && env.NODE_ENV !== 'development') {
    return {
      available: false,
      reason: `Set ${APP_SECRET_VARIABLES[connection.provider]} (the app secret) on the server to send a test event`,
    };
  }
  return { available: true };
}

/** Test support per connection id of the workspace (the caller has checked the admin role). */
export async function connectionTestSupport(
  workspaceId: string,
  options: { db?: Database; env?: Env } = {},
): Promise<Map<string, TestEventSupport>> {
  const env = options.env ?? process.env;
  const connections = await openConnectionSecrets(workspaceId, { db: options.db, env });
  return new Map(connections.map((connection) => [connection.id, testEventSupport(connection, env)]));
}

export interface ConnectionTestRequest {
  provider: MetricsProvider;
  kind: string;
  request: SignedRequest;
}

/**
 * The signed request for a test event, to the URL the provider would use: the connection's own
 * URL, or the account-routed one. Null for an unknown connection; 409 when it cannot be signed here.
 */
export async function buildConnectionTestRequest(
  workspaceId: string,
  connectionId: string,
  options: { baseUrl: string; db?: Database; env?: Env; nowMs?: number },
): Promise<ConnectionTestRequest | null> {
  const env = options.env ?? process.env;
  const [connection] = await openConnectionSecrets(workspaceId, { db: options.db, env, connectionId });
  if (!connection) return null;
  const support = testEventSupport(connection, env);
  if (!support.available) throw new DomainError('conflict', support.reason, { provider: connection.provider });
  const kind = TEST_EVENT_KINDS[connection.provider];
  const sample = buildSampleDelivery(connection.provider, kind, {
    nowMs: options.nowMs,
    accountId: connection.externalAccountId ?? undefined,
  });
  const request = signedWebhookRequest({
    baseUrl: options.baseUrl,
    workspaceId,
    provider: connection.provider,
    body: sample.body,
    keys: signingKeysFor(connection, env),
    deliveryId: sample.deliveryId,
    nowMs: options.nowMs,
  });
  const url = new URL('/api/webhooks/metrics', options.baseUrl);
  if (connection.webhookToken) url.searchParams.set('connection', connection.webhookToken);
  else url.searchParams.set('provider', connection.provider);
  const signature =
    request.signature === UNSIGNED
      ? 'unsigned (development)'
      : connection.webhookToken
        ? request.signature.replace(/\(.*\)$/, "(this connection's secret)")
        : request.signature;
  return { provider: connection.provider, kind, request: { ...request, url: url.toString(), signature } };
}
