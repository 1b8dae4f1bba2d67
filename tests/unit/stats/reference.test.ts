// The engine against independent implementations (scipy / statsmodels / numpy), whose values
// tests/fixtures/stats/generate.py writes to reference.json.
import { describe, expect, it } from 'vitest';
import {
  absoluteLiftInterval,
  chiSquareSurvival,
  compareBetaPosteriors,
  fisherExactGreater,
  holmAdjust,
  msprtLook,
  normalCdf,
  normalQuantile,
  relativeLiftInterval,
  sampleRatioMismatch,
  sequentialEvidence,
  twoProportionZTest,
} from '../../../src/lib/stats';
import { regularizedBeta } from '../../../src/lib/stats/special-functions';
import reference from '../../fixtures/stats/reference.json';

type Pair = readonly number[];

function samples(pair: Pair) {
  const [controlSuccesses = 0, controlTrials = 0, treatmentSuccesses = 0, treatmentTrials = 0] = pair;
  return {
    control: { successes: controlSuccesses, trials: controlTrials },
    treatment: { successes: treatmentSuccesses, trials: treatmentTrials },
  };
}

function expectRelativelyClose(actual: number, expected: number, tolerance: number): void {
  if (expected === 0) expect(Math.abs(actual)).toBeLessThan(tolerance);
  else expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(tolerance);
}

function expectIntervalClose(
  actual: { estimate?: number; lower: number; upper: number } | null,
  expected: { estimate?: number; lower: number; upper: number },
  tolerance: number,
): void {
  expect(actual).not.toBeNull();
  if (expected.estimate !== undefined) expect(Math.abs(actual!.estimate! - expected.estimate)).toBeLessThan(tolerance);
  expect(Math.abs(actual!.lower - expected.lower)).toBeLessThan(tolerance);
  expect(Math.abs(actual!.upper - expected.upper)).toBeLessThan(tolerance);
}

describe('reference values were produced by the committed generator', () => {
  it('records the command and the library versions', () => {
    expect(reference.generatedBy).toBe('/usr/bin/python3 tests/fixtures/stats/generate.py');
    expect(Object.keys(reference.versions).sort()).toEqual(['numpy', 'python', 'scipy', 'statsmodels']);
  });
});

describe('special functions match scipy', () => {
  it('normal CDF to 1e-12 relative, down to 1e-300 in the lower tail', () => {
    // Near z = −37 rounding z²/2 alone costs z²·ε ≈ 1.5e-13 relative, in any implementation.
    for (const { z, cdf } of reference.normalCdf) expectRelativelyClose(normalCdf(z), cdf, 1e-12);
  });

  it('normal quantile to 1e-12 relative, from p = 1e-300 to 0.9999', () => {
    for (const { p, quantile } of reference.normalQuantile) {
      if (quantile === 0) expect(Math.abs(normalQuantile(p))).toBeLessThan(1e-15);
      else expectRelativelyClose(normalQuantile(p), quantile, 1e-12);
    }
  });

  it('chi-square survival to 1e-12 relative, including p-values far below 1e-40', () => {
    for (const { x, df, survival } of reference.chiSquareSurvival) expectRelativelyClose(chiSquareSurvival(x, df), survival, 1e-12);
  });

  it('regularized incomplete beta to 1e-11 relative, with shape parameters in the millions', () => {
    for (const { x, a, b, value } of reference.regularizedBeta) expectRelativelyClose(regularizedBeta(x, a, b), value, 1e-11);
  });
});

describe('fixed-horizon statistics match statsmodels', () => {
  it('pooled two-proportion z statistic and two-sided p-value (proportions_ztest)', () => {
    for (const { pair, z, pValue } of reference.zTest) {
      const { control, treatment } = samples(pair);
      const result = twoProportionZTest(control, treatment)!;
      expectRelativelyClose(result.z, z, 1e-12);
      expectRelativelyClose(result.pValue, pValue, 1e-10);
    }
  });

  it('unpooled Wald interval for the absolute lift and log-ratio interval for the relative lift (confint_proportions_2indep)', () => {
    for (const { pair, alpha, absolute, relative } of reference.intervals) {
      const { control, treatment } = samples(pair);
      expectIntervalClose(absoluteLiftInterval(control, treatment, alpha), absolute, 1e-12);
      expectIntervalClose(relativeLiftInterval(control, treatment, alpha), relative, 1e-11);
    }
  });

  it('SRM chi-square statistic and p-value with normalised weights (scipy.stats.chisquare)', () => {
    for (const { sends, weights, chiSquare, pValue } of reference.sampleRatioMismatch) {
      const srm = sampleRatioMismatch(sends, weights)!;
      expectRelativelyClose(srm.chiSquare, chiSquare, 1e-12);
      expectRelativelyClose(srm.pValue, pValue, 1e-10);
      expect(srm.mismatch).toBe(pValue < 0.001);
    }
  });

  it('Holm-adjusted p-values (multipletests method="holm")', () => {
    for (const { pValues, adjusted } of reference.holm) {
      holmAdjust(pValues).forEach((value, i) => expect(value).toBeCloseTo(adjusted[i]!, 14));
    }
  });

  it('one-sided Fisher exact p-values for guardrails (fisher_exact alternative="greater")', () => {
    for (const { case: counts, pValue } of reference.fisherGreater) {
      const [events1 = 0, trials1 = 0, events2 = 0, trials2 = 0] = counts;
      expectRelativelyClose(fisherExactGreater(events1, trials1, events2, trials2), pValue, 1e-9);
    }
  });
});

describe('Bayesian chance to beat control and expected loss match scipy quadrature', () => {
  it('agree to 1e-10 absolute, including two million trials per arm and zero successes', () => {
    for (const entry of reference.bayesian) {
      const { control, treatment } = samples(entry.pair);
      const result = compareBetaPosteriors(control, treatment);
      expect(Math.abs(result.chanceToBeatControl - entry.chanceToBeatControl)).toBeLessThan(1e-10);
      expect(Math.abs(result.expectedLoss - entry.expectedLoss)).toBeLessThan(1e-10);
      // The closed-form sum (small counts) is a second, exact check of the chance to beat control.
      if ('exactChanceToBeatControl' in entry && entry.exactChanceToBeatControl !== undefined) {
        expect(Math.abs(result.chanceToBeatControl - entry.exactChanceToBeatControl)).toBeLessThan(1e-9);
      }
    }
  });
});

describe('mSPRT matches a direct numpy transcription of the mixture likelihood ratio', () => {
  it('log-likelihood ratios (plug-in and pooled variance), p-values and both confidence sequences at a single look', () => {
    for (const entry of reference.msprtLook) {
      const look = msprtLook(samples(entry.pair), entry.alpha, entry.rho);
      expectRelativelyClose(look.logLikelihoodRatio, entry.logLikelihoodRatio, 1e-10);
      expectRelativelyClose(look.pValue, entry.pValue, 1e-10);
      expectRelativelyClose(look.pooledLogLikelihoodRatio, entry.pooledLogLikelihoodRatio, 1e-10);
      expectRelativelyClose(look.pooledPValue, entry.pooledPValue, 1e-10);
      expectIntervalClose(look.absoluteLift, entry.absolute, 1e-12);
      expectIntervalClose(look.relativeLift, entry.relative, 1e-11);
    }
  });

  it('running-minimum pooled p-value and intersected confidence sequence over 36 hourly looks', () => {
    const { looks, alpha, rho, pValue, absolute } = reference.msprtHistory;
    const evidence = sequentialEvidence(
      looks.map((look) => samples(look)),
      alpha,
      rho,
    )!;
    expect(evidence.looks).toBe(looks.length);
    expectRelativelyClose(evidence.pValue, pValue, 1e-10);
    expectIntervalClose(evidence.absoluteLift, absolute, 1e-12);
  });
});
