// The three ways a delivery arrives, each read the same way (bounded raw body → signature on those
// bytes → JSON → one ingest call):
//   ?connection=<token>            a workspace's own SendGrid/Resend connection and its own secret;
//   ?provider=facebook|instagram|linkedin   the deployment's app secret, routed by account;
//   ?provider=&workspace_id=       the env-configured secrets (single-workspace mode).
import { getDb } from '@/lib/db';
import { ingestByAccount } from '@/lib/decision-circuits/metrics/metrics-account-routing';
import { recordConnectionDelivery, resolveConnectionByToken } from '@/lib/decision-circuits/metrics/metrics-connections';
import { ingestWebhookPayload } from '@/lib/decision-circuits/metrics/metrics-ingestion';
import { verifyWebhookSignature } from '@/lib/decision-circuits/metrics/metrics-signatures';
import { authenticateWebhook, deliveryIdFrom } from '@/lib/decision-circuits/metrics/metrics-webhook';
import { MAX_PAYLOAD_BYTES, type MetricsProvider } from '@/lib/decision-circuits/metrics/metrics-types';
import { parseJsonBody, readRawBody } from '@/lib/http/body';
import { ApiError } from '@/lib/http/errors';
import { acceptedWebhookBody } from '@/lib/http/webhook-response';

const CONNECTION_TOKEN = /^[A-Za-z0-9_-]{32,64}$/;

export async function receiveForConnection(token: string, request: Request, providerParam: string | null): Promise<Response> {
  if (!CONNECTION_TOKEN.test(token)) throw new ApiError(404, 'Unknown connection');
  const db = await getDb();
  const connection = await resolveConnectionByToken(token, { db });
  if (!connection) throw new ApiError(404, 'Unknown connection');
  if (providerParam !== null && providerParam !== connection.provider) {
    throw new ApiError(400, `This connection is for ${connection.provider}, not ${providerParam}`, { provider: connection.provider });
  }
  const rawBody = await readRawBody(request, MAX_PAYLOAD_BYTES);
  let failure = 'Signature mismatch';
  const verified = connection.secrets.some((secret) => {
    const result = verifyWebhookSignature(connection.provider, request.headers, rawBody, secret);
    if (!result.valid) failure = result.error ?? failure;
    return result.valid;
  });
  if (!verified) {
    await recordConnectionDelivery(connection.id, failure, { db }).catch(() => undefined);
    throw new ApiError(401, `Signature verification failed: ${failure}`, { provider: connection.provider });
  }
  const payload = parseJsonBody(rawBody);
  const result = await ingestWebhookPayload(
    { workspaceId: connection.workspaceId, provider: connection.provider, payload, signatureVerified: true, deliveryId: deliveryIdFrom(connection.provider, request.headers) },
    { db },
  );
  // Bookkeeping only: the events are committed, so a failure here must not turn into a retry.
  await recordConnectionDelivery(connection.id, null, { db }).catch(() => undefined);
  return acceptedWebhookBody(connection.provider, connection.workspaceId, result);
}

export async function receiveByAccount(provider: MetricsProvider, request: Request): Promise<Response> {
  const rawBody = await readRawBody(request, MAX_PAYLOAD_BYTES);
  const { signatureVerified } = authenticateWebhook(provider, request.headers, rawBody);
  const payload = parseJsonBody(rawBody);
  const result = await ingestByAccount({ provider, payload, signatureVerified, deliveryId: deliveryIdFrom(provider, request.headers) }, { db: await getDb() });
  return acceptedWebhookBody(provider, result.workspaces.length === 1 ? result.workspaces[0]! : null, result, { unrouted_events: result.unrouted });
}

export async function receiveForWorkspace(provider: MetricsProvider, workspaceId: string, request: Request): Promise<Response> {
  const rawBody = await readRawBody(request, MAX_PAYLOAD_BYTES);
  const { signatureVerified } = authenticateWebhook(provider, request.headers, rawBody);
  const payload = parseJsonBody(rawBody);
  const deliveryId = deliveryIdFrom(provider, request.headers);
  const result = await ingestWebhookPayload({ workspaceId, provider, payload, signatureVerified, deliveryId }, { db: await getDb() });
  return acceptedWebhookBody(provider, workspaceId, result);
}
