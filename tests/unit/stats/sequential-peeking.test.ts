// A/A simulation: hourly peeking must not inflate the sequential test's false positives, while the
// fixed-horizon z-test peeked the same way clearly exceeds alpha.
import { describe, expect, it } from 'vitest';
import { seededUniform } from '../../../bench/lib/verdict-simulation';
import { msprtLook, twoProportionZTest } from '../../../src/lib/stats';

const SIMULATED_TESTS = 1000;
const HOURLY_LOOKS = 72;
const TRIALS_PER_ARM_PER_HOUR = 300;
const TRUE_RATE = 0.2;
const ALPHA = 0.05;

/** Exact Binomial(n, p) draws by inverting the CDF (built once by the pmf recurrence). */
function binomialSampler(n: number, p: number, uniform: () => number): () => number {
  const cdf: number[] = [];
  let pmf = (1 - p) ** n;
  let cumulative = 0;
  for (let k = 0; k <= n; k++) {
    cumulative += pmf;
    cdf.push(cumulative);
    pmf *= ((n - k) / (k + 1)) * (p / (1 - p));
  }
  return () => {
    const u = uniform() * cumulative;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] ?? cumulative) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

interface PeekingOutcome {
  sequentialFalsePositiveRate: number;
  peekedZTestFalsePositiveRate: number;
  finalLookZTestFalsePositiveRate: number;
}

function simulateAaTests(seed: number): PeekingOutcome {
  const draw = binomialSampler(TRIALS_PER_ARM_PER_HOUR, TRUE_RATE, seededUniform(seed));
  let sequentialRejections = 0;
  let peekedZRejections = 0;
  let finalZRejections = 0;
  for (let test = 0; test < SIMULATED_TESTS; test++) {
    const control = { trials: 0, successes: 0 };
    const treatment = { trials: 0, successes: 0 };
    let sequentialRejected = false;
    let zRejected = false;
    let lastZ = 1;
    for (let hour = 0; hour < HOURLY_LOOKS; hour++) {
      control.trials += TRIALS_PER_ARM_PER_HOUR;
      treatment.trials += TRIALS_PER_ARM_PER_HOUR;
      control.successes += draw();
      treatment.successes += draw();
      // The always-valid p-value is the running minimum, so "ever below alpha" is the rejection.
      if (msprtLook({ control, treatment }, ALPHA).pValue < ALPHA) sequentialRejected = true;
      lastZ = twoProportionZTest(control, treatment)?.pValue ?? 1;
      if (lastZ < ALPHA) zRejected = true;
    }
    if (sequentialRejected) sequentialRejections++;
    if (zRejected) peekedZRejections++;
    if (lastZ < ALPHA) finalZRejections++;
  }
  return {
    sequentialFalsePositiveRate: sequentialRejections / SIMULATED_TESTS,
    peekedZTestFalsePositiveRate: peekedZRejections / SIMULATED_TESTS,
    finalLookZTestFalsePositiveRate: finalZRejections / SIMULATED_TESTS,
  };
}

describe('hourly peeking at 1,000 A/A tests (72 looks, 300 trials per arm per hour, true rate 20%)', () => {
  const outcome = simulateAaTests(20_171_123);
  const monteCarloError = Math.sqrt((ALPHA * (1 - ALPHA)) / SIMULATED_TESTS);

  it('keeps the sequential test’s any-time false-positive rate at or below alpha (within 3 Monte Carlo standard errors)', () => {
    console.info('A/A peeking simulation', outcome);
    expect(outcome.sequentialFalsePositiveRate).toBeLessThanOrEqual(ALPHA + 3 * monteCarloError);
  });

  it('shows the fixed-horizon z-test, peeked every hour, exceeding alpha clearly', () => {
    expect(outcome.peekedZTestFalsePositiveRate).toBeGreaterThan(ALPHA + 5 * monteCarloError);
    expect(outcome.peekedZTestFalsePositiveRate).toBeGreaterThan(2 * ALPHA);
  });

  it('keeps the z-test read once at the final look near alpha (the simulation itself is unbiased)', () => {
    expect(Math.abs(outcome.finalLookZTestFalsePositiveRate - ALPHA)).toBeLessThanOrEqual(3 * monteCarloError);
  });
});
