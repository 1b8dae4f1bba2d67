// Sends one alert transition to a channel: Slack-compatible incoming webhooks get `{ text }`,
// generic webhooks a JSON event signed with the Standard Webhooks scheme (webhook-id,
// webhook-timestamp, webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">).
import { createHmac, randomUUID } from 'node:crypto';
import { getMetrics } from '../../../observability/metrics';

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

export interface DeliveryOutcome {
  channel_id: string;
  kind: 'slack' | 'webhook';
  ok: boolean;
  /** HTTP status, or null when no answer came (timeout, refused, redirect, bad URL). */
  status: number | null;
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

/** One POST with a bounded timeout; never follows redirects, never fetches a non-http(s) URL. */
export async function sendNotification(
  channel: NotificationChannel,
  transition: AlertTransition,
  timeoutMs = notifyTimeoutMs(),
): Promise<DeliveryOutcome> {
  const outcome: DeliveryOutcome = { channel_id: channel.id, kind: channel.kind, ok: false, status: null };
  let url: URL;
  try {
    url = new URL(channel.url);
  } catch {
    return outcome;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return outcome;
  const { headers, body } = requestFor(channel, transition);
  try {
    const response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    outcome.status = response.status;
    outcome.ok = response.status >= 200 && response.status < 300;
  } catch {
    // Timeout, refused connection: recorded in the history as status null.
  }
  getMetrics().alertNotifications.inc({ kind: channel.kind, result: outcome.ok ? 'delivered' : 'failed' });
  return outcome;
}
