// The standard normal distribution: tails and quantiles, accurate to near double precision.
import { regularizedGammaP, regularizedGammaQ } from './special-functions';

/**
 * Complementary error function. erfc(x) = Q(½, x²) for x ≥ 0, so the upper tail keeps its full
 * relative accuracy (p-values of 1e-15 and below are exact to a few ulps).
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const squared = x * x;
  return x >= 0 ? regularizedGammaQ(0.5, squared) : 1 + regularizedGammaP(0.5, squared);
}

/** Standard normal CDF Φ(z) = erfc(−z/√2)/2; full relative accuracy in the lower tail. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Two-sided p-value of a standard normal statistic: 2·(1 − Φ(|z|)), computed in the tail. */
export function twoSidedPValue(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
}

/** One-sided p-value of a standard normal statistic for the alternative "larger": 1 − Φ(z). */
export function upperTailPValue(z: number): number {
  return normalCdf(-z);
}

// Acklam's rational approximation (relative error 1.15e-9), refined below by one Halley step.
// Coefficients are listed highest power first; the denominators' constant term is 1.
const CENTRAL_NUMERATOR = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239,
];
const CENTRAL_DENOMINATOR = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1, 1];
const TAIL_NUMERATOR = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783,
];
const TAIL_DENOMINATOR = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416, 1];
const LOWER_BREAK = 0.02425;

/** Horner evaluation, coefficients highest power first. */
function polynomial(coefficients: readonly number[], x: number): number {
  return coefficients.reduce((sum, c) => sum * x + c, 0);
}

function acklamQuantile(p: number): number {
  if (p < LOWER_BREAK) {
    const q = Math.sqrt(-2 * Math.log(p));
    return polynomial(TAIL_NUMERATOR, q) / polynomial(TAIL_DENOMINATOR, q);
  }
  if (p > 1 - LOWER_BREAK) return -acklamQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (polynomial(CENTRAL_NUMERATOR, r) * q) / polynomial(CENTRAL_DENOMINATOR, r);
}

/** Φ⁻¹(p), the standard normal quantile, for 0 < p < 1 (±Infinity at 0 and 1). */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return Number.NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  // Refine in the smaller tail so the residual is not lost to cancellation near 1.
  if (p > 0.5) return -normalQuantile(1 - p);
  const x = acklamQuantile(p);
  const residual = normalCdf(x) - p;
  const u = residual * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** The two-sided critical value z with P(|Z| > z) = alpha, e.g. 1.959964 for alpha = 0.05. */
export function twoSidedCriticalValue(alpha: number): number {
  return -normalQuantile(alpha / 2);
}
