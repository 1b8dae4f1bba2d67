// An admin's actions on one alert channel: send a test notification (a clearly marked payload,
// through the same URL check, pinning and signing as an alert, answering what the receiver said)
// and rotate a signed webhook channel's secret (the new one is shown once; the previous one keeps
// signing next to it for an overlap window, then the alerts job retires it). Each action is
// written to the channel's audit trail.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { getDb, type Database } from '../../../../db';
import { outboundPolicy } from '../../../../net/outbound';
import { secretBoxKeys } from '../../tenancy/connections';
import { DomainError } from '../../core/errors';
import { toIso } from '../../core/rows';
import { openChannel, openPreviousSecret, sealChannelSecret, sealPlainChannels } from './channel-secrets';
import { newWebhookId, postNotification, type DeliveryResult } from './notify';

interface DbEnv {
  db?: Database;
  env?: Readonly<Record<string, string | undefined>>;
}

export const DEFAULT_ROTATION_OVERLAP_HOURS = 24;
export const MAX_ROTATION_OVERLAP_HOURS = 168;

export const rotateSecretInputSchema = z
  .object({
    /** How long the previous secret keeps signing next to the new one; 0 retires it at once. */
    overlap_hours: z.number().int().min(0).max(MAX_ROTATION_OVERLAP_HOURS).optional(),
  })
  .strict();
export type RotateSecretInput = z.infer<typeof rotateSecretInputSchema>;

/** Test sends per channel and window: each one is a request to the tenant's URL. */
export const TEST_NOTIFICATION_LIMIT = { perChannel: 5, windowSeconds: 10 * 60 } as const;

export class AlertChannelNotFoundError extends DomainError {
  constructor() {
    super('not_found', 'Channel not found');
    this.name = 'AlertChannelNotFoundError';
  }
}

export class NotASignedChannelError extends DomainError {
  constructor() {
    super('conflict', 'Only signed webhook channels have a secret to rotate', { code: 'not_a_signed_webhook_channel' });
    this.name = 'NotASignedChannelError';
  }
}

/** A Standard Webhooks key: `whsec_` and base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

interface ChannelRow {
  id: string;
  workspace_id: string;
  kind: 'slack' | 'webhook';
  name: string;
  url: string | null;
  url_sealed: string | null;
  secret: string | null;
  secret_sealed: string | null;
  previous_secret_sealed: string | null;
}

async function channelOf(db: Database, workspaceId: string, channelId: string): Promise<ChannelRow> {
  const [row] = await db.query<ChannelRow>(
    `select id, workspace_id, kind, name, url, url_sealed, secret, secret_sealed,
            case when previous_secret_expires_at > now() then previous_secret_sealed end as previous_secret_sealed
     from metrics_alert_channels where workspace_id = $1 and id = $2`,
    [workspaceId, channelId],
  );
  if (!row) throw new AlertChannelNotFoundError();
  return row;
}

export interface TestNotificationResult {
  channel_id: string;
  outcome: DeliveryResult;
  /** The receiver's HTTP status (null when none answered): shown to the admin who asked. */
  http_status: number | null;
  /** Why it was not delivered, in words that name no address (describeSendFailure); null when delivered. */
  error: string | null;
  webhook_id: string;
  /** From the URL check to the receiver's answer (or the failure). */
  latency_ms: number;
}

function testBody(channel: ChannelRow, webhookId: string): string {
  const note = 'Test notification: no alert is firing.';
  if (channel.kind === 'slack')
    return JSON.stringify({ text: `[TEST] ${note} Channel "${channel.name}" of workspace ${channel.workspace_id}.` });
  return JSON.stringify({
    type: 'alert.test',
    timestamp: new Date().toISOString(),
    data: { test: true, workspace_id: channel.workspace_id, channel_id: channel.id, webhook_id: webhookId, summary: note },
  });
}

/** One marked test payload to the channel, now, not retried; the answer says what the receiver did. */
export async function sendTestNotification(
  workspaceId: string,
  channelId: string,
  actor: string,
  options: DbEnv = {},
): Promise<TestNotificationResult> {
  const db = options.db ?? (await getDb());
  const env = options.env ?? process.env;
  const keys = secretBoxKeys(env);
  await sealPlainChannels(db, keys);
  const channel = await channelOf(db, workspaceId, channelId);
  const opened = openChannel(keys, channel);
  const previousSecret = channel.previous_secret_sealed ? openPreviousSecret(keys, channel, channel.previous_secret_sealed) : null;
  const webhookId = newWebhookId();
  const startedAt = Date.now();
  const attempt = await postNotification(
    { id: channel.id, kind: channel.kind, ...opened, previousSecret },
    { webhookId, body: testBody(channel, webhookId) },
    { policy: outboundPolicy(env) },
  );
  const result: TestNotificationResult = {
    channel_id: channel.id,
    outcome: attempt.result,
    http_status: attempt.httpStatus,
    error: attempt.error,
    webhook_id: webhookId,
    latency_ms: Date.now() - startedAt,
  };
  await db.query('select metrics_alert_channel_note($1, $2, $3::jsonb)', [
    workspaceId,
    channelId,
    // The object itself: both drivers serialise a jsonb parameter (a string would be stored as a JSON string).
    { action: 'test_sent', actor, outcome: result.outcome, http_status: result.http_status, webhook_id: webhookId },
  ]);
  return result;
}

export interface RotatedSecret {
  channel_id: string;
  /** The new secret, in the clear this once: it is stored sealed and never returned again. */
  secret: string;
  secret_fingerprint: string;
  previous_secret_fingerprint: string | null;
  previous_secret_expires_at: string | null;
}

/** A new secret for a signed webhook channel; the previous one signs alongside for the overlap. */
export async function rotateChannelSecret(
  workspaceId: string,
  channelId: string,
  actor: string,
  input: RotateSecretInput,
  options: DbEnv = {},
): Promise<RotatedSecret> {
  const db = options.db ?? (await getDb());
  const keys = secretBoxKeys(options.env ?? process.env);
  await sealPlainChannels(db, keys);
  const secret = newWebhookSecret();
  const sealed = sealChannelSecret(keys, workspaceId, channelId, secret);
  const overlapSeconds = (input.overlap_hours ?? DEFAULT_ROTATION_OVERLAP_HOURS) * 3600;
  const [row] = await db.query<{
    secret_fingerprint: string;
    previous_secret_fingerprint: string | null;
    previous_secret_expires_at: unknown;
  }>('select * from metrics_alert_channel_rotate_secret($1, $2, $3, $4, $5, $6)', [
    workspaceId,
    channelId,
    sealed.secret_sealed,
    sealed.secret_fingerprint,
    overlapSeconds,
    actor,
  ]);
  if (!row) {
    const channel = await channelOf(db, workspaceId, channelId);
    throw channel.kind === 'webhook' ? new AlertChannelNotFoundError() : new NotASignedChannelError();
  }
  return {
    channel_id: channelId,
    secret,
    secret_fingerprint: row.secret_fingerprint,
    previous_secret_fingerprint: row.previous_secret_fingerprint,
    previous_secret_expires_at: toIso(row.previous_secret_expires_at),
  };
}

/** Stops the previous secret signing now; answers whether there was one. */
export async function retirePreviousSecret(workspaceId: string, channelId: string, actor: string, options: DbEnv = {}): Promise<boolean> {
  const db = options.db ?? (await getDb());
  const [row] = await db.query<{ retired: boolean }>('select metrics_alert_channel_retire_previous_secret($1, $2, $3) as retired', [
    workspaceId,
    channelId,
    actor,
  ]);
  if (row?.retired) return true;
  await channelOf(db, workspaceId, channelId);
  return false;
}
