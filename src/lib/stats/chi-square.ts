// Chi-square goodness of fit, used to detect a sample ratio mismatch (SRM) between variants.
import { regularizedGammaQ } from './special-functions';

/** P(X > x) for X ~ χ²(df): Q(df/2, x/2), accurate far into the tail. */
export function chiSquareSurvival(x: number, degreesOfFreedom: number): number {
  if (!(degreesOfFreedom > 0) || Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  return regularizedGammaQ(degreesOfFreedom / 2, x / 2);
}

/** An SRM is flagged below this p-value: strict, because a false alarm withholds every verdict. */
export const SRM_P_VALUE_THRESHOLD = 0.001;

export interface SampleRatioMismatch {
  /** χ² statistic of the observed sends against the registered split. */
  chiSquare: number;
  degreesOfFreedom: number;
  pValue: number;
  /** True when pValue < threshold: the split is broken and no verdict should be read. */
  mismatch: boolean;
  threshold: number;
  /** Sends expected in each variant under the registered weights (same order as the input). */
  expectedSends: number[];
  /** Registered weights normalised to sum to 1 (same order as the input). */
  expectedShares: number[];
}

/**
 * Pearson χ² goodness-of-fit of sends per variant against the registered weights (normalised to
 * shares), with k − 1 degrees of freedom. Null when it cannot be computed: fewer than two variants,
 * no sends at all, or a weight that is not positive and finite.
 */
export function sampleRatioMismatch(
  sends: readonly number[],
  weights: readonly number[],
  threshold: number = SRM_P_VALUE_THRESHOLD,
): SampleRatioMismatch | null {
  if (sends.length < 2 || sends.length !== weights.length) return null;
  if (weights.some((w) => !(w > 0) || !Number.isFinite(w))) return null;
  const totalSends = sends.reduce((sum, n) => sum + n, 0);
  if (!(totalSends > 0)) return null;
  const totalWeight = weights.reduce((sum, w) => sum + w, 0);
  const expectedShares = weights.map((w) => w / totalWeight);
  const expectedSends = expectedShares.map((share) => share * totalSends);
  const chiSquare = expectedSends.reduce((sum, expected, i) => sum + ((sends[i] ?? 0) - expected) ** 2 / expected, 0);
  const degreesOfFreedom = sends.length - 1;
  const pValue = chiSquareSurvival(chiSquare, degreesOfFreedom);
  return { chiSquare, degreesOfFreedom, pValue, mismatch: pValue < threshold, threshold, expectedSends, expectedShares };
}
