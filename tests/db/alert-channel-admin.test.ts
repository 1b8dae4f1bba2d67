// An admin's channel actions on both databases, against local receivers verifying with the
// `standardwebhooks` library: a test notification reports what the receiver answered; a secret
// rotation signs with both secrets during the overlap (receivers on either secret accept), then
// the alerts job retires the previous one; each action lands in the channel's audit trail.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlertChannelNotFoundError,
  NotASignedChannelError,
  retirePreviousSecret,
  rotateChannelSecret,
  sendTestNotification,
} from '../../src/lib/decision-circuits/metrics/ops/alerts/channel-admin';
import { addAlertChannel, getAlertOverview, setAlertRules } from '../../src/lib/decision-circuits/metrics/ops/alerts/config';
import { evaluateAlerts } from '../../src/lib/decision-circuits/metrics/ops/alerts/evaluate';
import { recordVerificationFailure } from '../../src/lib/decision-circuits/metrics/ingest/verification-failures';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { createWorkspace } from '../helpers/factories';
import { startReceiver, verifiesWith, type Receiver } from '../helpers/receivers';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const LOCAL_RECEIVERS = { ...process.env, METRICS_OUTBOUND_ALLOWLIST: '127.0.0.1' };
const ACTOR = '00000000-0000-4000-8000-00000000a11c';

describe.each(DATABASE_KINDS)('alert channel administration on %s', (kind) => {
  let t: TestDatabase;
  let receiver: Receiver;
  let workspace: string;
  let hookId: string;
  let slackId: string;
  const options = () => ({ db: t.db, env: LOCAL_RECEIVERS });

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    receiver = await startReceiver((i) => (i === 0 ? 418 : 200));
    workspace = await createWorkspace(t.db, 'Administered');
    hookId = (await addAlertChannel(workspace, { kind: 'webhook', name: 'pager', url: `${receiver.url}/hook`, secret: SECRET }, options()))
      .id;
    slackId = (await addAlertChannel(workspace, { kind: 'slack', name: 'chat', url: `${receiver.url}/services/T0/B0/x` }, options())).id;
    await setAlertRules(workspace, [{ rule: 'verification_failures', enabled: true, threshold: 1 }], { db: t.db });
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.drop();
  });

  it('sends a marked, signed test notification and reports the receiver status', async () => {
    const refused = await sendTestNotification(workspace, hookId, ACTOR, options());
    expect(refused).toMatchObject({ channel_id: hookId, outcome: 'failed', http_status: 418 });
    const sent = await sendTestNotification(workspace, hookId, ACTOR, options());
    expect(sent).toMatchObject({ outcome: 'delivered', http_status: 200, error: null });
    const last = receiver.received.at(-1)!;
    expect(last.headers['webhook-id']).toBe(sent.webhook_id);
    expect(new Webhook(SECRET).verify(last.body, last.headers as Record<string, string>)).toMatchObject({
      type: 'alert.test',
      data: { test: true, channel_id: hookId, workspace_id: workspace },
    });
    expect(await sendTestNotification(workspace, slackId, ACTOR, options())).toMatchObject({ outcome: 'delivered' });
    expect(JSON.parse(receiver.received.at(-1)!.body)).toEqual({ text: expect.stringMatching(/^\[TEST\] /) });

    const { channels } = await getAlertOverview(workspace, { db: t.db });
    expect(channels.find((c) => c.id === hookId)!.audit).toEqual([
      expect.objectContaining({ action: 'test_sent', actor: ACTOR, outcome: 'failed', http_status: 418 }),
      expect.objectContaining({ action: 'test_sent', actor: ACTOR, outcome: 'delivered', http_status: 200 }),
    ]);
    // Test sends are not alerts: nothing was queued or recorded in the history.
    expect((await getAlertOverview(workspace, { db: t.db })).history).toEqual([]);
  });

  it('refuses another workspace’s channel and rotating a Slack channel', async () => {
    const other = await createWorkspace(t.db, 'Other');
    await expect(sendTestNotification(other, hookId, ACTOR, options())).rejects.toBeInstanceOf(AlertChannelNotFoundError);
    await expect(rotateChannelSecret(other, hookId, ACTOR, {}, options())).rejects.toBeInstanceOf(AlertChannelNotFoundError);
    await expect(rotateChannelSecret(workspace, slackId, ACTOR, {}, options())).rejects.toBeInstanceOf(NotASignedChannelError);
    expect(
      (
        await t.db.query<{ n: number }>(
          'select count(*)::int as n from metrics_alert_channels where id = $1 and secret_fingerprint is null',
          [slackId],
        )
      )[0]!.n,
    ).toBe(1);
  });

  it('signs with both secrets during the overlap, then only with the new one once the previous retires', async () => {
    const rotated = await rotateChannelSecret(workspace, hookId, ACTOR, { overlap_hours: 24 }, options());
    expect(rotated.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(rotated.previous_secret_expires_at).not.toBeNull();
    const hoursLeft = (Date.parse(rotated.previous_secret_expires_at!) - Date.now()) / 3_600_000;
    expect(hoursLeft).toBeGreaterThan(23.9);
    expect(hoursLeft).toBeLessThanOrEqual(24);
    let view = (await getAlertOverview(workspace, { db: t.db })).channels.find((c) => c.id === hookId)!;
    expect(view.secret_fingerprint).toBe(rotated.secret_fingerprint);
    expect(view.previous_secret_fingerprint).toBe(rotated.previous_secret_fingerprint);
    expect(JSON.stringify(view)).not.toContain(rotated.secret.slice(6, 30));

    await recordVerificationFailure(workspace, 'resend', { db: t.db });
    expect(await evaluateAlerts(options())).toMatchObject({ fired: 1, notifications_delivered: 2 });
    const alert = receiver.received.find((r) => r.path === '/hook' && r.body.includes('alert.firing'))!;
    expect(String(alert.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifiesWith(rotated.secret, alert)).toBe(true);
    expect(verifiesWith(SECRET, alert)).toBe(true);

    // The overlap ends: the next alert run retires the previous secret.
    await t.db.query(`update metrics_alert_channels set previous_secret_expires_at = now() - interval '1 second' where id = $1`, [hookId]);
    await evaluateAlerts(options());
    view = (await getAlertOverview(workspace, { db: t.db })).channels.find((c) => c.id === hookId)!;
    expect(view).toMatchObject({ previous_secret_fingerprint: null, previous_secret_expires_at: null });
    expect(view.audit.map((e) => e.action).slice(-2)).toEqual(['secret_rotated', 'previous_secret_retired']);

    const sent = await sendTestNotification(workspace, hookId, ACTOR, options());
    const test = receiver.received.find((r) => r.headers['webhook-id'] === sent.webhook_id)!;
    expect(String(test.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifiesWith(rotated.secret, test)).toBe(true);
    expect(verifiesWith(SECRET, test)).toBe(false);
  });

  it('retires the previous secret at once with no overlap, or on request', async () => {
    const first = await rotateChannelSecret(workspace, hookId, ACTOR, { overlap_hours: 0 }, options());
    expect(first).toMatchObject({ previous_secret_fingerprint: null, previous_secret_expires_at: null });
    const second = await rotateChannelSecret(workspace, hookId, ACTOR, {}, options());
    expect(second.previous_secret_fingerprint).toBe(first.secret_fingerprint);
    expect(await retirePreviousSecret(workspace, hookId, ACTOR, options())).toBe(true);
    expect(await retirePreviousSecret(workspace, hookId, ACTOR, options())).toBe(false);
    const sent = await sendTestNotification(workspace, hookId, ACTOR, options());
    const test = receiver.received.find((r) => r.headers['webhook-id'] === sent.webhook_id)!;
    expect(verifiesWith(second.secret, test)).toBe(true);
    expect(verifiesWith(first.secret, test)).toBe(false);
  });

  it('reports deployment-wide delivery gauges per channel kind', async () => {
    const rows = await t.db.query<{ kind: string; retrying: unknown; given_up_24h: unknown }>(
      'select * from metrics_alert_delivery_gauges()',
    );
    expect(rows.map((r) => r.kind)).toEqual(['slack', 'webhook']);
    expect(rows.every((r) => Number(r.retrying) === 0 && Number(r.given_up_24h) === 0)).toBe(true);
  });
});
