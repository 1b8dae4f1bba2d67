// Always-valid inference for the difference of two proportions: the mixture sequential probability
// ratio test (mSPRT) of Johari, Pekelis & Walsh, "Always valid inference: continuous monitoring of
// A/B tests" (2017, the "peeking at A/B tests" paper), in its two-stream normal approximation.
//
// At each look the difference of rates θ̂ = p̂_t − p̂_c is treated as normal with variance
// V = p̂_t(1−p̂_t)/n_t + p̂_c(1−p̂_c)/n_c, and the likelihood ratio of H₀: θ = 0 is mixed over a normal
// prior θ ~ N(0, τ²):
//   Λ = √(V / (V + τ²)) · exp( θ̂² τ² / (2 V (V + τ²)) ).
// Under H₀, Λ is (asymptotically) a non-negative martingale with mean 1, so by Ville's inequality the
// chance that it ever exceeds 1/α — at any look, however often one looks — is at most α. Hence:
// - the always-valid p-value at look n is min over looks k ≤ n of min(1, 1/Λ_k);
// - the confidence sequence at look n is {θ : Λ_n(θ) < 1/α} =
//   θ̂ ± √( V (V + τ²) / τ² · (ln((V + τ²)/V) − 2 ln α) ), intersected over the looks seen.
// The p-value tests θ = 0, so the decision uses the variance under that null: the pooled
// V₀ = p̄(1−p̄)(1/n_c + 1/n_t) (`pooledPValue`), as the z-test does. The unpooled V is right for the
// confidence sequence (it covers every θ, not only 0) but under H₀ it is too small whenever one arm
// is small or near 0 %: 0 of 5 against 500 of 10,000 gives V ≈ 1.6e-5 and p ≈ 2e-96.
// When the caller passes only the current totals (no history), min(1, 1/Λ) at that look is still a
// valid p-value for that look, and the interval is still a valid (1 − α) interval, but they are no
// longer the running minimum / intersection, so they can rise / widen again between looks; pass the
// history to get monotone, always-valid reporting.
//
// Mixing variance: τ = ρ · p̄, where p̄ = (x_c + x_t + 1)/(n_c + n_t + 2) is the smoothed pooled rate
// and ρ = 0.1 by default, i.e. the test is tuned for relative lifts of about 10 %, the size of lift
// email and social tests typically look for. p̄ converges to the common rate under H₀, so this is
// asymptotically the fixed-τ mSPRT; the +1/+2 keeps τ positive when no successes are seen yet.
import type { Interval } from './lift';
import { logRatioVariance } from './lift';
import type { ProportionSample } from './two-proportion';

/** Default ρ: the mixing standard deviation, as a fraction of the pooled rate (10 % relative lift). */
export const DEFAULT_MIXING_RELATIVE_SD = 0.1;

export interface SequentialLook {
  control: ProportionSample;
  treatment: ProportionSample;
}

/** ln Λ of the normal-mixture SPRT for a normal estimate with known variance. */
export function normalMixtureLogLikelihoodRatio(estimate: number, variance: number, mixingVariance: number, nullValue = 0): number {
  const total = variance + mixingVariance;
  const deviation = estimate - nullValue;
  return 0.5 * Math.log(variance / total) + (deviation * deviation * mixingVariance) / (2 * variance * total);
}

/** Half-width of the normal-mixture confidence sequence {θ : Λ(θ) < 1/α} at one look. */
export function normalMixtureHalfWidth(variance: number, mixingVariance: number, alpha: number): number {
  const total = variance + mixingVariance;
  return Math.sqrt(((variance * total) / mixingVariance) * (Math.log(total / variance) - 2 * Math.log(alpha)));
}

function smoothedRate({ successes, trials }: ProportionSample): number {
  return (successes + 1) / (trials + 2);
}

/**
 * Plug-in variance of p̂_t − p̂_c. When both observed rates are 0 % or 100 % it is zero, which would
 * make Λ undefined; the Laplace-smoothed rates (x + 1)/(n + 2) then stand in.
 */
export function differenceVariance(control: ProportionSample, treatment: ProportionSample): number {
  const unpooled = (p: number, n: number) => (p * (1 - p)) / n;
  const observed =
    unpooled(control.successes / control.trials, control.trials) + unpooled(treatment.successes / treatment.trials, treatment.trials);
  if (observed > 0) return observed;
  return unpooled(smoothedRate(control), control.trials) + unpooled(smoothedRate(treatment), treatment.trials);
}

/** τ² for the difference of rates: (ρ · p̄)² with p̄ the smoothed pooled rate. */
export function mixingVarianceForDifference(control: ProportionSample, treatment: ProportionSample, relativeSd: number): number {
  const pooled = (control.successes + treatment.successes + 1) / (control.trials + treatment.trials + 2);
  return (relativeSd * pooled) ** 2;
}

/** Variance of p̂_t − p̂_c under H₀ (one common rate): p̄(1−p̄)(1/n_c + 1/n_t), p̄ the pooled rate. */
export function pooledDifferenceVariance(control: ProportionSample, treatment: ProportionSample): number {
  const pooled = (control.successes + treatment.successes) / (control.trials + treatment.trials);
  return pooled * (1 - pooled) * (1 / control.trials + 1 / treatment.trials);
}

export interface SequentialLookResult {
  /** p̂_t − p̂_c at this look. */
  difference: number;
  variance: number;
  mixingVariance: number;
  logLikelihoodRatio: number;
  /** min(1, 1/Λ) at this look alone, Λ with the plug-in (unpooled) variance. */
  pValue: number;
  /** ln Λ with the variance under the null (pooled); 0 when both arms are at 0 % or 100 %. */
  pooledLogLikelihoodRatio: number;
  /** min(1, 1/Λ₀): the p-value the decision uses. */
  pooledPValue: number;
  /** Confidence sequence for the absolute lift at this look alone. */
  absoluteLift: Interval;
  /** Confidence sequence for the relative lift (mSPRT on ln(p_t/p_c), τ = ρ); null without successes in both arms. */
  relativeLift: Interval | null;
}

/** The mSPRT at one look. Both arms must have trials. */
export function msprtLook(look: SequentialLook, alpha: number, relativeSd: number = DEFAULT_MIXING_RELATIVE_SD): SequentialLookResult {
  const { control, treatment } = look;
  const difference = treatment.successes / treatment.trials - control.successes / control.trials;
  const variance = differenceVariance(control, treatment);
  const mixingVariance = mixingVarianceForDifference(control, treatment, relativeSd);
  const logLikelihoodRatio = normalMixtureLogLikelihoodRatio(difference, variance, mixingVariance);
  const halfWidth = normalMixtureHalfWidth(variance, mixingVariance, alpha);
  const level = 1 - alpha;
  const nullVariance = pooledDifferenceVariance(control, treatment);
  // No variance under H₀ (both arms at 0 % or both at 100 %): identical rates, no evidence.
  const pooledLogLikelihoodRatio = nullVariance > 0 ? normalMixtureLogLikelihoodRatio(difference, nullVariance, mixingVariance) : 0;

  // The relative lift gets its own mixture on the log-ratio scale, where ρ is directly the prior
  // standard deviation of ln(p_t/p_c) (≈ the relative lift for small lifts).
  const logVariance = logRatioVariance(control, treatment);
  let relativeLift: Interval | null = null;
  if (logVariance !== null && logVariance > 0) {
    const logRatio = Math.log(treatment.successes / treatment.trials / (control.successes / control.trials));
    const logHalfWidth = normalMixtureHalfWidth(logVariance, relativeSd ** 2, alpha);
    relativeLift = {
      estimate: Math.expm1(logRatio),
      lower: Math.expm1(logRatio - logHalfWidth),
      upper: Math.expm1(logRatio + logHalfWidth),
      level,
    };
  }

  return {
    difference,
    variance,
    mixingVariance,
    logLikelihoodRatio,
    pValue: Math.min(1, Math.exp(-logLikelihoodRatio)),
    pooledLogLikelihoodRatio,
    pooledPValue: Math.min(1, Math.exp(-pooledLogLikelihoodRatio)),
    absoluteLift: { estimate: difference, lower: difference - halfWidth, upper: difference + halfWidth, level },
    relativeLift,
  };
}

export interface SequentialEvidence {
  /** Running minimum of the pooled min(1, 1/Λ₀) over the looks: always valid. */
  pValue: number;
  /**
   * The confidence sequence for the absolute lift intersected over the looks (the current look's
   * own when the intersection emptied). Its estimate is the current difference, moved to the
   * nearest end when the intersection excludes it, so the estimate shown is inside the range shown.
   */
  absoluteLift: Interval;
  /**
   * The same range relative to the control's current rate (absolute ÷ p̂_c), so the relative
   * reading always agrees with the absolute one; null when the control has no successes.
   */
  relativeLift: Interval | null;
  /** p̂_t − p̂_c at the current look, as observed. */
  observedDifference: number;
  /** The intersection emptied at some look: the effect is not constant (each look is still valid). */
  effectChangedOverTime: boolean;
  /** The intersection is not empty but excludes the current difference. */
  estimateOutsideInterval: boolean;
  looks: number;
}

/**
 * Always-valid evidence over a sequence of looks (cumulative counts, oldest first, each arm with
 * trials; leave out the looks that do not pass ./look-sufficiency): the running-minimum p-value and
 * the running intersection of the confidence sequences. Null when there is no look.
 */
export function sequentialEvidence(
  looks: readonly SequentialLook[],
  alpha: number,
  relativeSd: number = DEFAULT_MIXING_RELATIVE_SD,
): SequentialEvidence | null {
  let pValue = 1;
  let lower = -Infinity;
  let upper = Infinity;
  let effectChangedOverTime = false;
  let latest: SequentialLookResult | null = null;
  let latestLook: SequentialLook | null = null;
  let counted = 0;
  for (const look of looks) {
    if (!(look.control.trials > 0) || !(look.treatment.trials > 0)) continue;
    latest = msprtLook(look, alpha, relativeSd);
    latestLook = look;
    counted++;
    pValue = Math.min(pValue, latest.pooledPValue);
    lower = Math.max(lower, latest.absoluteLift.lower);
    upper = Math.min(upper, latest.absoluteLift.upper);
    // Under a constant effect this happens with probability at most α; say so rather than hide it.
    if (lower > upper) effectChangedOverTime = true;
  }
  if (latest === null || latestLook === null) return null;
  const range = effectChangedOverTime ? latest.absoluteLift : { ...latest.absoluteLift, lower, upper };
  const observed = latest.difference;
  const estimate = Math.min(range.upper, Math.max(range.lower, observed));
  const absoluteLift = { ...range, estimate };
  const controlRate = latestLook.control.successes / latestLook.control.trials;
  const relativeLift =
    controlRate > 0
      ? {
          estimate: estimate / controlRate,
          lower: absoluteLift.lower / controlRate,
          upper: absoluteLift.upper / controlRate,
          level: absoluteLift.level,
        }
      : null;
  return {
    pValue,
    absoluteLift,
    relativeLift,
    observedDifference: observed,
    effectChangedOverTime,
    estimateOutsideInterval: !effectChangedOverTime && estimate !== observed,
    looks: counted,
  };
}
