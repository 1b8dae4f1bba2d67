// Verdict notifications on both databases, against local receivers verifying the Standard
// Webhooks signature: a registered test's first "keep going" verdict is recorded silently, its
// change to a winner is notified once per channel (with test, verdict, metric and interval) even
// with two evaluators running at once, a repeat notifies nobody; and CX09's in-process wait
// resolves on the change.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAbTest, waitForDecisionChange, watchDecision } from '../../src/lib/decision-circuits/metrics';
import { addAlertChannel } from '../../src/lib/decision-circuits/metrics/ops/alerts/config';
import { evaluateAlerts } from '../../src/lib/decision-circuits/metrics/ops/alerts/evaluate';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { createWorkspace } from '../helpers/factories';
import { HOUR_MS, seedMessages, type SeededMessage } from '../helpers/ledger-messages';
import { startReceiver, type Receiver } from '../helpers/receivers';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const LOCAL_RECEIVERS = { ...process.env, METRICS_OUTBOUND_ALLOWLIST: '127.0.0.1' };
const TEST = '7e57ab00-1111-4111-8111-111111111111';
const CONTROL = '7e57ab00-c0c0-4111-8111-111111111111';
const CHALLENGER = '7e57ab00-b1b1-4111-8111-111111111111';

/** `count` messages delivered two days ago, every `clickEvery`-th clicked ten minutes later (windows long closed). */
function campaign(count: number, clickEvery: number): SeededMessage[] {
  const start = Date.now() - 48 * HOUR_MS;
  return Array.from({ length: count }, (_, i) => {
    const delivered = start + i * 60_000;
    return { deliveredAt: new Date(delivered), clickedAt: i % clickEvery === 0 ? new Date(delivered + 600_000) : null };
  });
}

interface VerdictEvent {
  type: string;
  data: {
    ab_test_id: string;
    test: string;
    verdict: string;
    previous_verdict: string | null;
    winner_variant_id: string | null;
    metric: { key: string; label: string };
    interval: { variant_id: string; lower: number; upper: number; level: number } | null;
  };
}

describe.each(DATABASE_KINDS)('verdict notifications on %s', (kind) => {
  let t: TestDatabase;
  let ws: string;
  let hook: Receiver;
  let slack: Receiver;

  const run = () => evaluateAlerts({ db: t.db, env: LOCAL_RECEIVERS });
  const verdictRows = () =>
    t.db.query<{ sequence: number; verdict: string; notified: boolean }>(
      'select sequence, verdict, history_id is not null as notified from metrics_ab_test_verdicts where ab_test_id = $1 order by sequence',
      [TEST],
    );

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    hook = await startReceiver();
    slack = await startReceiver();
    ws = await createWorkspace(t.db, 'Verdicts');
    await addAlertChannel(
      ws,
      { kind: 'webhook', name: 'hook', url: `${hook.url}/hook`, secret: SECRET },
      { db: t.db, env: LOCAL_RECEIVERS },
    );
    await addAlertChannel(ws, { kind: 'slack', name: 'slack', url: `${slack.url}/slack` }, { db: t.db, env: LOCAL_RECEIVERS });
    await registerAbTest(
      ws,
      {
        ab_test_id: TEST,
        name: 'Subject line',
        primary_metric: 'unique_click_rate',
        started_at: new Date(Date.now() - 72 * HOUR_MS).toISOString(),
        variants: [
          { variant_id: CONTROL, name: 'Statement', is_control: true, weight: 1 },
          { variant_id: CHALLENGER, name: 'Question', is_control: false, weight: 1 },
        ],
        window_hours: 1,
      },
      { db: t.db },
    );
  });
  afterAll(async () => {
    await hook?.close();
    await slack?.close();
    await t?.drop();
  });

  it('records the first "not enough data yet" verdict without a notification', async () => {
    const summary = await run();
    expect(summary).toMatchObject({ verdict_tests: 1, verdicts_changed: 0 });
    expect(await verdictRows()).toEqual([{ sequence: 1, verdict: 'insufficient_data', notified: false }]);
    expect(hook.received).toHaveLength(0);
  });

  it('notifies a change to a winner once per channel, signed, with two evaluators at once', async () => {
    const since = (await waitForDecisionChange({ workspace_id: ws, ab_test_id: TEST }, undefined, { db: t.db }))!.version;
    const waiting = waitForDecisionChange({ workspace_id: ws, ab_test_id: TEST }, since, {
      db: t.db,
      timeoutMs: 20_000,
      intervalMs: { first: 50, max: 200 },
    });
    // Small seeds: 150 messages a variant, 5 % against 50 % clicked.
    await seedMessages(t.db, ws, TEST, CONTROL, campaign(150, 20));
    await seedMessages(t.db, ws, TEST, CHALLENGER, campaign(150, 2));
    await t.db.query('analyze metrics_attribution_map, metrics_webhook_events, metrics_rollups');
    let changed = await waiting;
    expect(changed?.version).not.toBe(since);
    // The first change seen may be a state between the two seeds (one arm counted, the other not
    // yet: a split alert); waiting on from each version seen must end at the winner.
    const deadline = Date.now() + 20_000;
    while (changed && changed.decision.decision !== 'winner' && Date.now() < deadline) {
      changed = await waitForDecisionChange({ workspace_id: ws, ab_test_id: TEST }, changed.version, {
        db: t.db,
        timeoutMs: Math.max(1, deadline - Date.now()),
        intervalMs: { first: 50, max: 200 },
      });
    }
    expect(changed?.decision).toMatchObject({ decision: 'winner', winnerVariantId: CHALLENGER });

    const summaries = await Promise.all([run(), run()]);
    expect(summaries.map((s) => s.verdicts_changed).sort()).toEqual([0, 1]);
    await hook.waitFor((r) => r.length >= 1);
    await slack.waitFor((r) => r.length >= 1);
    expect(await verdictRows()).toEqual([
      { sequence: 1, verdict: 'insufficient_data', notified: false },
      { sequence: 2, verdict: 'winner', notified: true },
    ]);

    expect(hook.received).toHaveLength(1);
    const [request] = hook.received;
    const verified = new Webhook(SECRET).verify(request!.body, {
      'webhook-id': String(request!.headers['webhook-id']),
      'webhook-timestamp': String(request!.headers['webhook-timestamp']),
      'webhook-signature': String(request!.headers['webhook-signature']),
    }) as VerdictEvent;
    expect(verified.type).toBe('ab_test.verdict_changed');
    expect(verified.data).toMatchObject({
      ab_test_id: TEST,
      test: 'Subject line',
      verdict: 'winner',
      previous_verdict: 'insufficient_data',
      winner_variant_id: CHALLENGER,
      metric: { key: 'unique_click_rate' },
      interval: { variant_id: CHALLENGER },
    });
    expect(verified.data.interval!.lower).toBeGreaterThan(0);
    expect(verified.data.interval!.upper).toBeGreaterThan(verified.data.interval!.lower);
    expect(slack.received).toHaveLength(1);
    expect(JSON.parse(slack.received[0]!.body).text).toContain('Subject line: insufficient_data → winner (Question)');
  });

  it('notifies nobody for a repeat of the last verdict', async () => {
    const summary = await run();
    expect(summary).toMatchObject({ verdict_tests: 1, verdicts_changed: 0 });
    expect(await verdictRows()).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(hook.received).toHaveLength(1);
    expect(slack.received).toHaveLength(1);
  });

  // Two transactions at once (PostgreSQL: PGlite has one connection): the second one's insert waits
  // on the first one's key, then records nothing.
  it.skipIf(kind === 'pglite')('records a change once when two evaluators record it in overlapping transactions', async () => {
    const change = (q: { query: TestDatabase['db']['query'] }) =>
      q.query<{ sequence: number }>('select * from metrics_ab_test_verdict_change($1, $2, $3, $4, $5, $6, $7)', [
        ws,
        TEST,
        'no_difference',
        null,
        'unique_click_rate',
        'Subject line: now no_difference',
        false,
      ]);
    let releaseFirst!: () => void;
    const held = new Promise<void>((resolve) => (releaseFirst = resolve));
    let firstRecorded!: () => void;
    const recorded = new Promise<void>((resolve) => (firstRecorded = resolve));
    const first = t.db.transaction(async (tx) => {
      const rows = await change(tx);
      firstRecorded();
      await held;
      return rows;
    });
    await recorded;
    const second = t.db.transaction((tx) => change(tx));
    await new Promise((resolve) => setTimeout(resolve, 200));
    releaseFirst();
    const [a, b] = await Promise.all([first, second]);
    expect(a).toEqual([expect.objectContaining({ sequence: 3 })]);
    expect(b).toEqual([]);
    await t.db.query('delete from metrics_ab_test_verdicts where ab_test_id = $1 and sequence = 3', [TEST]);
  });

  it('lets CX09 iterate over verdict changes until it stops', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const decision of watchDecision({ workspace_id: ws, ab_test_id: TEST }, { db: t.db, signal: controller.signal })) {
      seen.push(decision.decision);
      controller.abort();
    }
    expect(seen).toEqual(['winner']);
  });
});
