// A campaign where B's people open clearly more, but A's audience has more protected inboxes, so
// machine opens equalise the totals: the total unique open rate cannot tell the variants apart,
// the human one must put B ahead, in the ground truth and in the rollups the app serves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  campaignStartFor,
  diffRollups,
  engagementRates,
  engagementTallies,
  expectedRollups,
  fetchRollups,
  planCampaign,
  runCampaign,
  signingKeysFromEnv,
  type CampaignInput,
} from '../../tooling/simulator';
import { computeDerivedMetrics } from '../../src/lib/decision-circuits/metrics/core/rates';
import { ROLLUP_COUNTERS, type RollupCounters } from '../../src/lib/decision-circuits/metrics/metrics-types';
import { DEV_USER_ID, DEV_WORKSPACE_ID, TEST_SECRETS, startApp, tokenFor, type AppUnderTest } from '../helpers/app';

const MINUTES = 240;

function equalisedCampaign(startMs: number, recipients = 600): CampaignInput {
  return {
    seed: 'machines-equalise-totals',
    startMs,
    minutes: MINUTES,
    variants: 2,
    recipients,
    posts: 0,
    // Providers that flag machine opens, so the human open rate is measurable exactly.
    providers: ['sendgrid', 'mailgun'],
    // Total unique open rate: 0.61 + 0.39 × 0.30 ≈ 0.5 + 0.5 × 0.45 ≈ 0.73 in both arms.
    profiles: [
      { open: 0.3, protectedShare: 0.61 },
      { open: 0.45, protectedShare: 0.5 },
    ],
  };
}

describe('machines equalising the totals (ground truth)', () => {
  it('has B clearly ahead on human opens while the total unique open rates are within sampling noise', () => {
    const plan = planCampaign(equalisedCampaign(Date.UTC(2025, 2, 2, 9, 40)));
    const { byVariant } = engagementTallies(plan);
    const [a, b] = plan.variants.map((v) => engagementRates(byVariant.get(v.key)!));
    // One standard error of the difference at 600 per arm is about 2.6 points.
    expect(Math.abs(a!.uniqueOpenRate - b!.uniqueOpenRate)).toBeLessThan(0.04);
    expect(b!.humanOpenRate - a!.humanOpenRate).toBeGreaterThan(0.1);
    expect(a!.machineShareOfOpens).toBeGreaterThan(b!.machineShareOfOpens);
  });
});

describe('machines equalising the totals, played against the real server (pglite)', () => {
  let app: AppUnderTest;
  beforeAll(async () => {
    app = await startApp('pglite');
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('ends with B clearly ahead on the human open rate in the rollups, the totals close, and every counter equal to the ground truth', async () => {
    const SPEED = 2400;
    const plan = planCampaign({
      ...equalisedCampaign(campaignStartFor(Date.now(), MINUTES, SPEED), 150),
      seed: 'machines-equalise-rollups',
      // Total unique open rate: 0.7 + 0.3 × 0.2 = 0.76 against 0.5 + 0.5 × 0.5 = 0.75.
      profiles: [
        { open: 0.2, protectedShare: 0.7 },
        { open: 0.5, protectedShare: 0.5 },
      ],
    });
    const api = { baseUrl: app.url, workspaceId: DEV_WORKSPACE_ID, token: await tokenFor(DEV_USER_ID) };
    const outcome = await runCampaign(plan, { ...api, keys: signingKeysFromEnv(TEST_SECRETS), speed: SPEED, concurrency: 4 });
    expect(outcome.failures).toEqual([]);
    const rollups = await fetchRollups(plan, api);
    expect(diffRollups(expectedRollups(plan), rollups)).toEqual([]);

    const [a, b] = plan.variants.map((variant) => {
      const totals = Object.fromEntries(ROLLUP_COUNTERS.map((c) => [c, 0])) as RollupCounters;
      for (const row of rollups) {
        if (row.variant_id !== variant.variantId) continue;
        for (const c of ROLLUP_COUNTERS) totals[c] += Number(row[c] ?? 0);
      }
      return { totals, rates: computeDerivedMetrics(totals) };
    });
    expect(a!.totals.email_machine_opened).toBeGreaterThan(b!.totals.email_machine_opened);
    // Rates in percent: the totals within sampling noise (one SE of the difference is about 5
    // points at 150 per arm), people 30 points apart in truth.
    expect(Math.abs(a!.rates.unique_open_rate - b!.rates.unique_open_rate)).toBeLessThan(10);
    expect(b!.rates.human_open_rate - a!.rates.human_open_rate).toBeGreaterThan(15);
  }, 240_000);
});
