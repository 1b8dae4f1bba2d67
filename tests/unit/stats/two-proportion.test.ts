import { describe, expect, it } from 'vitest';
import {
  assessDifference,
  erfc,
  normalCdf,
  twoProportionZTest,
  twoSidedPValue,
  MIN_TRIALS_PER_VARIANT,
} from '../../../src/lib/stats/two-proportion';

/** Φ by composite Simpson integration of the density: slow, but independent of the incomplete-gamma route erfc takes. */
function simpsonLowerTail(x: number): number {
  const from = x - 14;
  const steps = 40_000;
  const h = (x - from) / steps;
  const density = (t: number) => Math.exp(-0.5 * t * t) / Math.sqrt(2 * Math.PI);
  let sum = density(from) + density(x);
  for (let i = 1; i < steps; i++) sum += density(from + i * h) * (i % 2 === 0 ? 2 : 4);
  return (sum * h) / 3;
}

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

describe('normalCdf', () => {
  it('matches published values of Φ to 1e-12 relative accuracy', () => {
    const table: [number, number][] = [
      [0, 0.5],
      [1, 0.8413447460685429],
      [1.96, 0.9750021048517795],
      [2.5, 0.9937903346742238],
      [-3, 0.0013498980316300946],
      [-6, 9.865876450376946e-10],
      [-8, 6.220960574271785e-16],
    ];
    for (const [z, expected] of table) expect(relativeError(normalCdf(z), expected)).toBeLessThan(1e-12);
  });

  it('keeps its relative accuracy in both tails across -8..8 (checked against numerical integration)', () => {
    for (let z = -8; z <= 8; z += 0.25) {
      const lower = simpsonLowerTail(-Math.abs(z));
      const tail = z <= 0 ? normalCdf(z) : 1 - normalCdf(z);
      // The upper tail is taken as erfc directly to avoid 1 - Φ cancellation.
      const direct = 0.5 * erfc(Math.abs(z) / Math.SQRT2);
      expect(relativeError(direct, lower)).toBeLessThan(1e-9);
      if (Math.abs(z) < 5) expect(Math.abs(tail - lower)).toBeLessThan(1e-7);
    }
  });

  it('is symmetric and monotone', () => {
    let previous = 0;
    for (let z = -10; z <= 10; z += 0.01) {
      const value = normalCdf(z);
      expect(value).toBeGreaterThanOrEqual(previous);
      expect(Math.abs(value + normalCdf(-z) - 1)).toBeLessThan(1e-12);
      previous = value;
    }
  });
});

describe('twoProportionZTest', () => {
  it('computes z = 2.5 and p = 0.01242 for 30/200 against 50/200', () => {
    const result = twoProportionZTest({ successes: 30, trials: 200 }, { successes: 50, trials: 200 });
    expect(result).not.toBeNull();
    expect(result!.rateA).toBe(0.15);
    expect(result!.rateB).toBe(0.25);
    expect(result!.pooledRate).toBeCloseTo(0.2, 12);
    expect(result!.standardError).toBeCloseTo(0.04, 12);
    expect(result!.z).toBeCloseTo(2.5, 10);
    expect(relativeError(result!.pValue, 0.012419330651552318)).toBeLessThan(1e-6);
  });

  it('agrees with R prop.test(correct = FALSE): chi-squared 3.125 for 15/100 against 25/100', () => {
    const result = twoProportionZTest({ successes: 15, trials: 100 }, { successes: 25, trials: 100 })!;
    expect(result.z ** 2).toBeCloseTo(3.125, 10);
    expect(result.pValue).toBeCloseTo(0.0771, 4);
  });

  it('is antisymmetric in the order of the variants', () => {
    const ab = twoProportionZTest({ successes: 12, trials: 340 }, { successes: 31, trials: 410 })!;
    const ba = twoProportionZTest({ successes: 31, trials: 410 }, { successes: 12, trials: 340 })!;
    expect(ab.z).toBeCloseTo(-ba.z, 12);
    expect(ab.pValue).toBeCloseTo(ba.pValue, 12);
  });

  it('answers p = 1 when both rates are 0 % (no variance)', () => {
    const result = twoProportionZTest({ successes: 0, trials: 500 }, { successes: 0, trials: 300 })!;
    expect(result.z).toBe(0);
    expect(result.pValue).toBe(1);
  });

  it('refuses samples that are not proportions: no trials, or more successes than trials', () => {
    expect(twoProportionZTest({ successes: 0, trials: 0 }, { successes: 1, trials: 10 })).toBeNull();
    expect(twoProportionZTest({ successes: 12, trials: 10 }, { successes: 1, trials: 10 })).toBeNull();
    expect(twoProportionZTest({ successes: -1, trials: 10 }, { successes: 1, trials: 10 })).toBeNull();
    expect(twoProportionZTest({ successes: 1.5, trials: 10 }, { successes: 1, trials: 10 })).toBeNull();
  });
});

describe('twoSidedPValue', () => {
  it('is 1 at z = 0, 0.05 at z = 1.959964 and tiny but positive far out', () => {
    expect(twoSidedPValue(0)).toBeCloseTo(1, 7);
    expect(twoSidedPValue(1.959963984540054)).toBeCloseTo(0.05, 7);
    expect(twoSidedPValue(-1.959963984540054)).toBeCloseTo(0.05, 7);
    const far = twoSidedPValue(9);
    expect(far).toBeGreaterThan(0);
    expect(relativeError(far, 2.2571768119076845e-19)).toBeLessThan(1e-12);
  });
});

describe('assessDifference', () => {
  it('gives a verdict only when both variants reach the minimum sample', () => {
    const small = assessDifference({ successes: 3, trials: 40 }, { successes: 12, trials: 40 });
    expect(small.verdict).toBe('insufficient_sample');
    expect(small.test).not.toBeNull(); // the p-value is still reported
    expect(small.explanation).toContain(`at least ${MIN_TRIALS_PER_VARIANT} deliveries`);

    const big = assessDifference({ successes: 30, trials: 200 }, { successes: 50, trials: 200 });
    expect(big.verdict).toBe('significant');
    const same = assessDifference({ successes: 30, trials: 200 }, { successes: 33, trials: 200 });
    expect(same.verdict).toBe('not_significant');
  });

  it('withholds a verdict when too few events make the normal approximation unreliable', () => {
    const rare = assessDifference({ successes: 0, trials: 150 }, { successes: 2, trials: 150 });
    expect(rare.verdict).toBe('insufficient_sample');
    expect(rare.explanation).toContain('normal approximation');
  });

  it('respects a stricter (Bonferroni-adjusted) alpha', () => {
    const result = assessDifference({ successes: 60, trials: 200 }, { successes: 80, trials: 200 }, { alpha: 0.025 });
    expect(result.test!.pValue).toBeGreaterThan(0.025);
    expect(result.test!.pValue).toBeLessThan(0.05);
    expect(result.verdict).toBe('not_significant');
  });

  it('calls repeat opens exceeding deliveries "not a proportion" instead of testing them', () => {
    const result = assessDifference({ successes: 250, trials: 200 }, { successes: 80, trials: 200 });
    expect(result.verdict).toBe('not_a_proportion');
    expect(result.test).toBeNull();
  });
});
