// Two-proportion z-test for A/B variants (click rate, open rate) and the dashboard's verdict on it.
// The normal tail comes from ./normal, computed through the incomplete gamma to double precision.
import { twoSidedPValue } from './normal';

export { erfc, normalCdf, twoSidedPValue } from './normal';

export interface ProportionSample {
  /** Successes, e.g. clicks. */
  successes: number;
  /** Trials, e.g. delivered emails. */
  trials: number;
}

export interface TwoProportionResult {
  rateA: number;
  rateB: number;
  /** rateB − rateA, as a fraction (0.1 = 10 percentage points). */
  difference: number;
  pooledRate: number;
  standardError: number;
  z: number;
  pValue: number;
}

function validSample(sample: ProportionSample): boolean {
  const { successes, trials } = sample;
  return Number.isInteger(successes) && Number.isInteger(trials) && trials > 0 && successes >= 0 && successes <= trials;
}

/**
 * Pooled two-proportion z-test (no continuity correction; the same statistic as R's
 * `prop.test(correct = FALSE)`, whose χ² is z²). Null when either sample is not a proportion:
 * no trials, or more successes than trials (repeat opens and clicks can exceed deliveries).
 */
export function twoProportionZTest(a: ProportionSample, b: ProportionSample): TwoProportionResult | null {
  if (!validSample(a) || !validSample(b)) return null;
  const rateA = a.successes / a.trials;
  const rateB = b.successes / b.trials;
  const pooledRate = (a.successes + b.successes) / (a.trials + b.trials);
  const standardError = Math.sqrt(pooledRate * (1 - pooledRate) * (1 / a.trials + 1 / b.trials));
  // Both rates 0 % or both 100 %: no variance, no evidence of a difference.
  if (standardError === 0) {
    return { rateA, rateB, difference: rateB - rateA, pooledRate, standardError, z: 0, pValue: 1 };
  }
  const z = (rateB - rateA) / standardError;
  return { rateA, rateB, difference: rateB - rateA, pooledRate, standardError, z, pValue: twoSidedPValue(z) };
}

/** Below this many trials per variant the dashboard shows numbers but no verdict. */
export const MIN_TRIALS_PER_VARIANT = 100;
/** The normal approximation needs n·p̂ and n·(1 − p̂) of at least this in each variant. */
export const MIN_EXPECTED_COUNT = 5;
export const DEFAULT_SIGNIFICANCE_LEVEL = 0.05;

export type SignificanceVerdict = 'significant' | 'not_significant' | 'insufficient_sample' | 'not_a_proportion';

export interface SignificanceAssessment {
  verdict: SignificanceVerdict;
  /** Why there is no verdict, or what the verdict means, in one sentence. */
  explanation: string;
  /** The test itself; present whenever it could be computed, even without a verdict. */
  test: TwoProportionResult | null;
  alpha: number;
  a: ProportionSample;
  b: ProportionSample;
}

export interface AssessOptions {
  /** Significance level for the verdict (already Bonferroni-adjusted by the caller if needed). */
  alpha?: number;
  minTrials?: number;
  minExpected?: number;
}

/**
 * The verdict the dashboard shows: only when both variants have enough trials and the normal
 * approximation holds; otherwise the p-value is still reported but marked as not yet decisive.
 */
export function assessDifference(a: ProportionSample, b: ProportionSample, options: AssessOptions = {}): SignificanceAssessment {
  const alpha = options.alpha ?? DEFAULT_SIGNIFICANCE_LEVEL;
  const minTrials = options.minTrials ?? MIN_TRIALS_PER_VARIANT;
  const minExpected = options.minExpected ?? MIN_EXPECTED_COUNT;
  const base = { alpha, a, b };

  if (a.successes > a.trials || b.successes > b.trials) {
    return {
      ...base,
      verdict: 'not_a_proportion',
      explanation:
        'More events than deliveries (repeat opens or clicks are counted), so this rate is not a proportion and cannot be tested.',
      test: null,
    };
  }
  const test = twoProportionZTest(a, b);
  const smallest = Math.min(a.trials, b.trials);
  if (test === null || smallest < minTrials) {
    return {
      ...base,
      verdict: 'insufficient_sample',
      explanation: `Not enough data for a verdict: each variant needs at least ${minTrials} deliveries (smallest has ${smallest}).`,
      test,
    };
  }
  const expected = [a.trials, b.trials].flatMap((n) => [n * test.pooledRate, n * (1 - test.pooledRate)]);
  if (Math.min(...expected) < minExpected) {
    return {
      ...base,
      verdict: 'insufficient_sample',
      explanation: `Not enough data for a verdict: too few events (or non-events) for the normal approximation (need at least ${minExpected} expected in each variant).`,
      test,
    };
  }
  const significant = test.pValue < alpha;
  return {
    ...base,
    verdict: significant ? 'significant' : 'not_significant',
    explanation: significant
      ? `The difference is statistically significant (p < ${alpha}).`
      : `The difference is not statistically significant (p ≥ ${alpha}).`,
    test,
  };
}
