// A test delivery for one connection, so an admin sees events arrive before the provider sends any:
// a sample event signed as the provider signs it, with the connection's own secret (connection-routed
// providers) or the deployment's app secret (account-routed ones, routed by the connection's
// account). SendGrid's Signed Event Webhook signs with a private key only SendGrid holds, so those
// connections cannot be tested from here (its signer says so).
import type { Database } from '../../../db';
import { DomainError } from '../core/errors';
import { openConnectionSecrets, type OpenedConnection } from './connections';
import type { MetricsProvider } from '../metrics-types';
import type { SignedDelivery } from '../providers/kit/definition';
import { deliveryRequest } from '../providers/kit/delivery-request';
import { getProvider } from '../providers/registry';

type Env = Readonly<Record<string, string | undefined>>;

export type TestEventSupport = { available: true } | { available: false; reason: string };

/** The secret a test delivery is signed with: only the connection's own, or only the app's. */
function signingSecret(connection: OpenedConnection, env: Env): string | null {
  const definition = getProvider(connection.provider);
  if (definition.routing === 'connection') return connection.secret;
  return definition.webhook.readSecret(env)?.value ?? null;
}

function sign(
  connection: OpenedConnection,
  env: Env,
  body: string,
  timestampSeconds: number,
  deliveryId: string | null,
): SignedDelivery | null {
  const secret = signingSecret(connection, env);
  return secret === null ? null : getProvider(connection.provider).signer.sign({ body, secret, timestampSeconds, deliveryId });
}

export function testEventSupport(connection: OpenedConnection, env: Env = process.env): TestEventSupport {
  const definition = getProvider(connection.provider);
  const secret = signingSecret(connection, env);
  if (definition.routing === 'connection') {
    if (!secret) return { available: false, reason: 'This connection holds no secret to sign with' };
    const problem = definition.signer.signingProblem?.(secret) ?? null;
    return problem === null ? { available: true } : { available: false, reason: problem };
  }
  // Without the app secret the webhook refuses unsigned deliveries, except in development.
  if (!secret && env.NODE_ENV !== 'development') {
    return {
      available: false,
      reason: `Set ${definition.webhook.secretEnvVars.join(' or ')} (the app secret) on the server to send a test event`,
    };
  }
  // An unproven claim routes nothing: a test event would only be counted as unrouted.
  if (connection.claimStatus !== 'verified') {
    return { available: false, reason: 'Prove control of this account first: a pending claim receives no events' };
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

export interface SignedTestRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  /** How it was signed, for the person pressing the button. */
  signature: string;
}

export interface ConnectionTestRequest {
  provider: MetricsProvider;
  kind: string;
  request: SignedTestRequest;
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
  const definition = getProvider(connection.provider);
  const kind = definition.samples.testEventKind;
  const nowMs = options.nowMs ?? Date.now();
  const sample = definition.samples.build(kind, { nowMs, accountId: connection.externalAccountId ?? undefined });
  const timestampSeconds = Math.floor(nowMs / 1000);
  const signed = sign(connection, env, sample.body, timestampSeconds, sample.deliveryId);
  const { body, headers } = deliveryRequest(
    definition.signer,
    { body: sample.body, timestampSeconds, deliveryId: sample.deliveryId },
    signed,
  );
  const url = new URL('/api/webhooks/metrics', options.baseUrl);
  if (connection.webhookToken) url.searchParams.set('connection', connection.webhookToken);
  else url.searchParams.set('provider', connection.provider);
  const signature =
    signed === null
      ? 'unsigned (development)'
      : `${signed.scheme} (${connection.webhookToken ? "this connection's secret" : 'the app secret'})`;
  return {
    provider: connection.provider,
    kind,
    request: {
      url: url.toString(),
      method: 'POST',
      headers,
      body,
      signature,
    },
  };
}
