// getAbTestDecision (what CX09 imports): the registry's names and control, unique counts from the
// rollups hour by hour, and the engine's verdict, on both databases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAbTestDecision, registerAbTest, UnknownAbTestError } from '../../src/lib/decision-circuits/metrics';
import type { Queryable } from '../../src/lib/db';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { createWorkspace } from '../helpers/factories';
import { createRng } from '../../src/lib/random/seeded-rng';

interface HourCounts {
  sent: number;
  delivered: number;
  clicks: number;
  complaints?: number;
}

/** Hourly rollups of one variant, as the ingest path would have written them. */
async function seedHours(db: Queryable, workspaceId: string, abTestId: string, variantId: string, hours: HourCounts[]) {
  for (const [hour, h] of hours.entries()) {
    await db.query(
      `insert into metrics_rollups (workspace_id, circuit_execution_id, ab_test_id, variant_id, channel, time_bucket,
         email_sent, email_delivered, email_clicked, email_unique_clicked, email_opened, email_unique_opened, email_complained)
       values ($1, 'exec', $2, $3, 'email', $4, $5, $6, $7, $7, $7, $7, $8)`,
      [
        workspaceId,
        abTestId,
        variantId,
        new Date(Date.UTC(2026, 10, 1, 8 + hour)).toISOString(),
        h.sent,
        h.delivered,
        h.clicks,
        h.complaints ?? 0,
      ],
    );
  }
}

/** `hours` hourly buckets of `perHour` sends each, clicks drawn at `rate` (seeded: the same every run). */
function campaign(seed: string, hours: number, perHour: number, rate: number): HourCounts[] {
  const rng = createRng(seed);
  return Array.from({ length: hours }, () => {
    let clicks = 0;
    for (let i = 0; i < perHour; i += 1) if (rng.chance(rate)) clicks += 1;
    return { sent: perHour, delivered: perHour, clicks };
  });
}

describe.each(DATABASE_KINDS)('getAbTestDecision on %s', (kind) => {
  let t: TestDatabase;
  let ws: string;
  const ids = {
    clear: ['a1111111-1111-4111-8111-111111111111', 'a2222222-2222-4222-8222-222222222222', 'a3333333-3333-4333-8333-333333333333'],
    srm: ['b1111111-1111-4111-8111-111111111111', 'b2222222-2222-4222-8222-222222222222', 'b3333333-3333-4333-8333-333333333333'],
    small: ['c1111111-1111-4111-8111-111111111111', 'c2222222-2222-4222-8222-222222222222', 'c3333333-3333-4333-8333-333333333333'],
  };

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    ws = await createWorkspace(t.db);
    const [clearTest, control, challenger] = ids.clear as [string, string, string];
    await registerAbTest(
      ws,
      {
        ab_test_id: clearTest,
        name: 'Subject line',
        primary_metric: 'unique_click_rate',
        started_at: '2026-11-01T08:00:00Z',
        // The challenger is listed first and sorts first by id: the control must still be the registered one.
        variants: [
          { variant_id: challenger, name: 'Question', is_control: false, weight: 1 },
          { variant_id: control, name: 'Statement', is_control: true, weight: 1 },
        ],
      },
      { db: t.db },
    );
    await seedHours(t.db, ws, clearTest, control, campaign('control', 48, 400, 0.1));
    await seedHours(t.db, ws, clearTest, challenger, campaign('challenger', 48, 400, 0.13));

    const [srmTest, s1, s2] = ids.srm as [string, string, string];
    await registerAbTest(
      ws,
      {
        ab_test_id: srmTest,
        name: 'Split check',
        primary_metric: 'unique_click_rate',
        started_at: '2026-11-01T08:00:00Z',
        variants: [
          { variant_id: s1, name: 'A', is_control: true, weight: 1 },
          { variant_id: s2, name: 'B', is_control: false, weight: 1 },
        ],
      },
      { db: t.db },
    );
    await seedHours(t.db, ws, srmTest, s1, campaign('s1', 24, 600, 0.1));
    await seedHours(t.db, ws, srmTest, s2, campaign('s2', 24, 400, 0.1));

    const [smallTest, m1, m2] = ids.small as [string, string, string];
    await seedHours(t.db, ws, smallTest, m1, [{ sent: 20, delivered: 20, clicks: 3 }]);
    await seedHours(t.db, ws, smallTest, m2, [{ sent: 20, delivered: 19, clicks: 1 }]);
  });
  afterAll(async () => {
    await t.drop();
  });

  it('names the registered challenger the winner on unique clicks, with its name and the registered control', async () => {
    const [abTestId, control, challenger] = ids.clear as [string, string, string];
    const report = await getAbTestDecision({ workspace_id: ws, ab_test_id: abTestId }, { db: t.db });
    expect(report.method).toBe('sequential');
    expect(report.metric).toMatchObject({ key: 'unique_click_rate', label: 'Unique click rate' });
    expect(report.looks).toBe(48);
    expect(report.test).toMatchObject({ name: 'Subject line', registered: true });
    // Control first, whatever order it was registered in.
    expect(report.variants.map((v) => [v.variantId, v.name, v.isControl])).toEqual([
      [control, 'Statement', true],
      [challenger, 'Question', false],
    ]);
    expect(report.decision).toBe('winner');
    expect(report.winnerVariantId).toBe(challenger);
    const result = report.variants.find((v) => v.variantId === challenger)!;
    expect(result.trials).toBe(48 * 400);
    expect(result.comparison?.absoluteLift.lower).toBeGreaterThan(0);
    expect(result.comparison?.chanceToBeatControl).toBeGreaterThan(0.99);
    expect(report.reasons.join(' ')).toContain('Question');
  });

  it('the same data read once at the end by the fixed-horizon test agrees, and a Bayesian reading too', async () => {
    const [abTestId, , challenger] = ids.clear as [string, string, string];
    for (const method of ['fixed_horizon', 'bayesian'] as const) {
      const report = await getAbTestDecision({ workspace_id: ws, ab_test_id: abTestId, method }, { db: t.db });
      expect(report.method).toBe(method);
      expect(report.winnerVariantId).toBe(challenger);
    }
  });

  it('withholds any verdict on a 60/40 split of a test registered as 50/50 (sample ratio mismatch)', async () => {
    const report = await getAbTestDecision({ workspace_id: ws, ab_test_id: ids.srm[0]! }, { db: t.db });
    expect(report.decision).toBe('srm_alert');
    expect(report.winnerVariantId).toBeNull();
    expect(report.sampleRatioMismatch?.mismatch).toBe(true);
    expect(report.sampleRatioMismatch!.pValue).toBeLessThan(0.001);
  });

  it('says there is not enough data for an unregistered test with 20 sends per variant, naming it by short id', async () => {
    const [abTestId, first] = ids.small as [string, string, string];
    const report = await getAbTestDecision({ workspace_id: ws, ab_test_id: abTestId }, { db: t.db });
    expect(report.decision).toBe('insufficient_data');
    expect(report.test).toMatchObject({ name: `Test ${abTestId.slice(0, 8)}`, registered: false });
    expect(report.metric.key).toBe('unique_open_rate');
    expect(report.variants.find((v) => v.isControl)?.variantId).toBe(first);
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
