// The three ways a delivery arrives, each read the same way (bounded raw body → signature on those
// bytes → JSON → one ingest call):
//   ?connection=<token>            a workspace's own SendGrid/Resend connection and its own secret;
//   ?provider=facebook|instagram|linkedin   the deployment's app secret, routed by account (verified claims);
//   ?provider=&workspace_id=       the env-configured secrets (single-workspace mode; for Meta and
//                                  LinkedIn only the single workspace's id, else routed by account).
import { getDb } from '@/lib/db';
import { ingestByAccount, authenticateDelivery, authenticateWebhook, deliveryIdFrom } from '@/lib/decision-circuits/metrics/delivery';
import { recordConnectionDelivery, resolveConnectionByToken } from '@/lib/decision-circuits/metrics/tenancy';
import { ingestWebhookPayload, type IngestResult } from '@/lib/decision-circuits/metrics/metrics-ingestion';
import { verifyWebhookSignature } from '@/lib/decision-circuits/metrics/metrics-signatures';
import {
  noteIngestActivity,
  classifyVerificationFailure,
  isWebhookVerificationError,
  recordVerificationFailure,
  WebhookVerificationError,
} from '@/lib/decision-circuits/metrics/ingest';
import { annotateRequest } from '@/lib/observability/request-log';
import { MAX_PAYLOAD_BYTES, type MetricsProvider, type VerificationResult } from '@/lib/decision-circuits/metrics/metrics-types';
import { parseJsonBody, readRawBody } from '@/lib/http/body';
import { AppError } from '@/lib/http/errors';
import { acceptedWebhookBody } from '@/lib/http/webhook-response';

const CONNECTION_TOKEN = /^[A-Za-z0-9_-]{32,64}$/;

function annotateOutcome(result: IngestResult): void {
  annotateRequest({ events: { ...result.counts, rejected: result.rejected.length } });
}

export async function receiveForConnection(token: string, request: Request, providerParam: string | null): Promise<Response> {
  if (!CONNECTION_TOKEN.test(token)) throw new AppError('not_found', 'Unknown connection');
  const db = await getDb();
  const connection = await resolveConnectionByToken(token, { db });
  if (!connection) throw new AppError('not_found', 'Unknown connection');
  annotateRequest({ provider: connection.provider, workspace_id: connection.workspaceId });
  if (providerParam !== null && providerParam !== connection.provider) {
    throw new AppError('invalid_request', `This connection is for ${connection.provider}, not ${providerParam}`, {
      provider: connection.provider,
    });
  }
  const rawBody = await readRawBody(request, MAX_PAYLOAD_BYTES);
  let failure = 'Signature mismatch';
  let verification: VerificationResult | undefined;
  for (const secret of connection.secrets) {
    const result = verifyWebhookSignature(connection.provider, request.headers, rawBody, secret);
    if (result.valid) {
      verification = result;
      break;
    }
    failure = result.error ?? failure;
  }
  const refuse = async (reason: string): Promise<void> => {
    annotateRequest({ verification_failure: classifyVerificationFailure(reason) });
    // The 401 matters more than the bookkeeping: a database problem here must not make it a 503.
    await recordConnectionDelivery(connection.id, reason, { db }).catch(() => undefined);
    await recordVerificationFailure(connection.workspaceId, connection.provider).catch(() => undefined);
  };
  if (verification === undefined) {
    await refuse(failure);
    throw new WebhookVerificationError(
      `Signature verification failed: ${failure}`,
      connection.provider,
      classifyVerificationFailure(failure),
    );
  }
  const payload = parseJsonBody(rawBody);
  let result: IngestResult;
  try {
    result = await ingestWebhookPayload(
      {
        workspaceId: connection.workspaceId,
        provider: connection.provider,
        payload,
        signatureVerified: true,
        deliveryId: deliveryIdFrom(connection.provider, request.headers),
        signatureBlock: verification.signatureBlock ?? null,
      },
      { db },
    );
  } catch (error) {
    // A signature block already accepted with other contents (refused inside the ingest call).
    if (isWebhookVerificationError(error)) await refuse(error.message.replace(/^Signature verification failed: /, ''));
    throw error;
  }
  annotateOutcome(result);
  // Bookkeeping only: the events are committed, so a failure here must not turn into a retry.
  await recordConnectionDelivery(connection.id, null, { db }).catch(() => undefined);
  await noteIngestActivity(connection.workspaceId, connection.provider, { db });
  return acceptedWebhookBody(connection.provider, connection.workspaceId, result);
}

export async function receiveByAccount(provider: MetricsProvider, request: Request): Promise<Response> {
  const rawBody = await readRawBody(request, MAX_PAYLOAD_BYTES);
  let signatureVerified: boolean;
  try {
    ({ signatureVerified } = authenticateWebhook(provider, request.headers, rawBody));
  } catch (error) {
    // No workspace to count it for yet: the log line and the metrics carry it.
    if (isWebhookVerificationError(error)) annotateRequest({ verification_failure: error.reason });
    throw error;
  }
  const payload = parseJsonBody(rawBody);
  const db = await getDb();
  const result = await ingestByAccount(
    { provider, payload, signatureVerified, deliveryId: deliveryIdFrom(provider, request.headers) },
    { db },
  );
  annotateOutcome(result);
  for (const workspaceId of result.workspaces) await noteIngestActivity(workspaceId, provider, { db });
  return acceptedWebhookBody(provider, result.workspaces.length === 1 ? result.workspaces[0]! : null, result, {
    unrouted_events: result.unrouted,
  });
}

export async function receiveForWorkspace(provider: MetricsProvider, workspaceId: string, request: Request): Promise<Response> {
  const rawBody = await readRawBody(request, MAX_PAYLOAD_BYTES);
  const { signatureVerified, signatureBlock } = await authenticateDelivery(provider, workspaceId, request.headers, rawBody);
  const payload = parseJsonBody(rawBody);
  const deliveryId = deliveryIdFrom(provider, request.headers);
  const db = await getDb();
  let result: IngestResult;
  try {
    result = await ingestWebhookPayload({ workspaceId, provider, payload, signatureVerified, deliveryId, signatureBlock }, { db });
  } catch (error) {
    if (isWebhookVerificationError(error)) {
      annotateRequest({ verification_failure: error.reason });
      await recordVerificationFailure(workspaceId, provider).catch(() => undefined);
    }
    throw error;
  }
  annotateOutcome(result);
  await noteIngestActivity(workspaceId, provider, { db });
  return acceptedWebhookBody(provider, workspaceId, result);
}
