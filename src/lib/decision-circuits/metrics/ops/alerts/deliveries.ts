// Durable alert deliveries: each (notification, channel) is a row in metrics_alert_deliveries
// holding the exact body and webhook-id every attempt sends. A run claims the due rows (SKIP
// LOCKED, with a lease: no attempt goes out twice), sends them and records what happened; a
// failure waits an exponentially growing, jittered delay for the next attempt, up to
// MAX_DELIVERY_ATTEMPTS in about an hour. Run by the alerts cron and the dev scheduler.
import type { SecretBoxKeys } from '../../../../crypto/secret-box';
import type { Database } from '../../../../db';
import type { OutboundPolicy } from '../../../../net/outbound';
import { describeError, getLogger } from '../../../../observability/logger';
import { getMetrics } from '../../../../observability/metrics';
import { openChannel, openPreviousSecret } from './channel-secrets';
import {
  notificationMessage,
  postNotification,
  type AlertTransition,
  type AttemptResult,
  type DeliveryResult,
  type NotificationMessage,
} from './notify';

/** Six attempts: now, then about 2, 4, 8, 16 and 32 minutes after each failure (about an hour in all). */
export const MAX_DELIVERY_ATTEMPTS = 6;
export const RETRY_BASE_SECONDS = 120;
/** Each delay is drawn within ±25 % so receivers that failed together are not retried together. */
export const RETRY_JITTER = 0.25;
/** Longer than the longest send (30 s timeout): a live lease means the attempt is in flight. */
export const DELIVERY_LEASE_SECONDS = 120;
const CLAIM_BATCH = 50;

/** Seconds to wait after failed attempt number `attempt` (1-based); `random` in [0, 1). */
export function retryDelaySeconds(attempt: number, random: number = Math.random()): number {
  const base = RETRY_BASE_SECONDS * 2 ** Math.max(0, attempt - 1);
  return Math.round(base * (1 - RETRY_JITTER + 2 * RETRY_JITTER * random));
}

export interface DeliveryContext {
  keys: SecretBoxKeys | null;
  policy: OutboundPolicy;
  timeoutMs?: number;
}

export interface DeliveryRunSummary {
  /** Attempts this run made that got a 2xx. */
  delivered: number;
  /** Attempts this run made that did not (each is retried or given up below). */
  failed: number;
  retry_scheduled: number;
  given_up: number;
}

export interface ChannelForQueue {
  id: string;
  workspace_id: string;
  kind: 'slack' | 'webhook';
}

/** A history entry to notify, with what it says on each kind of channel. */
export interface QueuedNotification {
  history_id: string;
  workspace_id: string;
  message: (kind: ChannelForQueue['kind']) => NotificationMessage;
}

/** One delivery row per notification and channel of its workspace; answers how many were added. */
export async function enqueueMessages(
  db: Database,
  notifications: readonly QueuedNotification[],
  channels: readonly ChannelForQueue[],
): Promise<number> {
  let added = 0;
  for (const n of notifications) {
    for (const channel of channels.filter((c) => c.workspace_id === n.workspace_id)) {
      const message = n.message(channel.kind);
      const [row] = await db.query<{ added: boolean }>('select metrics_alert_delivery_enqueue($1, $2, $3, $4, $5) as added', [
        n.history_id,
        channel.id,
        message.webhookId,
        message.body,
        MAX_DELIVERY_ATTEMPTS,
      ]);
      if (row?.added) added += 1;
    }
  }
  return added;
}

/** enqueueMessages for alert transitions (fired or resolved). */
export function enqueueDeliveries(
  db: Database,
  transitions: readonly AlertTransition[],
  channels: readonly ChannelForQueue[],
): Promise<number> {
  return enqueueMessages(
    db,
    transitions.map((t) => ({ history_id: t.history_id, workspace_id: t.workspace_id, message: (kind) => notificationMessage(kind, t) })),
    channels,
  );
}

interface ClaimedDelivery {
  id: unknown;
  workspace_id: string;
  channel_id: string;
  webhook_id: string;
  body: string;
  attempt: number;
  max_attempts: number;
  kind: 'slack' | 'webhook';
  url: string | null;
  url_sealed: string | null;
  secret: string | null;
  secret_sealed: string | null;
  previous_secret_sealed: string | null;
}

async function attempt(context: DeliveryContext, row: ClaimedDelivery): Promise<AttemptResult> {
  let channel: { url: string; secret: string | null; previousSecret: string | null };
  try {
    if (!context.keys && row.url_sealed) throw new Error('METRICS_ENCRYPTION_KEYS is not configured');
    const stored = { id: row.channel_id, workspace_id: row.workspace_id, url: row.url, url_sealed: row.url_sealed };
    const opened = context.keys
      ? openChannel(context.keys, { ...stored, secret: row.secret, secret_sealed: row.secret_sealed })
      : { url: row.url!, secret: row.secret };
    const previousSecret =
      context.keys && row.previous_secret_sealed ? openPreviousSecret(context.keys, stored, row.previous_secret_sealed) : null;
    channel = { ...opened, previousSecret };
  } catch (error) {
    getLogger().error({ channel_id: row.channel_id, err: describeError(error) }, 'alert channel cannot be opened');
    return { result: 'failed', httpStatus: null, error: 'the channel cannot be opened (encryption keys)' };
  }
  return postNotification(
    { id: row.channel_id, kind: row.kind, ...channel },
    { webhookId: row.webhook_id, body: row.body },
    { policy: context.policy, timeoutMs: context.timeoutMs },
  );
}

async function record(db: Database, row: ClaimedDelivery, result: AttemptResult): Promise<string | null> {
  const retryIn = result.result === 'delivered' || row.attempt >= row.max_attempts ? null : retryDelaySeconds(row.attempt);
  const [recorded] = await db.query<{ status: string }>('select * from metrics_alert_delivery_record($1, $2, $3, $4, $5, $6) as status', [
    row.id,
    row.attempt,
    result.result,
    result.httpStatus,
    result.error,
    retryIn,
  ]);
  return recorded?.status ?? null;
}

/** Sends every due delivery (in batches until none is due); safe to run repeatedly and concurrently. */
export async function deliverDue(
  db: Database,
  context: DeliveryContext,
  options: { maxBatches?: number } = {},
): Promise<DeliveryRunSummary> {
  const summary: DeliveryRunSummary = { delivered: 0, failed: 0, retry_scheduled: 0, given_up: 0 };
  for (let batch = 0; batch < (options.maxBatches ?? 10); batch += 1) {
    const claimed = await db.query<ClaimedDelivery>('select * from metrics_alert_delivery_claim($1, $2)', [
      CLAIM_BATCH,
      DELIVERY_LEASE_SECONDS,
    ]);
    await Promise.all(
      claimed.map(async (row) => {
        const result = await attempt(context, row);
        summary[result.result === 'delivered' ? 'delivered' : 'failed'] += 1;
        const status = await record(db, row, result);
        if (status === 'pending') summary.retry_scheduled += 1;
        else if (status === 'failed' || status === 'refused') {
          summary.given_up += 1;
          getMetrics().alertDeliveriesGivenUp.inc({ kind: row.kind });
          getLogger().warn(
            { channel_id: row.channel_id, webhook_id: row.webhook_id, attempts: row.attempt, result: status },
            'alert notification given up',
          );
        }
        if (status === 'pending') getMetrics().alertDeliveryRetries.inc({ kind: row.kind });
      }),
    );
    if (claimed.length < CLAIM_BATCH) break;
  }
  return summary;
}

/** What the alerts panel shows of a channel's deliveries (coarse: no status, no error). */
export interface ChannelDeliveryState {
  /** Deliveries waiting for another attempt. */
  retrying: number;
  /** Deliveries given up within the last 7 days. */
  given_up_7d: number;
  last_outcome: DeliveryResult | null;
  last_attempt_at: string | null;
  next_attempt_at: string | null;
}
