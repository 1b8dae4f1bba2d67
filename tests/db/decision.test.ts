// getAbTestDecision (what CX09 imports) on both databases, from message-level ledger data: the
// registry's names and control, each message read in a fixed window after its delivery (a message
// counts once its window has closed), deliveries deduplicated per message, impossible data passed
// to the engine raw, and the engine's verdict.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withUserContext } from '../../src/lib/db';
import { getAbTestDecision, registerAbTest, UnknownAbTestError } from '../../src/lib/decision-circuits/metrics';
import { createRng } from '../../src/lib/random/seeded-rng';
import { describeReason } from '../../src/lib/stats';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { addMember, claimsFor, createWorkspace } from '../helpers/factories';
import { HOUR_MS, hours, seedMessages, type SeededMessage } from '../helpers/ledger-messages';

const START = Date.UTC(2026, 10, 1, 8);
const at = (ms: number) => new Date(START + ms);
/** Long after every window closed. */
const LATER = at(hours(24 * 30));

/** `perHour` messages delivered in each of `count` hours; clicks drawn at `rate`, 30 min after delivery (seeded). */
function hourlyCampaign(seed: string, count: number, perHour: number, rate: number): SeededMessage[] {
  const rng = createRng(seed);
  return Array.from({ length: count * perHour }, (_, i) => {
    const delivered = hours(Math.floor(i / perHour)) + ((i % perHour) * HOUR_MS) / perHour;
    return { deliveredAt: at(delivered), clickedAt: rng.chance(rate) ? at(delivered + HOUR_MS / 2) : null };
  });
}

const ids = {
  clear: ['a1111111-1111-4111-8111-111111111111', 'a2222222-2222-4222-8222-222222222222', 'a3333333-3333-4333-8333-333333333333'],
  srm: ['b1111111-1111-4111-8111-111111111111', 'b2222222-2222-4222-8222-222222222222', 'b3333333-3333-4333-8333-333333333333'],
  small: ['c1111111-1111-4111-8111-111111111111', 'c2222222-2222-4222-8222-222222222222', 'c3333333-3333-4333-8333-333333333333'],
  sooner: ['d1111111-1111-4111-8111-111111111111', 'd2222222-2222-4222-8222-222222222222', 'd3333333-3333-4333-8333-333333333333'],
  batch: ['e1111111-1111-4111-8111-111111111111', 'e2222222-2222-4222-8222-222222222222', 'e3333333-3333-4333-8333-333333333333'],
  dup: ['f1111111-1111-4111-8111-111111111111', 'f2222222-2222-4222-8222-222222222222', 'f3333333-3333-4333-8333-333333333333'],
  window: ['a4444444-1111-4111-8111-111111111111', 'a5555555-2222-4222-8222-222222222222', 'a6666666-3333-4333-8333-333333333333'],
  impossible: ['a7777777-1111-4111-8111-111111111111', 'a8888888-2222-4222-8222-222222222222', 'a9999999-3333-4333-8333-333333333333'],
  social: ['b4444444-1111-4111-8111-111111111111', 'b5555555-2222-4222-8222-222222222222', 'b6666666-3333-4333-8333-333333333333'],
};

describe.each(DATABASE_KINDS)('getAbTestDecision on %s', (kind) => {
  let t: TestDatabase;
  let ws: string;
  let member: string;

  async function register(
    [abTestId, control, challenger]: string[],
    name: string,
    primary: 'unique_open_rate' | 'unique_click_rate',
    windowHours?: number,
  ) {
    await registerAbTest(
      ws,
      {
        ab_test_id: abTestId!,
        name,
        primary_metric: primary,
        started_at: at(0).toISOString(),
        // The challenger is listed first and sorts first by id: the control must still be the registered one.
        variants: [
          { variant_id: challenger!, name: 'Question', is_control: false, weight: 1 },
          { variant_id: control!, name: 'Statement', is_control: true, weight: 1 },
        ],
        ...(windowHours ? { window_hours: windowHours } : {}),
      },
      { db: t.db },
    );
  }

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    ws = await createWorkspace(t.db);
    member = await addMember(t.db, ws, undefined, 'viewer');

    const [clearTest, control, challenger] = ids.clear as [string, string, string];
    await register(ids.clear, 'Subject line', 'unique_click_rate');
    await seedMessages(t.db, ws, clearTest, control, hourlyCampaign('control', 48, 200, 0.1));
    await seedMessages(t.db, ws, clearTest, challenger, hourlyCampaign('challenger', 48, 200, 0.13));

    const [srmTest, s1, s2] = ids.srm as [string, string, string];
    await register(ids.srm, 'Split check', 'unique_click_rate');
    await seedMessages(t.db, ws, srmTest, s1, hourlyCampaign('s1', 24, 300, 0.1));
    await seedMessages(t.db, ws, srmTest, s2, hourlyCampaign('s2', 24, 200, 0.1));

    const [smallTest, m1, m2] = ids.small as [string, string, string];
    await seedMessages(t.db, ws, smallTest, m1, hourlyCampaign('m1', 1, 20, 0.15));
    await seedMessages(t.db, ws, smallTest, m2, hourlyCampaign('m2', 1, 20, 0.05));

    // 300 messages per arm per hour for 24 hours, every fifth one opened, both arms alike in the end:
    // the challenger's opens come within the hour, the control's spread over 20 hours.
    const [soonerTest, slow, fast] = ids.sooner as [string, string, string];
    await register(ids.sooner, 'Urgent subject', 'unique_open_rate');
    const sooner = (delay: (i: number) => number): SeededMessage[] =>
      Array.from({ length: 24 * 300 }, (_, i) => {
        const delivered = hours(Math.floor(i / 300)) + (i % 300) * 10_000;
        return { deliveredAt: at(delivered), openedAt: i % 5 === 0 ? at(delivered + delay(i)) : null };
      });
    await seedMessages(
      t.db,
      ws,
      soonerTest,
      slow,
      sooner((i) => ((i * 7919) % 20_000) * 3_600),
    );
    await seedMessages(
      t.db,
      ws,
      soonerTest,
      fast,
      sooner((i) => ((i * 7919) % 1_000) * 3_600),
    );

    // One batch of 5,000 per arm at 08:00, opens over the next 20 hours: 20 % against 24 %.
    const [batchTest, batchControl, batchChallenger] = ids.batch as [string, string, string];
    await register(ids.batch, 'Batch send', 'unique_open_rate');
    const batch = (opened: (i: number) => boolean): SeededMessage[] =>
      Array.from({ length: 5_000 }, (_, i) => ({
        deliveredAt: at(i * 10),
        openedAt: opened(i) ? at(i * 10 + ((i * 7919) % 20_000) * 3_600) : null,
      }));
    await seedMessages(
      t.db,
      ws,
      batchTest,
      batchControl,
      batch((i) => i % 5 === 0),
    );
    await seedMessages(
      t.db,
      ws,
      batchTest,
      batchChallenger,
      batch((i) => i % 25 < 6),
    );

    // 100 messages per arm; five of the control's delivered events are replays of the same message.
    const [dupTest, dupControl, dupChallenger] = ids.dup as [string, string, string];
    await register(ids.dup, 'Replayed deliveries', 'unique_open_rate');
    const hundred = (replays: number): SeededMessage[] =>
      Array.from({ length: 100 }, (_, i) => ({ deliveredAt: at(i * 1000), deliveries: i < replays ? 2 : 1, openedAt: null }));
    await seedMessages(t.db, ws, dupTest, dupControl, hundred(5));
    await seedMessages(t.db, ws, dupTest, dupChallenger, hundred(0));

    // A 2-hour window: the control's opens 3 hours after delivery do not count.
    const [windowTest, windowControl, windowChallenger] = ids.window as [string, string, string];
    await register(ids.window, 'Two-hour window', 'unique_open_rate', 2);
    const opensAfter = (early: number, late: number): SeededMessage[] =>
      Array.from({ length: 200 }, (_, i) => ({
        deliveredAt: at(0),
        openedAt: i < early ? at(HOUR_MS) : i < early + late ? at(3 * HOUR_MS) : null,
      }));
    await seedMessages(t.db, ws, windowTest, windowControl, opensAfter(40, 40));
    await seedMessages(t.db, ws, windowTest, windowChallenger, opensAfter(40, 0));

    // 50 delivered messages and 80 opened ones in the challenger (30 opened with no delivery on record).
    const [impossibleTest, okControl, broken] = ids.impossible as [string, string, string];
    await register(ids.impossible, 'Broken feed', 'unique_open_rate');
    await seedMessages(
      t.db,
      ws,
      impossibleTest,
      okControl,
      Array.from({ length: 300 }, (_, i) => ({ deliveredAt: at(i * 1000), openedAt: i % 5 === 0 ? at(i * 1000 + 60_000) : null })),
    );
    await seedMessages(
      t.db,
      ws,
      impossibleTest,
      broken,
      Array.from({ length: 80 }, (_, i) => ({ deliveredAt: i < 50 ? at(i * 1000) : null, openedAt: at(i * 1000 + 60_000) })),
    );

    // An unregistered social test: hourly rollups of impressions and engagements, 10 hours.
    const [socialTest, post1, post2] = ids.social as [string, string, string];
    for (const [variant, likes] of [
      [post1, 50],
      [post2, 80],
    ] as const) {
      await t.db.query(
        `insert into metrics_rollups (workspace_id, circuit_execution_id, ab_test_id, variant_id, channel, time_bucket,
           social_impressions, social_likes, social_comments, social_shares, social_clicks)
         select $1, 'exec-social', $2, $3, 'social', $4::timestamptz + make_interval(hours => h), 1000, $5, 10, 5, 20
         from generate_series(0, 9) h`,
        [ws, socialTest, variant, at(0).toISOString(), likes],
      );
    }
  }, 120_000);
  afterAll(async () => {
    await t.drop();
  });

  it('names the registered challenger the winner on unique clicks, with its name and the registered control', async () => {
    const [abTestId, control, challenger] = ids.clear as [string, string, string];
    const report = await getAbTestDecision({ workspace_id: ws, ab_test_id: abTestId }, { db: t.db, asOf: LATER });
    expect(report.method).toBe('sequential');
    expect(report.metric).toMatchObject({ key: 'unique_click_rate', label: 'Unique click rate', choice: { choice: 'metric_registered' } });
    expect(report.unit).toBe('message');
    expect(report.window).toEqual({ hours: 24, source: 'registered', pendingMessages: 0 });
    // Messages delivered on the hour enter a look 24 h later, the rest of each hour's an hour after that.
    expect(report.looks).toBe(49);
    expect(report.test).toMatchObject({ name: 'Subject line', registered: true });
    // Control first, whatever order it was registered in.
    expect(report.variants.map((v) => [v.variantId, v.name, v.isControl])).toEqual([
      [control, 'Statement', true],
      [challenger, 'Question', false],
    ]);
    expect(report.decision).toBe('winner');
    expect(report.winnerVariantId).toBe(challenger);
    const result = report.variants.find((v) => v.variantId === challenger)!;
    expect(result.trials).toBe(48 * 200);
    expect(result.comparison?.absoluteLift.lower).toBeGreaterThan(0);
    expect(result.comparison?.chanceToBeatControl).toBeGreaterThan(0.99);
    expect(report.reasons.join(' ')).toContain('Question');
  });

  it('counts a message only once its window has closed, and says how many are still inside it', async () => {
    const [abTestId, control] = ids.clear as [string, string, string];
    // 30 hours in: the first 6 hours of messages (each 24 h old) count, the rest wait.
    const report = await getAbTestDecision({ workspace_id: ws, ab_test_id: abTestId }, { db: t.db, asOf: at(hours(30)) });
    const counted = report.variants.find((v) => v.variantId === control)!;
    expect(counted.trials).toBe(6 * 200 + 1);
    expect(report.window?.pendingMessages).toBe(2 * 48 * 200 - 2 * counted.trials);
    expect(report.reasons.join(' ')).toMatch(/still inside the 24-hour window/);
    expect(report.reasonCodes.at(-1)).toEqual({ code: 'messages_pending', messages: report.window?.pendingMessages, hours: 24 });
    expect(report.reasons).toEqual(report.reasonCodes.map(describeReason));
    const early = await getAbTestDecision({ workspace_id: ws, ab_test_id: abTestId }, { db: t.db, asOf: at(hours(23)) });
    expect(early.looks).toBe(0);
    expect(early.variants.every((v) => v.trials === 0)).toBe(true);
    expect(early.decision).not.toBe('winner');
  });

  it('the same data read once at the end by the fixed-horizon test agrees, and a Bayesian reading too', async () => {
    const [abTestId, , challenger] = ids.clear as [string, string, string];
    for (const method of ['fixed_horizon', 'bayesian'] as const) {
      const report = await getAbTestDecision({ workspace_id: ws, ab_test_id: abTestId, method }, { db: t.db, asOf: LATER });
      expect(report.method).toBe(method);
      expect(report.winnerVariantId).toBe(challenger);
    }
  });

  it('does not call a variant whose opens come sooner, with the same final rate, a winner at any look', async () => {
    const [abTestId, slow, fast] = ids.sooner as [string, string, string];
    for (const hour of [25, 26, 30, 36, 42, 48, 72]) {
      const report = await getAbTestDecision({ workspace_id: ws, ab_test_id: abTestId }, { db: t.db, asOf: at(hours(hour)) });
      const [a, b] = [slow, fast].map((id) => report.variants.find((v) => v.variantId === id)!);
      expect(report.decision, `at hour ${hour}`).not.toBe('winner');
      // Every counted message had its full 24 hours: both arms show the same rate.
      expect(a!.trials).toBe(b!.trials);
      expect(a!.successes).toBe(b!.successes);
      expect(a!.successes).toBe(Math.ceil(a!.trials / 5));
    }
  });

  it('shows a real lift in a batch send once its windows close, and never "no difference" before', async () => {
    const [abTestId, , challenger] = ids.batch as [string, string, string];
    for (const hour of [1, 6, 12, 23]) {
      const report = await getAbTestDecision({ workspace_id: ws, ab_test_id: abTestId }, { db: t.db, asOf: at(hours(hour)) });
      expect(report.decision, `at hour ${hour}`).not.toBe('no_difference');
      expect(report.window?.pendingMessages).toBe(10_000);
    }
    const report = await getAbTestDecision({ workspace_id: ws, ab_test_id: abTestId }, { db: t.db, asOf: at(hours(25)) });
    expect(report.variants.map((v) => [v.trials, v.successes])).toEqual([
      [5_000, 1_000],
      [5_000, 1_200],
    ]);
    expect(report.decision).toBe('winner');
    expect(report.winnerVariantId).toBe(challenger);
  });

  it('counts a message delivered twice once (105 delivered events, 100 messages)', async () => {
    const [abTestId, control] = ids.dup as [string, string, string];
    const report = await getAbTestDecision({ workspace_id: ws, ab_test_id: abTestId }, { db: t.db, asOf: LATER });
    expect(report.variants.find((v) => v.variantId === control)?.trials).toBe(100);
    expect(report.duplicateDeliveries).toBe(5);
    expect(report.reasons.join(' ')).toContain('5 repeated delivered events were counted once per message');
    expect(report.reasonCodes).toContainEqual({ code: 'duplicate_deliveries', events: 5 });
  });

  it('uses the registered window: opens after 2 hours do not count', async () => {
    const [abTestId, control, challenger] = ids.window as [string, string, string];
    const report = await getAbTestDecision({ workspace_id: ws, ab_test_id: abTestId }, { db: t.db, asOf: at(hours(3)) });
    expect(report.window).toEqual({ hours: 2, source: 'registered', pendingMessages: 0 });
    expect(report.metric.successes).toBe('messages opened within 2 h');
    expect(report.variants.find((v) => v.variantId === control)?.successes).toBe(40);
    expect(report.variants.find((v) => v.variantId === challenger)?.successes).toBe(40);
    const before = await getAbTestDecision({ workspace_id: ws, ab_test_id: abTestId }, { db: t.db, asOf: at(hours(1.5)) });
    expect(before.window?.pendingMessages).toBe(400);
    expect(before.looks).toBe(0);
  });

  it('passes more opened than delivered messages to the engine raw: a data-quality verdict naming the counts', async () => {
    const [abTestId, , broken] = ids.impossible as [string, string, string];
    const report = await getAbTestDecision({ workspace_id: ws, ab_test_id: abTestId }, { db: t.db, asOf: LATER });
    const variant = report.variants.find((v) => v.variantId === broken)!;
    expect([variant.successes, variant.trials]).toEqual([80, 50]);
    expect(report.decision).toBe('data_quality');
    expect(report.winnerVariantId).toBeNull();
    expect(report.reasons.join(' ')).toMatch(/80/);
    expect(report.reasons.join(' ')).toMatch(/50/);
  });

  it('withholds any verdict on a 60/40 split of a test registered as 50/50 (sample ratio mismatch)', async () => {
    const report = await getAbTestDecision({ workspace_id: ws, ab_test_id: ids.srm[0]! }, { db: t.db, asOf: LATER });
    expect(report.decision).toBe('srm_alert');
    expect(report.winnerVariantId).toBeNull();
    expect(report.sampleRatioMismatch?.mismatch).toBe(true);
    expect(report.sampleRatioMismatch!.pValue).toBeLessThan(0.001);
  });

  it('says there is not enough data for an unregistered test with 20 sends per variant, naming it by short id', async () => {
    const [abTestId, first] = ids.small as [string, string, string];
    const report = await getAbTestDecision({ workspace_id: ws, ab_test_id: abTestId }, { db: t.db, asOf: LATER });
    expect(report.decision).toBe('insufficient_data');
    expect(report.test).toMatchObject({ name: `Test ${abTestId.slice(0, 8)}`, registered: false });
    expect(report.window).toEqual({ hours: 24, source: 'default', pendingMessages: 0 });
    // No split registered: the engine is told, and the decision says the even split was assumed.
    expect(report.splitRegistered).toBe(false);
    expect(report.flags).toContain('even_split_assumed');
    // Not registered, SendGrid only: the default reads people's opens (decision-metric-choice.test.ts).
    expect(report.metric).toMatchObject({ key: 'unique_human_open_rate', choice: { choice: 'default_human_opens' } });
    expect(report.variants.find((v) => v.isControl)?.variantId).toBe(first);
  });

  it('gives a member the same numbers under RLS, tells a stranger nothing of the test, and the function shows a stranger nothing', async () => {
    const [abTestId] = ids.clear as [string];
    const service = await getAbTestDecision({ workspace_id: ws, ab_test_id: abTestId }, { db: t.db, asOf: LATER });
    const asMember = await getAbTestDecision(
      { workspace_id: ws, ab_test_id: abTestId },
      { db: t.db, asOf: LATER, claims: claimsFor(member) },
    );
    expect(asMember.variants.map((v) => [v.trials, v.successes])).toEqual(service.variants.map((v) => [v.trials, v.successes]));
    const stranger = claimsFor('99999999-1111-4222-8333-444455556666');
    await expect(getAbTestDecision({ workspace_id: ws, ab_test_id: abTestId }, { db: t.db, claims: stranger })).rejects.toBeInstanceOf(
      UnknownAbTestError,
    );
    const rows = await withUserContext(t.db, { claims: stranger, workspaceId: ws }, (q) =>
      q.query('select * from metrics_ab_test_message_looks($1, $2, 24)', [ws, abTestId]),
    );
    expect(rows).toEqual([]);
  });

  it('decides a social test on engagements per impression from the rollups: no window, the unit is the impression', async () => {
    const [abTestId, post1, post2] = ids.social as [string, string, string];
    const report = await getAbTestDecision({ workspace_id: ws, ab_test_id: abTestId }, { db: t.db, asOf: LATER });
    expect(report.metric).toMatchObject({
      key: 'social_engagement_rate',
      successes: 'social_likes + social_comments + social_shares + social_clicks',
      trials: 'social_impressions',
      why: 'Engagement rate: the default for social tests.',
    });
    expect(report.unit).toBe('impression');
    expect(report.window).toBeNull();
    expect(report.looks).toBe(10);
    expect(report.variants.map((v) => [v.variantId, v.trials, v.successes])).toEqual([
      [post1, 10_000, 10 * (50 + 35)],
      [post2, 10_000, 10 * (80 + 35)],
    ]);
    expect(report.reasons.at(-1)).toBe('The traffic split is not checked for social tests: posts have no send counts.');
    expect(report.reasonCodes.at(-1)).toEqual({ code: 'social_split_unchecked' });
    expect(report.reasons).toEqual(report.reasonCodes.map(describeReason));
    // Read as it stood after 4 hours: only the buckets before then.
    const early = await getAbTestDecision({ workspace_id: ws, ab_test_id: abTestId }, { db: t.db, asOf: at(hours(4)) });
    expect(early.looks).toBe(4);
    expect(early.variants[0]!.trials).toBe(4_000);
  });

  it('refuses an unknown test and a bad metric', async () => {
    await expect(
      getAbTestDecision({ workspace_id: ws, ab_test_id: 'dddddddd-dddd-4ddd-8ddd-dddddddddddd' }, { db: t.db }),
    ).rejects.toBeInstanceOf(UnknownAbTestError);
    await expect(
      getAbTestDecision({ workspace_id: ws, ab_test_id: ids.clear[0]!, metric: 'open_rate' as never }, { db: t.db }),
    ).rejects.toThrow(/metric/);
  });
});
