// Sends one alert transition to a channel: Slack-compatible incoming webhooks get `{ text }`,
// generic webhooks a JSON event signed with the Standard Webhooks scheme (webhook-id,
// webhook-timestamp, webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">).
// The URL is checked again at send time (its name may resolve elsewhere since it was added) and
// the request is pinned to the checked address (src/lib/net/outbound.ts).
import { createHmac, randomUUID } from 'node:crypto';
import { checkOutboundUrl, OutboundRefusedError, outboundPolicy, postPinned, type OutboundPolicy } from '../../../../net/outbound';
import { getLogger } from '../../../../observability/logger';
import { getMetrics } from '../../../../observability/metrics';

export interface AlertTransition {
  history_id: string;
  workspace_id: string;
  rule: string;
  subject: string;
  state: 'firing' | 'resolved';
  summary: string;
  changed_at: string;
}

export interface NotificationChannel {
  id: string;
  kind: 'slack' | 'webhook';
  url: string;
  secret: string | null;
}

/**
 * What members see of a delivery: `delivered` (2xx), `failed` (any other answer, a redirect, a
 * timeout, no connection) or `refused` (the URL now points inside). Never the HTTP status or the
 * error: those would tell a member what listens where behind the server.
 */
export type DeliveryResult = 'delivered' | 'failed' | 'refused';

export interface DeliveryOutcome {
  channel_id: string;
  kind: 'slack' | 'webhook';
  ok: boolean;
  outcome: DeliveryResult;
}

export const DEFAULT_NOTIFY_TIMEOUT_MS = 5_000;

export function notifyTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.ALERT_NOTIFY_TIMEOUT_MS);
  return Number.isInteger(value) && value > 0 && value <= 30_000 ? value : DEFAULT_NOTIFY_TIMEOUT_MS;
}

/** `v1,<signature>` for a Standard Webhooks secret (`whsec_` + base64 key). */
export function signStandardWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

function slackText(t: AlertTransition): string {
  const mark = t.state === 'firing' ? 'FIRING' : 'RESOLVED';
  return `[${mark}] ${t.rule} (${t.subject}) in workspace ${t.workspace_id}: ${t.summary}`;
}

function requestFor(channel: NotificationChannel, transition: AlertTransition): { headers: Record<string, string>; body: string } {
  if (channel.kind === 'slack') {
    return { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: slackText(transition) }) };
  }
  const body = JSON.stringify({
    type: transition.state === 'firing' ? 'alert.firing' : 'alert.resolved',
    timestamp: transition.changed_at,
    data: transition,
  });
  const id = `msg_${randomUUID()}`;
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signStandardWebhook(channel.secret ?? '', id, timestamp, body),
    },
    body,
  };
}

export interface SendOptions {
  timeoutMs?: number;
  policy?: OutboundPolicy;
}

/** One POST with a bounded timeout to the checked address; a redirect is a failure, never followed. */
export async function sendNotification(
  channel: NotificationChannel,
  transition: AlertTransition,
  options: SendOptions = {},
): Promise<DeliveryOutcome> {
  let result: DeliveryResult = 'failed';
  try {
    const target = await checkOutboundUrl(channel.url, options.policy ?? outboundPolicy());
    const { headers, body } = requestFor(channel, transition);
    const status = await postPinned(target, { headers, body, timeoutMs: options.timeoutMs ?? notifyTimeoutMs() });
    if (status >= 200 && status < 300) result = 'delivered';
    else getLogger().warn({ channel_id: channel.id, status }, 'alert notification answered without success');
  } catch (error) {
    if (error instanceof OutboundRefusedError) result = 'refused';
    // The operator's log gets the reason; the member's history only the coarse outcome.
    getLogger().warn(
      { channel_id: channel.id, result, reason: error instanceof Error ? error.message : String(error) },
      'alert notification not delivered',
    );
  }
  getMetrics().alertNotifications.inc({ kind: channel.kind, result });
  return { channel_id: channel.id, kind: channel.kind, ok: result === 'delivered', outcome: result };
}
