// Durable alert deliveries on both databases, against local receivers that fail and then recover:
// a failed notification is retried with backoff until it lands, every attempt carries the same
// webhook-id and body and verifies with the `standardwebhooks` library, the attempts are bounded,
// and concurrent runs never send one attempt twice (claims skip locked rows and hold a lease).
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAlertChannel, getAlertOverview, setAlertRules } from '../../src/lib/decision-circuits/metrics/ops/alerts/config';
import {
  MAX_DELIVERY_ATTEMPTS,
  RETRY_BASE_SECONDS,
  RETRY_JITTER,
  deliverDue,
  enqueueDeliveries,
  retryDelaySeconds,
} from '../../src/lib/decision-circuits/metrics/ops/alerts/deliveries';
import { evaluateAlerts } from '../../src/lib/decision-circuits/metrics/ops/alerts/evaluate';
import { secretBoxKeys } from '../../src/lib/decision-circuits/metrics/tenancy/connections';
import { recordVerificationFailure } from '../../src/lib/decision-circuits/metrics/ingest/verification-failures';
import { outboundPolicy } from '../../src/lib/net/outbound';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { createWorkspace } from '../helpers/factories';
import { startReceiver, type Receiver } from '../helpers/receivers';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
// The receivers listen on loopback, which only an operator's allowlist lets the server call.
const LOCAL_RECEIVERS = { ...process.env, METRICS_OUTBOUND_ALLOWLIST: '127.0.0.1' };

interface DeliveryRow {
  status: string;
  attempts: number;
  webhook_id: string;
  wait_seconds: number | null;
  last_http_status: number | null;
  last_outcome: string | null;
}

describe('retry backoff', () => {
  it('doubles from two minutes, within the jitter, and six attempts span about an hour', () => {
    for (let attempt = 1; attempt < MAX_DELIVERY_ATTEMPTS; attempt += 1) {
      const base = RETRY_BASE_SECONDS * 2 ** (attempt - 1);
      expect(retryDelaySeconds(attempt, 0)).toBe(Math.round(base * (1 - RETRY_JITTER)));
      expect(retryDelaySeconds(attempt, 0.999999)).toBe(Math.round(base * (1 + RETRY_JITTER)));
      expect(retryDelaySeconds(attempt, 0.5)).toBe(base);
    }
    const total = Array.from({ length: MAX_DELIVERY_ATTEMPTS - 1 }, (_, i) => retryDelaySeconds(i + 1, 0.5)).reduce((a, b) => a + b);
    expect(total).toBeGreaterThan(45 * 60);
    expect(total).toBeLessThan(75 * 60);
  });
});

describe.each(DATABASE_KINDS)('alert deliveries on %s', (kind) => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await t?.drop();
  });

  /** A workspace whose verification-failure alert fires on its first failure, with one signed channel. */
  async function alertedWorkspace(receiver: Receiver): Promise<string> {
    const workspace = await createWorkspace(t.db, 'Retried');
    await addAlertChannel(
      workspace,
      { kind: 'webhook', name: 'pager', url: `${receiver.url}/hook`, secret: SECRET },
      { db: t.db, env: LOCAL_RECEIVERS },
    );
    await setAlertRules(workspace, [{ rule: 'verification_failures', enabled: true, threshold: 1 }], { db: t.db });
    return workspace;
  }

  const deliveries = (workspace: string) =>
    t.db.query<DeliveryRow>(
      `select status, attempts, webhook_id, last_http_status, last_outcome,
              case when status = 'pending' then extract(epoch from next_attempt_at - now())::float8 end as wait_seconds
       from metrics_alert_deliveries where workspace_id = $1 order by id`,
      [workspace],
    );
  /** Time passes: every pending retry of the workspace is due now. */
  const makeDue = (workspace: string) =>
    t.db.query(`update metrics_alert_deliveries set next_attempt_at = now() where workspace_id = $1 and status = 'pending'`, [workspace]);
  const run = () => evaluateAlerts({ db: t.db, env: LOCAL_RECEIVERS });

  it('retries a failing receiver with backoff until it answers 2xx, with the same webhook-id and body each time', async () => {
    const receiver = await startReceiver((i) => (i < 2 ? 503 : 200));
    try {
      const workspace = await alertedWorkspace(receiver);
      await recordVerificationFailure(workspace, 'resend', { db: t.db });

      expect(await run()).toMatchObject({
        fired: 1,
        notifications_delivered: 0,
        notifications_failed: 1,
        notifications_retry_scheduled: 1,
      });
      let [row] = await deliveries(workspace);
      expect(row).toMatchObject({ status: 'pending', attempts: 1, last_http_status: 503, last_outcome: 'failed' });
      expect(row!.wait_seconds).toBeGreaterThan(RETRY_BASE_SECONDS * (1 - RETRY_JITTER) - 5);
      expect(row!.wait_seconds).toBeLessThanOrEqual(RETRY_BASE_SECONDS * (1 + RETRY_JITTER) + 1);

      // Not due yet: the next run sends nothing.
      expect(await run()).toMatchObject({ notifications_delivered: 0, notifications_failed: 0 });
      expect(receiver.received).toHaveLength(1);

      await makeDue(workspace);
      expect(await run()).toMatchObject({ fired: 0, notifications_failed: 1, notifications_retry_scheduled: 1 });
      [row] = await deliveries(workspace);
      expect(row).toMatchObject({ status: 'pending', attempts: 2 });
      // The second wait is twice the first (within the jitter).
      expect(row!.wait_seconds).toBeGreaterThan(2 * RETRY_BASE_SECONDS * (1 - RETRY_JITTER) - 5);

      const overview = await getAlertOverview(workspace, { db: t.db });
      expect(overview.history[0]!.deliveries).toEqual([expect.objectContaining({ ok: false, outcome: 'pending', attempts: 2 })]);
      expect(overview.channels[0]!.delivery).toMatchObject({ retrying: 1, given_up_7d: 0, last_outcome: 'failed' });
      expect(overview.channels[0]!.delivery.next_attempt_at).not.toBeNull();

      await makeDue(workspace);
      expect(await run()).toMatchObject({ notifications_delivered: 1, notifications_failed: 0 });
      expect(await deliveries(workspace)).toEqual([expect.objectContaining({ status: 'delivered', attempts: 3, last_http_status: 200 })]);
      await makeDue(workspace);
      expect(await run()).toMatchObject({ notifications_delivered: 0, notifications_failed: 0 });

      expect(receiver.received).toHaveLength(3);
      const ids = new Set(receiver.received.map((r) => r.headers['webhook-id']));
      expect(ids).toEqual(new Set([row!.webhook_id]));
      expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
      const verifier = new Webhook(SECRET);
      for (const r of receiver.received) {
        expect(verifier.verify(r.body, r.headers as Record<string, string>)).toMatchObject({
          type: 'alert.firing',
          data: { rule: 'verification_failures', subject: 'resend', workspace_id: workspace },
        });
      }
      const after = await getAlertOverview(workspace, { db: t.db });
      expect(after.history[0]!.deliveries).toEqual([expect.objectContaining({ ok: true, outcome: 'delivered', attempts: 3 })]);
      expect(after.channels[0]!.delivery).toMatchObject({ retrying: 0, last_outcome: 'delivered', next_attempt_at: null });
      // Members see the coarse outcome only, never the receiver's status.
      expect(valuesAndKeys(after).filter((v) => v === 503 || v === '503' || /http_status/.test(String(v)))).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it(`gives up after ${MAX_DELIVERY_ATTEMPTS} attempts and sends nothing more`, async () => {
    const receiver = await startReceiver(500);
    try {
      const workspace = await alertedWorkspace(receiver);
      await recordVerificationFailure(workspace, 'sendgrid', { db: t.db });
      const summaries = [];
      for (let i = 0; i < MAX_DELIVERY_ATTEMPTS + 2; i += 1) {
        summaries.push(await run());
        await makeDue(workspace);
      }
      expect(receiver.received).toHaveLength(MAX_DELIVERY_ATTEMPTS);
      expect(summaries.reduce((n, s) => n + s.notifications_given_up, 0)).toBe(1);
      expect(summaries.reduce((n, s) => n + s.notifications_retry_scheduled, 0)).toBe(MAX_DELIVERY_ATTEMPTS - 1);
      expect(await deliveries(workspace)).toEqual([
        expect.objectContaining({ status: 'failed', attempts: MAX_DELIVERY_ATTEMPTS, last_http_status: 500 }),
      ]);
      const overview = await getAlertOverview(workspace, { db: t.db });
      expect(overview.history[0]!.deliveries).toEqual([expect.objectContaining({ ok: false, outcome: 'failed' })]);
      expect(overview.channels[0]!.delivery).toMatchObject({ retrying: 0, given_up_7d: 1, last_outcome: 'failed' });
    } finally {
      await receiver.close();
    }
  });

  it('concurrent runs send each due attempt exactly once', async () => {
    const receiver = await startReceiver();
    try {
      const workspace = await alertedWorkspace(receiver);
      const channels = await t.db.query<{ id: string; workspace_id: string; kind: 'webhook' }>(
        'select id, workspace_id, kind from metrics_alert_channels where workspace_id = $1',
        [workspace],
      );
      const transitions = [];
      for (let i = 0; i < 30; i += 1) {
        const [changed] = await t.db.query<{ history_id: string; changed_at: Date }>(
          `select history_id::text, changed_at from metrics_alert_transition($1, 'provider_silent', $2, 'firing', 'quiet')`,
          [workspace, `provider-${i}`],
        );
        transitions.push({
          history_id: changed!.history_id,
          workspace_id: workspace,
          rule: 'provider_silent',
          subject: `provider-${i}`,
          state: 'firing' as const,
          summary: 'quiet',
          changed_at: new Date(changed!.changed_at).toISOString(),
        });
      }
      expect(await enqueueDeliveries(t.db, transitions, channels)).toBe(30);
      // A second enqueue of the same pairs adds nothing.
      expect(await enqueueDeliveries(t.db, transitions, channels)).toBe(0);

      const context = { keys: secretBoxKeys(LOCAL_RECEIVERS), policy: outboundPolicy(LOCAL_RECEIVERS) };
      const runs = await Promise.all([deliverDue(t.db, context), deliverDue(t.db, context), deliverDue(t.db, context)]);
      expect(runs.reduce((n, r) => n + r.delivered, 0)).toBe(30);
      expect(receiver.received).toHaveLength(30);
      expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(30);
      expect((await deliveries(workspace)).every((d) => d.status === 'delivered' && d.attempts === 1)).toBe(true);
    } finally {
      await receiver.close();
    }
  });

  it('leaves an attempt in flight alone until its lease expires, then retries it under the same webhook-id', async () => {
    const receiver = await startReceiver();
    try {
      const workspace = await alertedWorkspace(receiver);
      await recordVerificationFailure(workspace, 'mailgun', { db: t.db });
      const context = { keys: secretBoxKeys(LOCAL_RECEIVERS), policy: outboundPolicy(LOCAL_RECEIVERS) };
      // The first attempt is refused (no allowlist for loopback); then a run claims the retry and dies mid-send.
      const summary = await evaluateAlerts({ db: t.db, env: { ...LOCAL_RECEIVERS, METRICS_OUTBOUND_ALLOWLIST: '' } });
      expect(summary.fired).toBe(1);
      expect(await deliveries(workspace)).toEqual([expect.objectContaining({ status: 'pending', attempts: 1, last_outcome: 'refused' })]);
      await makeDue(workspace);
      const [claimed] = await t.db.query<{ webhook_id: string; attempt: number }>(
        'select webhook_id, attempt from metrics_alert_delivery_claim(50, 120)',
      );
      expect(claimed).toMatchObject({ attempt: 2 });
      expect(await deliverDue(t.db, context)).toMatchObject({ delivered: 0, failed: 0 });
      expect(receiver.received).toHaveLength(0);

      // A record for an attempt that is not the current claim changes nothing.
      const [stale] = await t.db.query<{ status: string | null }>(
        `select metrics_alert_delivery_record(id, 1, 'delivered', 200, null, null) as status
         from metrics_alert_deliveries where workspace_id = $1`,
        [workspace],
      );
      expect(stale!.status).toBeNull();

      await t.db.query(`update metrics_alert_deliveries set lease_until = now() - interval '1 second' where workspace_id = $1`, [
        workspace,
      ]);
      expect(await deliverDue(t.db, context)).toMatchObject({ delivered: 1 });
      expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([claimed!.webhook_id]);
      expect(await deliveries(workspace)).toEqual([expect.objectContaining({ status: 'delivered', attempts: 3 })]);
    } finally {
      await receiver.close();
    }
  });
});

/** Every key and leaf value of a JSON-shaped answer (a UUID or timestamp holding the digits 503 is not a status). */
function valuesAndKeys(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(valuesAndKeys);
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...valuesAndKeys(v)]);
  return [value];
}
