// Alert evaluation on both databases, delivering to local receivers that verify the Standard
// Webhooks signature with the `standardwebhooks` library: one notification when a condition
// fires, one when it resolves, none in between, and exactly one from two concurrent evaluators.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestNormalizedEvents } from '../../src/lib/decision-circuits/metrics';
import {
  addAlertChannel,
  alertChannelInputSchema,
  getAlertOverview,
  setAlertRules,
} from '../../src/lib/decision-circuits/metrics/ops/alerts/config';
import { evaluateAlerts } from '../../src/lib/decision-circuits/metrics/ops/alerts/evaluate';
import { postNotification, sendNotification } from '../../src/lib/decision-circuits/metrics/ops/alerts/notify';
import { outboundPolicy } from '../../src/lib/net/outbound';
import { recordVerificationFailure } from '../../src/lib/decision-circuits/metrics/ingest/verification-failures';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { createWorkspace, makeEvent } from '../helpers/factories';
import { startReceiver, type Receiver } from '../helpers/receivers';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
// The receivers listen on loopback, which only an operator's allowlist lets the server call.
const LOCAL_RECEIVERS = { ...process.env, METRICS_OUTBOUND_ALLOWLIST: '127.0.0.1' };

describe.each(DATABASE_KINDS)('alerts on %s', (kind) => {
  let t: TestDatabase;
  let workspace: string;
  let slack: Receiver;
  let hook: Receiver;

  /** Every webhook notification so far, verified with the receiver-side library (throws if forged). */
  function verifiedEvents(): { type: string; data: { rule: string; subject: string; state: string } }[] {
    const verifier = new Webhook(SECRET);
    return hook.received.map(
      (r) =>
        verifier.verify(r.body, r.headers as Record<string, string>) as {
          type: string;
          data: { rule: string; subject: string; state: string };
        },
    );
  }

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    workspace = await createWorkspace(t.db, 'Alerted');
    slack = await startReceiver();
    hook = await startReceiver();
    await addAlertChannel(
      workspace,
      { kind: 'slack', name: 'ops', url: `${slack.url}/services/T000/B000/abcdefgh` },
      { db: t.db, env: LOCAL_RECEIVERS },
    );
    await addAlertChannel(
      workspace,
      { kind: 'webhook', name: 'pager', url: `${hook.url}/alerts`, secret: SECRET },
      { db: t.db, env: LOCAL_RECEIVERS },
    );
    await setAlertRules(workspace, [{ rule: 'verification_failures', enabled: true, threshold: 3 }], { db: t.db });
  });
  afterAll(async () => {
    await slack?.close();
    await hook?.close();
    await t?.drop();
  });

  it('notifies once when verification failures spike, never again while it holds, once when it resolves', async () => {
    for (let i = 0; i < 2; i += 1) await recordVerificationFailure(workspace, 'resend', { db: t.db });
    expect((await evaluateAlerts({ db: t.db, env: LOCAL_RECEIVERS })).fired).toBe(0);
    await recordVerificationFailure(workspace, 'resend', { db: t.db });

    expect(await evaluateAlerts({ db: t.db, env: LOCAL_RECEIVERS })).toMatchObject({
      fired: 1,
      resolved: 0,
      notifications_delivered: 2,
      notifications_failed: 0,
    });
    for (let i = 0; i < 3; i += 1)
      expect(await evaluateAlerts({ db: t.db, env: LOCAL_RECEIVERS })).toMatchObject({ fired: 0, resolved: 0 });
    expect(slack.received).toHaveLength(1);
    expect(JSON.parse(slack.received[0]!.body)).toEqual({ text: expect.stringContaining('[FIRING] verification_failures (resend)') });
    expect(verifiedEvents()).toEqual([
      expect.objectContaining({
        type: 'alert.firing',
        data: expect.objectContaining({ rule: 'verification_failures', subject: 'resend', state: 'firing' }),
      }),
    ]);

    // Two hours later the counted hour is out of the window.
    await t.db.query(`update metrics_verification_failures set hour = hour - interval '2 hours' where workspace_id = $1`, [workspace]);
    expect(await evaluateAlerts({ db: t.db, env: LOCAL_RECEIVERS })).toMatchObject({ fired: 0, resolved: 1 });
    expect(await evaluateAlerts({ db: t.db, env: LOCAL_RECEIVERS })).toMatchObject({ fired: 0, resolved: 0 });
    expect(slack.received).toHaveLength(2);
    expect(verifiedEvents().map((e) => e.type)).toEqual(['alert.firing', 'alert.resolved']);

    const overview = await getAlertOverview(workspace, { db: t.db });
    expect(overview.history.map((h) => h.state)).toEqual(['resolved', 'firing']);
    expect(overview.history[0]!.deliveries).toEqual([
      expect.objectContaining({ ok: true, outcome: 'delivered' }),
      expect.objectContaining({ ok: true, outcome: 'delivered' }),
    ]);
  });

  it('two evaluators at once send exactly one notification per channel for a silent provider', async () => {
    const before = { slack: slack.received.length, hook: hook.received.length };
    await t.db.query(
      `insert into metrics_ingest_activity (workspace_id, provider, last_received_at) values ($1, 'sendgrid', now() - interval '25 hours')`,
      [workspace],
    );
    const runs = await Promise.all([
      evaluateAlerts({ db: t.db, env: LOCAL_RECEIVERS }),
      evaluateAlerts({ db: t.db, env: LOCAL_RECEIVERS }),
    ]);
    expect(runs.map((r) => r.fired).sort()).toEqual([0, 1]);
    expect(slack.received.length - before.slack).toBe(1);
    expect(verifiedEvents().slice(before.hook)).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ rule: 'provider_silent', subject: 'sendgrid' }) }),
    ]);

    // A per-workspace window of 48 h: the same silence no longer fires, so it resolves, once.
    await setAlertRules(workspace, [{ rule: 'provider_silent', enabled: true, threshold: 48 }], { db: t.db });
    const resolving = await Promise.all([
      evaluateAlerts({ db: t.db, env: LOCAL_RECEIVERS }),
      evaluateAlerts({ db: t.db, env: LOCAL_RECEIVERS }),
    ]);
    expect(resolving.map((r) => r.resolved).sort()).toEqual([0, 1]);
    expect(slack.received.length - before.slack).toBe(2);
  });

  it('attribution alerts need at least 20 mappings for the provider', async () => {
    const events = (n: number, from: number) =>
      Array.from({ length: n }, (_, i) => makeEvent({ provider: 'resend', provider_object_id: `unmapped-${from + i}` }));
    await ingestNormalizedEvents(workspace, 'resend', events(19, 0), true, { db: t.db });
    expect((await evaluateAlerts({ db: t.db, env: LOCAL_RECEIVERS })).fired).toBe(0);
    await ingestNormalizedEvents(workspace, 'resend', events(1, 19), true, { db: t.db });
    const states = async () => (await getAlertOverview(workspace, { db: t.db })).states;
    expect((await evaluateAlerts({ db: t.db, env: LOCAL_RECEIVERS })).fired).toBe(1);
    expect(await states()).toContainEqual(expect.objectContaining({ rule: 'attribution_low', subject: 'resend', state: 'firing' }));
  });

  it('a failed backfill fires until a later job of that provider completes', async () => {
    const job = (status: string, minutesAgo: number) =>
      t.db.query(
        `insert into metrics_backfill_jobs (workspace_id, provider, channel, date_start, date_end, status, error_message, completed_at)
         values ($1, 'linkedin', 'social', current_date - 3, current_date - 1, $2, $3, now() - make_interval(mins => $4))`,
        [workspace, status, status === 'failed' ? 'LinkedIn API: HTTP 401' : null, minutesAgo],
      );
    await job('failed', 10);
    await evaluateAlerts({ db: t.db, env: LOCAL_RECEIVERS });
    const firing = (await getAlertOverview(workspace, { db: t.db })).states.find((s) => s.rule === 'backfill_failed');
    expect(firing).toMatchObject({ subject: 'linkedin', state: 'firing', summary: expect.stringContaining('HTTP 401') });
    await job('completed', 1);
    expect((await evaluateAlerts({ db: t.db, env: LOCAL_RECEIVERS })).resolved).toBe(1);
  });

  it('a disabled rule does not fire', async () => {
    const other = await createWorkspace(t.db, 'Quiet');
    await setAlertRules(
      other,
      [
        { rule: 'verification_failures', enabled: false },
        { rule: 'provider_silent', enabled: false },
      ],
      { db: t.db },
    );
    for (let i = 0; i < 25; i += 1) await recordVerificationFailure(other, 'sendgrid', { db: t.db });
    await t.db.query(`insert into metrics_ingest_activity values ($1, 'meta', now() - interval '30 days')`, [other]).catch(() => undefined);
    await evaluateAlerts({ db: t.db, env: LOCAL_RECEIVERS });
    expect((await getAlertOverview(other, { db: t.db })).states).toEqual([]);
  });

  it('returns channels without their secrets: origin and fingerprints only', async () => {
    const { channels } = await getAlertOverview(workspace, { db: t.db });
    expect(channels).toEqual([
      expect.objectContaining({
        kind: 'slack',
        url_origin: slack.url,
        url_fingerprint: expect.stringMatching(/^sha256:/),
        secret_fingerprint: null,
      }),
      expect.objectContaining({
        kind: 'webhook',
        url_origin: hook.url,
        secret_fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{12}$/),
      }),
    ]);
    expect(JSON.stringify(channels)).not.toContain(SECRET.slice(6, 20));
    expect(JSON.stringify(channels)).not.toContain('/services/');
  });
});

describe('alert channels and delivery limits', () => {
  it('accepts only http(s) URLs and whsec_ keys', () => {
    const ok = { kind: 'webhook', name: 'x', url: 'https://example.com/hook', secret: SECRET };
    expect(alertChannelInputSchema.safeParse(ok).success).toBe(true);
    for (const url of ['ftp://example.com/x', 'file:///etc/passwd', 'javascript:alert(1)', 'gopher://example.com', 'not a url']) {
      expect(alertChannelInputSchema.safeParse({ ...ok, url }).success, url).toBe(false);
    }
    expect(alertChannelInputSchema.safeParse({ ...ok, secret: 'plain-secret' }).success).toBe(false);
    expect(
      alertChannelInputSchema.safeParse({ kind: 'slack', name: 'x', url: 'https://hooks.example.com/a', secret: SECRET }).success,
    ).toBe(false);
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const startedAt = Date.now();
    const transition = {
      history_id: '1',
      workspace_id: 'w',
      rule: 'r',
      subject: 's',
      state: 'firing' as const,
      summary: 'x',
      changed_at: new Date().toISOString(),
    };
    const outcome = await sendNotification({ id: 'c', kind: 'slack', url: `http://127.0.0.1:${port}/`, secret: null }, transition, {
      timeoutMs: 300,
      policy: outboundPolicy(LOCAL_RECEIVERS),
    });
    expect(outcome).toEqual({ channel_id: 'c', kind: 'slack', ok: false, outcome: 'failed' });
    // What an admin is told (a test send, the delivery row): the kind of failure, no address.
    const attempt = await postNotification(
      { id: 'c', kind: 'slack', url: `http://127.0.0.1:${port}/`, secret: null },
      { webhookId: 'msg_timeout', body: '{}' },
      { timeoutMs: 300, policy: outboundPolicy(LOCAL_RECEIVERS) },
    );
    expect(attempt).toEqual({ result: 'failed', httpStatus: null, error: 'no answer within 300 ms' });
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });
});
