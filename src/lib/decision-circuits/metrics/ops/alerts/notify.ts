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
  /** A rotated-out secret still within its overlap window: it signs next to `secret`. */
  previousSecret?: string | null;
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

/** What one notification says, fixed once: every attempt sends these bytes under this webhook-id. */
export interface NotificationMessage {
  webhookId: string;
  body: string;
}

export function newWebhookId(): string {
  return `msg_${randomUUID().replaceAll('-', '')}`;
}

export function notificationMessage(kind: NotificationChannel['kind'], transition: AlertTransition): NotificationMessage {
  const body =
    kind === 'slack'
      ? JSON.stringify({ text: slackText(transition) })
      : JSON.stringify({
          type: transition.state === 'firing' ? 'alert.firing' : 'alert.resolved',
          timestamp: transition.changed_at,
          data: transition,
        });
  return { webhookId: newWebhookId(), body };
}

/**
 * The headers of one attempt. Standard Webhooks receivers refuse timestamps older than a few
 * minutes, so each attempt is signed anew at its own time, over the same id and body; during a
 * secret rotation the previous secret signs too (space-separated signatures, any one verifies).
 */
function headersFor(channel: NotificationChannel, message: NotificationMessage): Record<string, string> {
  if (channel.kind === 'slack') return { 'content-type': 'application/json' };
  const timestamp = Math.floor(Date.now() / 1000);
  const secrets = [channel.secret ?? '', ...(channel.previousSecret ? [channel.previousSecret] : [])];
  return {
    'content-type': 'application/json',
    'webhook-id': message.webhookId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((secret) => signStandardWebhook(secret, message.webhookId, timestamp, message.body)).join(' '),
  };
}

export interface SendOptions {
  timeoutMs?: number;
  policy?: OutboundPolicy;
}

/** What one attempt got: the coarse result, and for operators and admins the status or the error. */
export interface AttemptResult {
  result: DeliveryResult;
  /** The receiver's HTTP status; null when no answer came (timeout, no connection, refused). */
  httpStatus: number | null;
  /** Why it did not get a 2xx, in words safe for the workspace's admins (describeSendFailure); null when delivered. */
  error: string | null;
}

const TLS_FAILURE = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_)/;

/**
 * Why an attempt got no answer, in words safe to show a workspace's admin: the refusal's own
 * reason (it names the kind of address, never one), else the failure's kind. Node's messages
 * carry the address connected to, which stays in the operator's log.
 */
export function describeSendFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof OutboundRefusedError) return `refused: the URL ${error.reason}`;
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
  if (name === 'TimeoutError' || name === 'AbortError' || code === 'ETIMEDOUT' || code === 'ABORT_ERR')
    return `no answer within ${timeoutMs} ms`;
  if (code === 'ECONNREFUSED') return 'the connection was refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'the connection was closed before an answer';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'the host is unreachable';
  if (typeof code === 'string' && TLS_FAILURE.test(code)) return 'the TLS handshake failed (is the certificate trusted?)';
  if (typeof code === 'string' && code.startsWith('HPE_')) return 'the answer was not valid HTTP';
  return 'the request failed';
}

/** One POST with a bounded timeout to the checked address; a redirect is a failure, never followed. */
export async function postNotification(
  channel: NotificationChannel,
  message: NotificationMessage,
  options: SendOptions = {},
): Promise<AttemptResult> {
  let attempt: AttemptResult = { result: 'failed', httpStatus: null, error: null };
  const timeoutMs = options.timeoutMs ?? notifyTimeoutMs();
  try {
    const target = await checkOutboundUrl(channel.url, options.policy ?? outboundPolicy());
    const status = await postPinned(target, { headers: headersFor(channel, message), body: message.body, timeoutMs });
    if (status >= 200 && status < 300) attempt = { result: 'delivered', httpStatus: status, error: null };
    else {
      attempt = { result: 'failed', httpStatus: status, error: `the receiver answered HTTP ${status}` };
      getLogger().warn({ channel_id: channel.id, webhook_id: message.webhookId, status }, 'alert notification answered without success');
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    attempt = {
      result: error instanceof OutboundRefusedError ? 'refused' : 'failed',
      httpStatus: null,
      error: describeSendFailure(error, timeoutMs).slice(0, 300),
    };
    // The operator's log gets the reason; the member's history only the coarse outcome.
    getLogger().warn(
      { channel_id: channel.id, webhook_id: message.webhookId, result: attempt.result, reason },
      'alert notification not delivered',
    );
  }
  getMetrics().alertNotifications.inc({ kind: channel.kind, result: attempt.result });
  return attempt;
}

/** One notification, one attempt, now (no retry): for callers that send outside the delivery queue. */
export async function sendNotification(
  channel: NotificationChannel,
  transition: AlertTransition,
  options: SendOptions = {},
): Promise<DeliveryOutcome> {
  const { result } = await postNotification(channel, notificationMessage(channel.kind, transition), options);
  return { channel_id: channel.id, kind: channel.kind, ok: result === 'delivered', outcome: result };
}
