import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import {
  compareBetaPosteriors,
  decideAbTest,
  holmAdjust,
  msprtLook,
  twoProportionZTest,
  type AbTestDecision,
  type AbTestVariantCounts,
} from '../../../src/lib/stats';
import { formatSignedPercent } from '../../../src/lib/stats/wording';

function variant(variantId: string, trials: number, successes: number, extra: Partial<AbTestVariantCounts> = {}): AbTestVariantCounts {
  return { variantId, name: `Variant ${variantId}`, isControl: false, weight: 1, sends: trials, trials, successes, ...extra };
}

function control(trials: number, successes: number, extra: Partial<AbTestVariantCounts> = {}): AbTestVariantCounts {
  return variant('A', trials, successes, { isControl: true, name: 'Control', ...extra });
}

function comparisonOf(decision: AbTestDecision, variantId: string) {
  const found = decision.variants.find((v) => v.variantId === variantId);
  if (!found?.comparison) throw new Error(`no comparison for ${variantId}`);
  return found.comparison;
}

describe('decideAbTest: defaults and winners', () => {
  it('uses the sequential method at alpha 0.05 by default and names a clear winner', () => {
    const decision = decideAbTest({ variants: [control(10_000, 2_000), variant('B', 10_000, 2_300)], metricLabel: 'open rate' });
    expect(decision.method).toBe('sequential');
    expect(decision.alpha).toBe(0.05);
    expect(decision.decision).toBe('winner');
    expect(decision.winnerVariantId).toBe('B');
    const b = comparisonOf(decision, 'B');
    expect(b.absoluteLift.kind).toBe('confidence_sequence');
    expect(b.absoluteLift.estimate).toBeCloseTo(0.03, 12);
    expect(b.absoluteLift.lower).toBeGreaterThan(0);
    expect(b.pValue).toBe(
      msprtLook({ control: { trials: 10_000, successes: 2_000 }, treatment: { trials: 10_000, successes: 2_300 } }, 0.05).pooledPValue,
    );
    expect(b.relativeLift!.estimate).toBeCloseTo(0.15, 12);
    const { lower, upper } = b.relativeLift!;
    // The relative range is the deciding absolute range relative to the control's rate.
    expect(lower).toBeCloseTo(b.absoluteLift.lower / 0.2, 12);
    expect(upper).toBeCloseTo(b.absoluteLift.upper / 0.2, 12);
    expect(lower).toBeGreaterThan(0);
    expect(decision.flags).toEqual([]);
    expect(decision.reasons[0]).toBe(
      `Variant B's open rate is 23.0% against 20.0% for Control (+15.0% relative; 95% range: ${formatSignedPercent(lower)} to ${formatSignedPercent(upper)}).`,
    );
    expect(decision.methodDescription).toMatch(/checked at any time/);
  });

  it('reports rate, counts, chance to beat control and expected loss for every method', () => {
    const decision = decideAbTest({ variants: [control(1_000, 200), variant('B', 1_000, 230)], method: 'fixed_horizon' });
    const [a, b] = decision.variants;
    expect(a).toMatchObject({ variantId: 'A', isControl: true, trials: 1_000, successes: 200, rate: 0.2, comparison: null });
    expect(b!.rate).toBe(0.23);
    const bayes = compareBetaPosteriors({ trials: 1_000, successes: 200 }, { trials: 1_000, successes: 230 });
    expect(b!.comparison!.chanceToBeatControl).toBe(bayes.chanceToBeatControl);
    expect(b!.comparison!.expectedLoss).toBe(bayes.expectedLoss);
  });

  it('lets the fixed-horizon z-test call a borderline lift that the sequential test keeps running', () => {
    const variants = [control(1_000, 200), variant('B', 1_000, 240)];
    const fixed = decideAbTest({ variants, method: 'fixed_horizon' });
    const sequential = decideAbTest({ variants, method: 'sequential' });
    const z = twoProportionZTest({ trials: 1_000, successes: 200 }, { trials: 1_000, successes: 240 })!;
    expect(comparisonOf(fixed, 'B').pValue).toBe(z.pValue);
    expect(z.pValue).toBeLessThan(0.05);
    expect(fixed.decision).toBe('winner');
    expect(fixed.reasons).toContain(
      'No planned sample size was given: this reading is only valid if it is the single planned look at the data.',
    );
    expect(comparisonOf(sequential, 'B').pValue).toBeGreaterThan(0.05);
    expect(sequential.decision).toBe('keep_running');
  });

  it('says control_wins, naming the control, when every variant is worse with its whole range below zero', () => {
    const decision = decideAbTest({ variants: [control(20_000, 4_000), variant('B', 20_000, 3_400), variant('C', 20_000, 3_500)] });
    expect(decision.decision).toBe('control_wins');
    expect(decision.winnerVariantId).toBe('A');
    expect(decision.reasons[0]).toBe('Control wins: every variant has a lower rate, with its whole range below zero.');
    for (const id of ['B', 'C']) expect(comparisonOf(decision, id).absoluteLift.upper).toBeLessThan(0);
  });

  it('declares a Bayesian winner from the chance to beat control, without a p-value', () => {
    const decision = decideAbTest({ variants: [control(5_000, 1_000), variant('B', 5_000, 1_090)], method: 'bayesian' });
    const b = comparisonOf(decision, 'B');
    expect(b.pValue).toBeNull();
    expect(b.chanceToBeatControl).toBeGreaterThan(0.95);
    expect(b.expectedLoss).toBeLessThan(0.01 * 0.2);
    expect(decision.decision).toBe('winner');
    expect(decision.reasons[1]).toMatch(/^It has a 9\d\.\d% chance to beat the control/);
  });

  it('keeps a Bayesian test running while the chance to beat control is below 95%', () => {
    const decision = decideAbTest({ variants: [control(1_000, 200), variant('B', 1_000, 215)], method: 'bayesian' });
    expect(comparisonOf(decision, 'B').chanceToBeatControl).toBeLessThan(0.95);
    expect(decision.decision).toBe('keep_running');
  });
});

describe('decideAbTest: more than two variants', () => {
  const variants = [control(8_000, 1_600), variant('B', 8_000, 1_850), variant('C', 8_000, 1_790), variant('D', 8_000, 1_610)];

  it('Holm-adjusts the p-values and widens the intervals to 1 − alpha/m', () => {
    const decision = decideAbTest({ variants, method: 'fixed_horizon' });
    expect(decision.comparisons).toBe(3);
    expect(decision.intervalLevel).toBeCloseTo(1 - 0.05 / 3, 15);
    const raw = ['B', 'C', 'D'].map((id) => comparisonOf(decision, id).unadjustedPValue!);
    const adjusted = holmAdjust(raw);
    ['B', 'C', 'D'].forEach((id, i) => expect(comparisonOf(decision, id).pValue).toBe(adjusted[i]));
    expect(comparisonOf(decision, 'C').pValue!).toBeGreaterThan(comparisonOf(decision, 'C').unadjustedPValue!);
    expect(comparisonOf(decision, 'B').absoluteLift.level).toBeCloseTo(1 - 0.05 / 3, 15);
    expect(decision.reasons.some((r) => r.startsWith('3 variants are compared with Control, so p-values are Holm-adjusted'))).toBe(true);
  });

  it('names the significant variant with the highest rate as the winner and mentions the runner-up', () => {
    const decision = decideAbTest({ variants, method: 'fixed_horizon' });
    expect(decision.decision).toBe('winner');
    expect(decision.winnerVariantId).toBe('B');
    expect(comparisonOf(decision, 'C').outcome).toBe('better');
    expect(decision.reasons).toContain("Variant C also beats Control, but its rate is lower than Variant B's.");
  });
});

describe('decideAbTest: sample ratio mismatch', () => {
  it('raises an SRM alert and withholds the verdict even with a large lift', () => {
    const decision = decideAbTest({
      variants: [control(10_000, 2_000, { sends: 10_000 }), variant('B', 10_000, 3_000, { sends: 10_600 })],
    });
    expect(decision.sampleRatioMismatch!.mismatch).toBe(true);
    expect(decision.sampleRatioMismatch!.pValue).toBeLessThan(0.001);
    expect(decision.decision).toBe('srm_alert');
    expect(decision.winnerVariantId).toBeNull();
    expect(decision.reasons[0]).toMatch(
      /^The traffic split does not match the registered weights \(Control 48\.5% \(planned 50\.0%\), Variant B 51\.5% \(planned 50\.0%\)/,
    );
  });

  it('normalises the registered weights, so an 80/20 split with matching sends is no mismatch', () => {
    const decision = decideAbTest({
      variants: [control(8_000, 1_600, { weight: 80 }), variant('B', 2_020, 404, { weight: 20 })],
    });
    expect(decision.sampleRatioMismatch!.expectedShares).toEqual([0.8, 0.2]);
    expect(decision.sampleRatioMismatch!.mismatch).toBe(false);
    expect(decision.decision).not.toBe('srm_alert');
  });
});

describe('decideAbTest: guardrails', () => {
  it('gives guardrail_alert naming the metric, both rates and the interval when complaints are credibly higher', () => {
    const decision = decideAbTest({
      variants: [
        control(10_000, 2_000, { guardrails: { complaints: 5, unsubscribes: 20, bounces: 100 } }),
        variant('B', 10_000, 2_400, { guardrails: { complaints: 30, unsubscribes: 22, bounces: 90 } }),
      ],
    });
    expect(decision.guardrailFlags.map((g) => [g.variantId, g.metric])).toEqual([['B', 'complaint_rate']]);
    const [flag] = decision.guardrailFlags;
    // Three metrics × one variant share the 5 % budget.
    expect(flag!.level).toBeCloseTo(0.05 / 3, 15);
    expect(flag!.pValue).toBeLessThan(flag!.level);
    expect(flag!.interval.lower).toBeGreaterThan(0);
    const unsubscribes = decision.variants[1]!.guardrails.find((g) => g.metric === 'unsubscribe_rate')!;
    expect(unsubscribes.flagged).toBe(false);
    expect(comparisonOf(decision, 'B').outcome).toBe('better');
    expect(decision.decision).toBe('guardrail_alert');
    expect(decision.winnerVariantId).toBeNull();
    expect(decision.reasons[0]).toMatch(
      /^Variant B has more spam complaints than Control \(0\.300% against 0\.050%; 98\.3% range: \+0\.\d+ percentage points to \+0\.\d+ percentage points, always valid\)/,
    );
  });

  it('does not flag a guardrail whose events are too few for the normal approximation', () => {
    const decision = decideAbTest({
      variants: [control(10_000, 2_000, { guardrails: { complaints: 0 } }), variant('B', 10_000, 2_400, { guardrails: { complaints: 6 } })],
    });
    expect(decision.variants[1]!.guardrails).toEqual([]);
    expect(decision.decision).toBe('winner');
  });

  it('tests guardrails across the looks: an early breach stays flagged through the running minimum', () => {
    const early = { complaints: 40, unsubscribes: 0, bounces: 0, sends: 10_000 };
    const decision = decideAbTest({
      variants: [
        control(20_000, 4_000, {
          guardrails: { complaints: 30 },
          history: [{ trials: 10_000, successes: 2_000, guardrails: { ...early, complaints: 10 } }],
        }),
        variant('B', 20_000, 4_000, { guardrails: { complaints: 50 }, history: [{ trials: 10_000, successes: 2_000, guardrails: early }] }),
      ],
    });
    const [flag] = decision.guardrailFlags;
    expect(flag?.metric).toBe('complaint_rate');
    expect(flag!.looks).toBe(2);
    expect(decision.decision).toBe('guardrail_alert');
  });
});

describe('decideAbTest: no difference and planned sizes', () => {
  it('says no_difference when the confidence sequence rules out any lift of 5% of the control rate', () => {
    const decision = decideAbTest({ variants: [control(1_000_000, 200_000), variant('B', 1_000_000, 200_100)] });
    const b = comparisonOf(decision, 'B');
    expect(b.absoluteLift.lower).toBeGreaterThan(-0.01);
    expect(b.absoluteLift.upper).toBeLessThan(0.01);
    expect(b.outcome).toBe('equivalent');
    expect(decision.decision).toBe('no_difference');
  });

  it('keeps running while the interval still allows a lift of 5% of the control rate', () => {
    const decision = decideAbTest({ variants: [control(5_000, 1_000), variant('B', 5_000, 1_010)] });
    expect(comparisonOf(decision, 'B').outcome).toBe('inconclusive');
    expect(decision.decision).toBe('keep_running');
  });

  it('says no_difference once every variant reaches the planned size without a winner', () => {
    const variants = [control(5_000, 1_000), variant('B', 5_000, 1_010)];
    expect(decideAbTest({ variants, plannedTrialsPerVariant: 5_000 }).decision).toBe('no_difference');
    expect(decideAbTest({ variants, plannedTrialsPerVariant: 5_001 }).decision).toBe('keep_running');
  });

  it('keeps a fixed-horizon test running until the planned size, however significant it looks', () => {
    const variants = [control(2_000, 400), variant('B', 2_000, 600)];
    const early = decideAbTest({ variants, method: 'fixed_horizon', plannedTrialsPerVariant: 3_000 });
    expect(comparisonOf(early, 'B').pValue).toBeLessThan(1e-10);
    expect(early.decision).toBe('keep_running');
    expect(decideAbTest({ variants, method: 'fixed_horizon', plannedTrialsPerVariant: 2_000 }).decision).toBe('winner');
  });
});

describe('decideAbTest: sequential history', () => {
  const looks = [
    { control: { trials: 2_000, successes: 400 }, treatment: { trials: 2_000, successes: 520 } },
    { control: { trials: 4_000, successes: 800 }, treatment: { trials: 4_000, successes: 960 } },
  ];
  const current = [control(6_000, 1_200), variant('B', 6_000, 1_290)];
  const withHistory = decideAbTest({
    variants: [
      { ...current[0]!, history: looks.map((l) => l.control) },
      { ...current[1]!, history: looks.map((l) => l.treatment) },
    ],
  });
  const currentOnly = decideAbTest({ variants: current });

  it('reports the running minimum of the always-valid (pooled) p-value over the looks', () => {
    const perLook = [...looks, { control: { trials: 6_000, successes: 1_200 }, treatment: { trials: 6_000, successes: 1_290 } }].map(
      (look) => msprtLook(look, 0.05).pooledPValue,
    );
    expect(comparisonOf(withHistory, 'B').pValue).toBe(Math.min(...perLook));
    expect(comparisonOf(currentOnly, 'B').pValue).toBe(perLook[2]);
    expect(comparisonOf(withHistory, 'B').pValue!).toBeLessThan(comparisonOf(currentOnly, 'B').pValue!);
    expect(comparisonOf(withHistory, 'B').looks).toBe(3);
  });

  it('keeps a winner found at an earlier look, because the evidence already crossed the line', () => {
    expect(withHistory.decision).toBe('winner');
    const b = comparisonOf(withHistory, 'B');
    expect(b.absoluteLift.lower).toBeGreaterThan(0);
    // The lift shrank: the latest +1.5 points lie below the range the earlier looks established,
    // so the point shown is the range's lower end and the flag says why.
    expect(b.observedDifference).toBeCloseTo(0.015, 12);
    expect(b.absoluteLift.estimate).toBe(b.absoluteLift.lower);
    expect(b.flags).toEqual(['estimate_outside_interval']);
    expect(withHistory.flags).toEqual(['estimate_outside_interval']);
    expect(currentOnly.decision).toBe('keep_running');
  });

  it('intersects the confidence sequences, so the history never widens the interval', () => {
    const narrowed = comparisonOf(withHistory, 'B').absoluteLift;
    const alone = comparisonOf(currentOnly, 'B').absoluteLift;
    expect(narrowed.lower).toBeGreaterThanOrEqual(alone.lower);
    expect(narrowed.upper).toBeLessThanOrEqual(alone.upper);
  });
});

describe('decideAbTest: edge cases', () => {
  it('gives insufficient_data for a single variant', () => {
    const decision = decideAbTest({ variants: [control(5_000, 1_000)] });
    expect(decision.decision).toBe('insufficient_data');
    expect(decision.sampleRatioMismatch).toBeNull();
    expect(decision.reasons).toEqual(['An A/B test needs at least two variants to compare; this one has only one.']);
  });

  it('gives insufficient_data for no variants at all', () => {
    expect(decideAbTest({ variants: [] }).decision).toBe('insufficient_data');
  });

  it('gives insufficient_data when no variant is marked as the control, with rates still reported', () => {
    const decision = decideAbTest({ variants: [variant('B', 5_000, 1_000), variant('C', 5_000, 1_400)] });
    expect(decision.decision).toBe('insufficient_data');
    expect(decision.reasons).toEqual(['No variant is marked as the control, so there is nothing to compare against.']);
    expect(decision.variants.map((v) => v.rate)).toEqual([0.2, 0.28]);
    expect(decision.variants.every((v) => v.comparison === null)).toBe(true);
  });

  it('gives insufficient_data, without a comparison, for a variant with zero trials', () => {
    const decision = decideAbTest({ variants: [control(5_000, 1_000), variant('B', 0, 0, { sends: 5_000 })] });
    expect(decision.decision).toBe('insufficient_data');
    expect(decision.variants[1]).toMatchObject({ rate: null, comparison: null });
    expect(decision.reasons[0]).toBe('Not enough data yet: every variant needs at least 100 deliveries or impressions (Variant B has 0).');
  });

  it('gives insufficient_data below 100 trials per variant', () => {
    const decision = decideAbTest({ variants: [control(99, 50, { sends: 5_000 }), variant('B', 5_000, 1_000)] });
    expect(decision.decision).toBe('insufficient_data');
    expect(decision.reasons[0]).toBe('Not enough data yet: every variant needs at least 100 deliveries or impressions (Control has 99).');
  });

  it('gives insufficient_data with zero successes anywhere, without NaN in the output', () => {
    const decision = decideAbTest({ variants: [control(2_000, 0), variant('B', 2_000, 0)] });
    expect(decision.decision).toBe('insufficient_data');
    expect(decision.reasons[0]).toBe(
      'Too little data for a rate this low (0.000% overall): each variant needs enough deliveries or impressions to expect at least 5 successes.',
    );
    expect(decision.variants.map((v) => v.rate)).toEqual([0, 0]);
    expect(decision.variants.every((v) => v.comparison === null)).toBe(true);
    expect(JSON.stringify(decision)).not.toMatch(/NaN/);
  });

  it('gives insufficient_data when every trial succeeded in both variants', () => {
    const decision = decideAbTest({ variants: [control(1_000, 1_000), variant('B', 1_000, 1_000)] });
    expect(decision.decision).toBe('insufficient_data');
    expect(decision.reasons[0]).toMatch(/^Too little data for a rate this high \(100\.0% overall\)/);
  });

  it('compares a variant where every trial succeeded with finite intervals', () => {
    const decision = decideAbTest({ variants: [control(1_000, 950), variant('B', 1_000, 1_000)], method: 'fixed_horizon' });
    const b = comparisonOf(decision, 'B');
    expect(b.absoluteLift.estimate).toBeCloseTo(0.05, 12);
    for (const value of [b.absoluteLift.lower, b.absoluteLift.upper, b.relativeLift!.lower, b.relativeLift!.upper, b.pValue!]) {
      expect(Number.isFinite(value)).toBe(true);
    }
    expect(decision.decision).toBe('winner');
  });

  it('rejects counts that are not whole non-negative numbers, or ids that clash', () => {
    expect(() => decideAbTest({ variants: [control(100, 10), variant('A', 100, 10)] })).toThrow(ZodError);
    expect(() => decideAbTest({ variants: [control(100, 10), variant('B', 100, 10, { isControl: true })] })).toThrow(ZodError);
    expect(() => decideAbTest({ variants: [control(100, -1), variant('B', 100, 10)] })).toThrow(ZodError);
    expect(() => decideAbTest({ variants: [control(100, 10), variant('B', 100, 10)], alpha: 0.7 })).toThrow(ZodError);
  });

  it('rejects histories of different lengths', () => {
    expect(() =>
      decideAbTest({
        variants: [control(200, 40, { history: [{ trials: 100, successes: 20 }] }), variant('B', 200, 40, { history: [] })],
      }),
    ).toThrow(ZodError);
  });
});
