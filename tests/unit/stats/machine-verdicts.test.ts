// The seeded campaign behind the human-vs-machine figures of docs/statistics.md, on a smaller run:
// machines dilute the lift a total metric reads without biasing the human ones, cost power, and
// create no false winners.
import { describe, expect, it } from 'vitest';
import { expectedRates, MACHINE_CAMPAIGNS, simulateMachineCampaign, type MachineMetric } from '../../../bench/lib/machine-verdicts';
import { monteCarloError } from '../../../bench/lib/verdict-simulation';

const TESTS = 20;
const campaign = (name: string) => {
  const found = MACHINE_CAMPAIGNS.find((c) => c.name === name);
  if (!found) throw new Error(`no campaign ${name}`);
  return found;
};
const byMetric = (figures: ReturnType<typeof simulateMachineCampaign>) =>
  Object.fromEntries(figures.map((f) => [f.metric, f])) as Record<MachineMetric, (typeof figures)[number]>;

describe('one campaign read on total and human metrics (seeded simulation)', () => {
  it('computes the expected rates from the shares: a protected inbox always opens, a scanner always clicks', () => {
    const c = { ...campaign('machines-half'), protectedShare: 0.5, scannerShare: 0.1, humanOpen: [0.2, 0.2] as [number, number] };
    expect(expectedRates(c, 0).total_opens).toBeCloseTo(0.6, 10);
    expect(expectedRates(c, 0).human_clicks).toBeCloseTo(0.06, 10);
    expect(expectedRates(c, 0).total_clicks).toBeCloseTo(0.06 + 0.94 * 0.1, 10);
  });

  it(
    'reads the true lift on each metric, the total ones diluted toward zero, and finds B more often on human opens',
    { timeout: 120_000 },
    () => {
      const f = byMetric(simulateMachineCampaign(campaign('machines-half'), TESTS, 7));
      for (const m of Object.values(f)) expect(Math.abs(m.meanLift - m.trueLift)).toBeLessThanOrEqual(4 * m.meanLiftError + 0.005);
      expect(f.total_opens.trueLift).toBeLessThan(f.human_opens.trueLift / 4);
      expect(f.human_opens.power).toBeGreaterThan(f.total_opens.power + 0.3);
    },
  );

  it('names no false winner in the A/A campaign beyond alpha + 3 MC errors on any metric', { timeout: 120_000 }, () => {
    const bound = 0.05 + 3 * monteCarloError(0.05, TESTS);
    for (const m of simulateMachineCampaign(campaign('machines-aa'), TESTS, 8)) expect(m.anyWinner, m.metric).toBeLessThanOrEqual(bound);
  });
});
