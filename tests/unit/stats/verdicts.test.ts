// Every verdict of decideAbTest, the flags, and the concrete cases that used to mislead: a
// direction read against its own range, a tiny early look settling a test, impossible counts
// becoming a winner, a verdict beside a range that contradicts it, an unregistered split.
import { describe, expect, it } from 'vitest';
import {
  AB_TEST_VERDICTS,
  decideAbTest,
  msprtLook,
  type AbTestDecision,
  type AbTestVariantCounts,
  type AbTestVerdict,
} from '../../../src/lib/stats';

function arm(variantId: string, trials: number, successes: number, extra: Partial<AbTestVariantCounts> = {}): AbTestVariantCounts {
  return { variantId, name: variantId, isControl: variantId === 'A', weight: 1, sends: trials, trials, successes, ...extra };
}

function history(...looks: [number, number][]) {
  return looks.map(([trials, successes]) => ({ trials, successes }));
}

function challenger(decision: AbTestDecision, id = 'B') {
  const comparison = decision.variants.find((v) => v.variantId === id)?.comparison;
  if (!comparison) throw new Error(`no comparison for ${id}`);
  return comparison;
}

/** No reason may call a variant better or worse than its range on the same card says. */
function expectWordsMatchRanges(decision: AbTestDecision) {
  for (const v of decision.variants) {
    const c = v.comparison;
    if (!c) continue;
    expect(c.absoluteLift.estimate).toBeGreaterThanOrEqual(c.absoluteLift.lower);
    expect(c.absoluteLift.estimate).toBeLessThanOrEqual(c.absoluteLift.upper);
    if (c.relativeLift) {
      expect(Math.sign(c.relativeLift.lower)).toBe(Math.sign(c.absoluteLift.lower));
      expect(Math.sign(c.relativeLift.upper)).toBe(Math.sign(c.absoluteLift.upper));
    }
    if (c.outcome === 'better') expect(c.absoluteLift.lower).toBeGreaterThan(0);
    if (c.outcome === 'worse') expect(c.absoluteLift.upper).toBeLessThan(0);
  }
  const winner = decision.variants.find((v) => v.variantId === decision.winnerVariantId);
  if (decision.decision === 'winner') expect(winner?.comparison?.absoluteLift.lower).toBeGreaterThan(0);
}

const cases: Record<AbTestVerdict, () => AbTestDecision> = {
  winner: () => decideAbTest({ variants: [arm('A', 10_000, 2_000), arm('B', 10_000, 2_300)] }),
  control_wins: () => decideAbTest({ variants: [arm('A', 10_000, 2_300), arm('B', 10_000, 2_000)] }),
  no_difference: () => decideAbTest({ variants: [arm('A', 1_000_000, 200_000), arm('B', 1_000_000, 200_100)] }),
  keep_running: () => decideAbTest({ variants: [arm('A', 5_000, 1_000), arm('B', 5_000, 1_010)] }),
  guardrail_alert: () =>
    decideAbTest({
      variants: [
        arm('A', 10_000, 2_000, { guardrails: { unsubscribes: 20 } }),
        arm('B', 10_000, 2_000, { guardrails: { unsubscribes: 80 } }),
      ],
    }),
  data_quality: () => decideAbTest({ variants: [arm('A', 100, 20), arm('B', 100, 101)] }),
  srm_alert: () => decideAbTest({ variants: [arm('A', 10_000, 2_000), arm('B', 10_600, 2_120)] }),
  insufficient_data: () => decideAbTest({ variants: [arm('A', 99, 20, { sends: 5_000 }), arm('B', 5_000, 1_000)] }),
};

describe('every verdict', () => {
  it('lists each verdict once in the exported enum', () => {
    expect(Object.keys(cases).sort()).toEqual([...AB_TEST_VERDICTS].sort());
  });

  for (const verdict of AB_TEST_VERDICTS) {
    it(`gives ${verdict}, with reasons in words and as codes, and words that match the ranges`, () => {
      const decision = cases[verdict]();
      expect(decision.decision).toBe(verdict);
      expect(decision.reasons.length).toBeGreaterThan(0);
      expect(decision.reasonCodes.length).toBe(decision.reasons.length);
      expect(decision.winnerVariantId).toBe(verdict === 'winner' ? 'B' : verdict === 'control_wins' ? 'A' : null);
      expectWordsMatchRanges(decision);
    });
  }

  it('names the guardrail, both rates and the interval in a guardrail_alert', () => {
    const decision = cases.guardrail_alert();
    expect(decision.guardrailFlags).toHaveLength(1);
    expect(decision.reasonCodes[0]).toMatchObject({
      code: 'guardrail_breach',
      guardrail: 'unsubscribe_rate',
      variantRate: 0.008,
      controlRate: 0.002,
    });
    expect(decision.reasons[0]).toMatch(/^B has more unsubscribes than A \(0\.800% against 0\.200%; 95% range: \+/);
  });
});

describe('direction from the evidence only', () => {
  it('never calls a winner against its own range: the 0.047-with-a-negative-range case', () => {
    // Earlier looks put B below A; the latest totals lean slightly positive.
    const decision = decideAbTest({
      variants: [
        arm('A', 30_000, 6_000, { history: history([10_000, 2_000], [20_000, 4_000]) }),
        arm('B', 30_000, 6_060, { history: history([10_000, 1_850], [20_000, 3_800]) }),
      ],
    });
    const b = challenger(decision);
    expect(b.observedDifference).toBeCloseTo(0.002, 12);
    expect(b.absoluteLift.upper).toBeLessThan(b.observedDifference);
    expect(b.absoluteLift.estimate).toBe(b.absoluteLift.upper);
    expect(b.flags).toEqual(['estimate_outside_interval']);
    expect(b.outcome).toBe('inconclusive');
    expect(decision.decision).toBe('keep_running');
    expect(decision.reasonCodes[0]).toMatchObject({ code: 'estimate_outside_interval', variant: 'B' });
    expectWordsMatchRanges(decision);
  });

  it('flags effect_changed_over_time, and reads no direction, when the intersection empties', () => {
    const decision = decideAbTest({
      variants: [
        arm('A', 30_000, 6_000, { history: history([10_000, 2_000]) }),
        arm('B', 30_000, 6_900, { history: history([10_000, 1_600]) }),
      ],
    });
    const b = challenger(decision);
    expect(b.flags).toEqual(['effect_changed_over_time']);
    expect(decision.flags).toContain('effect_changed_over_time');
    expect(b.outcome).toBe('inconclusive');
    // The range shown is the latest look's own, which holds the estimate.
    const latest = msprtLook({ control: { trials: 30_000, successes: 6_000 }, treatment: { trials: 30_000, successes: 6_900 } }, 0.05);
    expect(b.absoluteLift.lower).toBe(latest.absoluteLift.lower);
    expect(b.absoluteLift.upper).toBe(latest.absoluteLift.upper);
    expect(decision.decision).toBe('keep_running');
    expect(decision.reasons[0]).toMatch(/^The effect changed over time/);
  });

  it('1,800/9,000 against 160/1,000: no "A wins" while the test is not conclusive, and one range in both units', () => {
    const decision = decideAbTest({ variants: [arm('A', 9_000, 1_800, { weight: 90 }), arm('B', 1_000, 160, { weight: 10 })] });
    const b = challenger(decision);
    expect(b.pValue!).toBeGreaterThan(0.05);
    expect(b.outcome).toBe('inconclusive');
    expect(decision.decision).toBe('keep_running');
    expect(decision.reasons.join(' ')).not.toMatch(/wins/);
    expect(b.relativeLift!.lower).toBeCloseTo(b.absoluteLift.lower / 0.2, 12);
    expect(b.relativeLift!.upper).toBeCloseTo(b.absoluteLift.upper / 0.2, 12);
    expect(b.relativeLift!.upper).toBeLessThan(0);
  });
});

describe('looks that count', () => {
  it('msprtLook on 500/10,000 against 0/5: the plug-in p-value is 2e-96, the pooled one is 1', () => {
    const look = msprtLook({ control: { trials: 10_000, successes: 500 }, treatment: { trials: 5, successes: 0 } }, 0.05);
    expect(look.pValue).toBeLessThan(1e-90);
    expect(look.pooledPValue).toBe(1);
  });

  it('a tiny early look of B does not enter the running minimum: no "control wins" at 19.9 % against 20.0 %', () => {
    const decision = decideAbTest({
      variants: [
        arm('A', 20_000, 4_000, { history: history([10_000, 2_000]) }),
        arm('B', 10_000, 1_990, { sends: 20_000, history: history([5, 0]) }),
      ],
      splitRegistered: false,
    });
    const b = challenger(decision);
    expect(b.looks).toBe(1);
    expect(b.pValue!).toBeGreaterThan(0.5);
    expect(decision.decision).toBe('keep_running');
  });

  it('a staggered start (B with 1-20 deliveries per hour at first) cannot settle the test', () => {
    const looksA: [number, number][] = [];
    const looksB: [number, number][] = [];
    // Four hours in which B had 5 deliveries an hour and no open yet: none of them may count.
    for (let hour = 1; hour <= 4; hour++) {
      looksA.push([300 * hour, 60 * hour]);
      looksB.push([5 * hour, 0]);
    }
    const decision = decideAbTest({
      variants: [arm('A', 1_500, 300, { history: history(...looksA) }), arm('B', 120, 24, { history: history(...looksB) })],
      splitRegistered: false,
    });
    expect(challenger(decision).looks).toBe(1);
    expect(decision.decision).toBe('keep_running');
  });
});

describe('data quality', () => {
  it('1,920 delivered with 2,400 unique opens is data_quality naming the counts, never a winner', () => {
    const decision = decideAbTest({ variants: [arm('A', 1_920, 384), arm('B', 1_920, 2_400)], metricLabel: 'unique open rate' });
    expect(decision.decision).toBe('data_quality');
    expect(decision.winnerVariantId).toBeNull();
    expect(decision.dataQualityIssues).toEqual([
      { variantId: 'B', name: 'B', counted: 'successes', value: 2_400, limitName: 'trials', limit: 1_920 },
    ]);
    expect(decision.reasons[0]).toMatch(/^B has 2400 successes .* but only 1920 deliveries or impressions/);
  });

  it('105 delivered for 100 sends, and guardrail counts above their denominators, are data_quality too', () => {
    const decision = decideAbTest({
      variants: [arm('A', 105, 20, { sends: 100 }), arm('B', 100, 20, { guardrails: { complaints: 101, bounces: 120 } })],
    });
    expect(decision.decision).toBe('data_quality');
    expect(decision.dataQualityIssues.map((i) => [i.variantId, i.counted, i.limitName])).toEqual([
      ['A', 'trials', 'sends'],
      ['B', 'complaints', 'trials'],
      ['B', 'bounces', 'sends'],
    ]);
  });

  it('impossible earlier looks are left out of the evidence, not fatal', () => {
    const decision = decideAbTest({
      variants: [
        arm('A', 10_000, 2_000, { history: history([1_000, 1_200]) }),
        arm('B', 10_000, 2_300, { history: history([1_000, 230]) }),
      ],
    });
    expect(challenger(decision).looks).toBe(1);
    expect(decision.decision).toBe('winner');
  });
});

describe('words that match the method', () => {
  it('an unregistered 90/10 test skips the split check and says an even split was assumed', () => {
    const variants = [arm('A', 9_000, 1_800), arm('B', 1_000, 200)];
    expect(decideAbTest({ variants }).decision).toBe('srm_alert');
    const decision = decideAbTest({ variants, splitRegistered: false });
    expect(decision.decision).not.toBe('srm_alert');
    expect(decision.sampleRatioMismatch).toBeNull();
    expect(decision.splitRegistered).toBe(false);
    expect(decision.flags).toContain('even_split_assumed');
    expect(decision.reasons.some((r) => r.includes('an even split was assumed'))).toBe(true);
  });

  it('labels the Bayesian rule under repeated looks', () => {
    const decision = decideAbTest({
      variants: [arm('A', 5_000, 1_000, { history: history([2_500, 500]) }), arm('B', 5_000, 1_090, { history: history([2_500, 545]) })],
      method: 'bayesian',
    });
    expect(decision.flags).toContain('bayesian_repeated_looks');
    expect(decision.reasons.some((r) => r.includes('does not bound false winners when checked repeatedly'))).toBe(true);
  });

  it('says what the per-message window means when one is given', () => {
    const decision = decideAbTest({
      variants: [arm('A', 5_000, 1_000), arm('B', 5_000, 1_010)],
      windowHours: 72,
      metricLabel: 'unique open rate',
    });
    expect(decision.windowHours).toBe(72);
    expect(decision.reasons.at(-1)).toBe(
      'A message counts once its 72-hour window after delivery has closed: the unique open rate is the share engaged within 72 h of delivery.',
    );
  });
});
