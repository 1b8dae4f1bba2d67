// Receiving one webhook delivery: the use case behind the webhook URL. It arrives one of three ways,
// each read the same way (signature on the exact bytes → JSON → normalised once → the ledger):
//   connection   a workspace's own SendGrid/Resend/Mailgun connection and its own secrets;
//   account      Meta and LinkedIn: the deployment's app secret, events routed by account (verified claims);
//   workspace    the env-configured secrets for a workspace the URL names (single-workspace mode; for
//                Meta and LinkedIn only the single workspace's id is honoured, else routed by account).
import { getDb, type Database } from '../../../db';
import { parseJsonBody } from '../../../json/request-body';
import { describeError, getLogger } from '../../../observability/logger';
import { annotateRequest } from '../../../observability/request-log';
import { DomainError } from '../core/errors';
import { noteIngestActivity } from '../ingest/activity';
import { isWebhookVerificationError, recordVerificationFailure, type WebhookVerificationError } from '../ingest/verification-failures';
import { ingestWebhookPayload, type IngestResult } from '../metrics-ingestion';
import type { HeaderBag, MetricsProvider } from '../metrics-types';
import { recordConnectionDelivery, resolveConnectionByToken } from '../tenancy/connections';
import { ingestByAccount } from './account-routing';
import {
  authenticateConnectionWebhook,
  authenticateWebhook,
  deliveryIdFrom,
  honoursWorkspaceUrl,
  isAccountRoutedProvider,
} from './webhook';

/** Where a delivery was sent, as its URL says (read by the route, which alone knows URLs). */
export type DeliveryAddress =
  /** `provider` as the URL gave it, if at all: it must match the connection's. */
  | { kind: 'connection'; token: string; provider: string | null }
  /** `workspaceId` null: the URL names none. */
  | { kind: 'provider'; provider: MetricsProvider; workspaceId: string | null };

export interface IncomingDelivery {
  address: DeliveryAddress;
  headers: HeaderBag;
  /** The exact request bytes, already bounded by the caller. */
  rawBody: Uint8Array;
}

export interface DeliveryReceipt {
  provider: MetricsProvider;
  /** The workspace the events went to; null when routed by account to none or several. */
  workspaceId: string | null;
  result: IngestResult;
  /** Account-routed deliveries: events of accounts no workspace has connected (acknowledged, not stored). */
  unroutedEvents: number | null;
}

const CONNECTION_TOKEN = /^[A-Za-z0-9_-]{32,64}$/;

export const WORKSPACE_REQUIRED_MESSAGE = 'workspace id required: x-workspace-id header or workspace_id query parameter';

/** Who a refused delivery is counted for: a workspace (and its connection), or nobody yet. */
interface RefusalTarget {
  workspaceId: string;
  provider: MetricsProvider;
  connectionId?: string;
}

/**
 * A refusal on the request's log line and, where a workspace is known, in its count (the
 * verification-failure alert reads it) and on its connection. The 401 matters more than the
 * bookkeeping: a database problem here must not turn it into a 503.
 */
async function noteRefusal(error: WebhookVerificationError, target: RefusalTarget | null, db: Database): Promise<void> {
  annotateRequest({ verification_failure: error.reason });
  if (target === null) return;
  const warn = (bookkeepingError: unknown): void =>
    getLogger().warn({ err: describeError(bookkeepingError), provider: target.provider }, 'verification failure not recorded');
  if (target.connectionId !== undefined) await recordConnectionDelivery(target.connectionId, error.detail, { db }).catch(warn);
  await recordVerificationFailure(target.workspaceId, target.provider, { db }).catch(warn);
}

/** Runs `step`; a signature refusal it raises (at the signature, or a replayed block at the ledger) is noted first. */
async function refusalsNoted<T>(step: () => T | Promise<T>, target: RefusalTarget | null, db: Database): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (isWebhookVerificationError(error)) await noteRefusal(error, target, db);
    throw error;
  }
}

function noteOutcome(result: IngestResult): void {
  annotateRequest({ events: { ...result.counts, rejected: result.rejected.length } });
}

async function receiveForConnection(
  address: Extract<DeliveryAddress, { kind: 'connection' }>,
  delivery: IncomingDelivery,
  db: Database,
): Promise<DeliveryReceipt> {
  if (!CONNECTION_TOKEN.test(address.token)) throw new DomainError('not_found', 'Unknown connection');
  const connection = await resolveConnectionByToken(address.token, { db });
  if (!connection) throw new DomainError('not_found', 'Unknown connection');
  const { provider, workspaceId } = connection;
  annotateRequest({ provider, workspace_id: workspaceId });
  if (address.provider !== null && address.provider !== provider) {
    throw new DomainError('invalid_request', `This connection is for ${provider}, not ${address.provider}`, { provider });
  }
  const target = { workspaceId, provider, connectionId: connection.id };
  const { signatureBlock } = await refusalsNoted(
    () => authenticateConnectionWebhook(provider, delivery.headers, delivery.rawBody, connection.secrets),
    target,
    db,
  );
  const payload = parseJsonBody(delivery.rawBody);
  const deliveryId = deliveryIdFrom(provider, delivery.headers);
  const result = await refusalsNoted(
    () => ingestWebhookPayload({ workspaceId, provider, payload, signatureVerified: true, deliveryId, signatureBlock }, { db }),
    target,
    db,
  );
  noteOutcome(result);
  // Bookkeeping only: the events are committed, so a failure here must not turn into a retry.
  await recordConnectionDelivery(connection.id, null, { db }).catch(() => undefined);
  await noteIngestActivity(workspaceId, provider, { db });
  return { provider, workspaceId, result, unroutedEvents: null };
}

async function receiveByAccount(provider: MetricsProvider, delivery: IncomingDelivery, db: Database): Promise<DeliveryReceipt> {
  // No workspace to count a refusal for yet: the log line and the metrics carry it.
  const { signatureVerified } = await refusalsNoted(() => authenticateWebhook(provider, delivery.headers, delivery.rawBody), null, db);
  const payload = parseJsonBody(delivery.rawBody);
  const result = await ingestByAccount(
    { provider, payload, signatureVerified, deliveryId: deliveryIdFrom(provider, delivery.headers) },
    { db },
  );
  noteOutcome(result);
  for (const workspaceId of result.workspaces) await noteIngestActivity(workspaceId, provider, { db });
  const workspaceId = result.workspaces.length === 1 ? result.workspaces[0]! : null;
  return { provider, workspaceId, result, unroutedEvents: result.unrouted };
}

async function receiveForWorkspace(
  provider: MetricsProvider,
  workspaceId: string,
  delivery: IncomingDelivery,
  db: Database,
): Promise<DeliveryReceipt> {
  annotateRequest({ workspace_id: workspaceId });
  const target = { workspaceId, provider };
  const { signatureVerified, signatureBlock } = await refusalsNoted(
    () => authenticateWebhook(provider, delivery.headers, delivery.rawBody),
    target,
    db,
  );
  const payload = parseJsonBody(delivery.rawBody);
  const deliveryId = deliveryIdFrom(provider, delivery.headers);
  const result = await refusalsNoted(
    () => ingestWebhookPayload({ workspaceId, provider, payload, signatureVerified, deliveryId, signatureBlock }, { db }),
    target,
    db,
  );
  noteOutcome(result);
  await noteIngestActivity(workspaceId, provider, { db });
  return { provider, workspaceId, result, unroutedEvents: null };
}

/**
 * Authenticates one delivery, stores its events once and says what became of them. Refusals are
 * errors with a code: 404 unknown connection, 400 a bad address or body, 401 a signature refused
 * (the same error whichever way the delivery came), 503 the database.
 */
export async function receiveDelivery(delivery: IncomingDelivery, options: { db?: Database } = {}): Promise<DeliveryReceipt> {
  const db = options.db ?? (await getDb());
  const { address } = delivery;
  if (address.kind === 'connection') return receiveForConnection(address, delivery, db);
  annotateRequest({ provider: address.provider });
  if (address.workspaceId === null) {
    if (!isAccountRoutedProvider(address.provider)) throw new DomainError('invalid_request', WORKSPACE_REQUIRED_MESSAGE);
    return receiveByAccount(address.provider, delivery, db);
  }
  // A Meta or LinkedIn delivery's URL proves no workspace: routed by account instead.
  if (!honoursWorkspaceUrl(address.provider, address.workspaceId)) return receiveByAccount(address.provider, delivery, db);
  return receiveForWorkspace(address.provider, address.workspaceId, delivery, db);
}
