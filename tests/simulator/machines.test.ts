// A campaign where B's people open clearly more, but A's audience has more protected inboxes, so
// machine opens equalise the totals: the total unique open rate cannot tell the variants apart,
// the human one must put B ahead.
import { describe, expect, it } from 'vitest';
import { engagementRates, engagementTallies, planCampaign, type CampaignInput } from '../../tooling/simulator';

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
