// Special functions the tests need, accurate to near double precision: log-gamma, the regularized
// incomplete gamma (chi-square and normal tails) and the regularized incomplete beta (Beta posteriors).
// Algorithms: Lanczos log-gamma and the series / continued fractions of Numerical Recipes (3rd ed.,
// §6.1–6.4), with the relative tolerance tightened to a few ulps.

const RELATIVE_TOLERANCE = 1e-15;
const TINY = 1e-300;

// Lanczos coefficients for g = 7, n = 9 (relative error about 1e-15 for x > 0).
const LANCZOS_G = 7;
const LANCZOS_CONSTANT = 0.99999999999980993;
const LANCZOS_TERMS = [
  676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const shifted = x - 1;
  const series = LANCZOS_TERMS.reduce((sum, c, i) => sum + c / (shifted + i + 1), LANCZOS_CONSTANT);
  const t = shifted + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (shifted + 0.5) * Math.log(t) - t + Math.log(series);
}

/** Stirling's series remainder ln Γ(x) − [(x − ½) ln x − x + ½ ln 2π], accurate to 1e-16 for x ≥ 10. */
function stirlingCorrection(x: number): number {
  const inverseSquare = 1 / (x * x);
  const series = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360];
  return series.reduceRight((sum, c) => sum * inverseSquare + c, 0) / x;
}

/**
 * ln B(a, b). For large arguments ln Γ(a) + ln Γ(b) − ln Γ(a + b) would cancel terms of size
 * a·ln a (2.7e7 at two million), losing eight digits; there the Stirling forms below (as in R's
 * `lbeta`) keep the cancellation analytic.
 */
export function logBeta(a: number, b: number): number {
  const small = Math.min(a, b);
  const large = Math.max(a, b);
  if (large < 10) return logGamma(a) + logGamma(b) - logGamma(a + b);
  if (small < 10) {
    // ln Γ(large + small) − ln Γ(large) in Stirling form, so the two large terms cancel analytically.
    const logGammaRatio =
      (large - 0.5) * Math.log1p(small / large) +
      small * Math.log(small + large) -
      small +
      stirlingCorrection(small + large) -
      stirlingCorrection(large);
    return logGamma(small) - logGammaRatio;
  }
  const share = small / (small + large);
  const correction = stirlingCorrection(small) + stirlingCorrection(large) - stirlingCorrection(small + large);
  return -0.5 * Math.log(large) + HALF_LOG_TWO_PI + correction + (small - 0.5) * Math.log(share) + large * Math.log1p(-share);
}

function maxIterationsFor(a: number): number {
  // Both expansions converge in O(√a) terms; the floor covers small arguments.
  return 1000 + Math.ceil(20 * Math.sqrt(a));
}

/** P(a, x) by its power series; converges quickly for x < a + 1. */
function lowerGammaSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  const limit = maxIterationsFor(a + x);
  for (let n = 1; n < limit; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * RELATIVE_TOLERANCE) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
}

/** Q(a, x) by its continued fraction (modified Lentz); converges quickly for x ≥ a + 1. */
function upperGammaContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  const limit = maxIterationsFor(a + x);
  for (let i = 1; i < limit; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < RELATIVE_TOLERANCE) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
}

/** Regularized lower incomplete gamma P(a, x) = γ(a, x) / Γ(a). */
export function regularizedGammaP(a: number, x: number): number {
  if (!(a > 0) || Number.isNaN(x) || x < 0) return Number.NaN;
  if (x === 0) return 0;
  if (x === Infinity) return 1;
  return x < a + 1 ? lowerGammaSeries(a, x) : 1 - upperGammaContinuedFraction(a, x);
}

/**
 * Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a). In the upper tail it is computed
 * directly (not as 1 − P), so tiny survival probabilities keep their relative accuracy.
 */
export function regularizedGammaQ(a: number, x: number): number {
  if (!(a > 0) || Number.isNaN(x) || x < 0) return Number.NaN;
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  return x < a + 1 ? 1 - lowerGammaSeries(a, x) : upperGammaContinuedFraction(a, x);
}

/** Continued fraction of the incomplete beta (modified Lentz); converges for x < (a + 1)/(a + b + 2). */
function incompleteBetaContinuedFraction(x: number, a: number, b: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  const limit = maxIterationsFor(Math.max(a, b));
  for (let m = 1; m < limit; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < RELATIVE_TOLERANCE) break;
  }
  return h;
}

/** ln(x^a (1 − x)^b / B(a, b)), the prefactor shared by the incomplete beta and its recurrences. */
export function logBetaKernel(x: number, a: number, b: number): number {
  return a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b);
}

/**
 * Regularized incomplete beta I_x(a, b), i.e. the CDF of Beta(a, b) at x. Accurate for shape
 * parameters in the millions (the continued fraction needs O(√max(a, b)) terms).
 */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0) || Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logBetaKernel(x, a, b));
  // The continued fraction converges fast on this side of the mean; use the symmetry on the other.
  if (x < (a + 1) / (a + b + 2)) return (front * incompleteBetaContinuedFraction(x, a, b)) / a;
  return 1 - (front * incompleteBetaContinuedFraction(1 - x, b, a)) / b;
}
