// The contract of a decision method (sequential, fixed horizon, Bayesian): from the control and
// the challengers it measures each comparison, reads a direction where its evidence allows one, and
// says what its reading needs said with it. Everything else (sufficiency, split, guardrails,
// equivalence, the verdict) is shared by ../decide-ab-test, so a method is only its statistics.
import type { AbTestMethod } from '../ab-test-input';
import { compareBetaPosteriors } from '../bayesian';
import type { DecisionFlag, LiftInterval, MeasuredComparison } from '../decision-types';
import { absoluteLiftInterval } from '../lift';
import { holmAdjust } from '../multiple-testing';
import type { DecisionReason } from '../reasons';
import { sample, type Variant } from '../variant-looks';

export interface MethodInput {
  control: Variant;
  challengers: readonly Variant[];
  alpha: number;
  /** alpha / number of challengers: the level every range is computed at. */
  intervalAlpha: number;
  /** Indexes of the looks every variant has enough data at (see ../variant-looks). */
  countedLooks: ReadonlySet<number>;
  /** ρ of the mSPRT mixing distribution. */
  mixingRelativeSd: number;
  plannedTrialsPerVariant: number | undefined;
}

/** One challenger as the method reads it. */
export interface MethodReading {
  measured: MeasuredComparison;
  /** The method's p-value, Holm-adjusted across the challengers; null for methods without one. */
  pValue: number | null;
  /** The direction the method's evidence establishes, or null when it establishes none. */
  direction: 'better' | 'worse' | null;
}

export interface MethodResult {
  /** Per challenger, in order; null when the counts give no range (no trials). */
  readings: (MethodReading | null)[];
  /** What the reading needs said with it, after the shared reasons. */
  notes: DecisionReason[];
  flags: DecisionFlag[];
  /** Why the test must keep running before this method may be read; null to read it now. */
  wait: DecisionReason | null;
}

export interface DecisionMethod {
  id: AbTestMethod;
  evaluate(input: MethodInput): MethodResult;
}

export function relativeTo(interval: LiftInterval, controlRate: number): LiftInterval | null {
  if (!(controlRate > 0)) return null;
  return {
    ...interval,
    estimate: interval.estimate / controlRate,
    lower: interval.lower / controlRate,
    upper: interval.upper / controlRate,
  };
}

export function controlRateOf(control: Variant): number {
  return control.successes / control.trials;
}

/** The chance to beat control and the expected loss, reported by every method. */
export function posteriorOf(control: Variant, variant: Variant) {
  return compareBetaPosteriors(sample(control), sample(variant));
}

/** The one-look comparison (Wald interval at the current totals); null without trials. */
export function oneLookMeasurement(
  control: Variant,
  variant: Variant,
  intervalAlpha: number,
  unadjustedPValue: number | null,
): MeasuredComparison | null {
  const { chanceToBeatControl, expectedLoss } = posteriorOf(control, variant);
  const absolute = absoluteLiftInterval(sample(control), sample(variant), intervalAlpha);
  if (!absolute) return null;
  const absoluteLift: LiftInterval = { ...absolute, kind: 'confidence_interval' };
  return {
    absoluteLift,
    relativeLift: relativeTo(absoluteLift, controlRateOf(control)),
    observedDifference: absolute.estimate,
    unadjustedPValue,
    chanceToBeatControl,
    expectedLoss,
    flags: [],
    looks: 1,
  };
}

/**
 * The direction the range supports, if the latest estimate is on the same side. An estimate
 * beyond the range's far end (flagged) still agrees; a range that emptied gives no direction.
 */
export function rangeDirection(measured: MeasuredComparison): 'better' | 'worse' | null {
  if (measured.flags.includes('effect_changed_over_time')) return null;
  const { lower, upper } = measured.absoluteLift;
  if (lower > 0 && measured.observedDifference > 0) return 'better';
  if (upper < 0 && measured.observedDifference < 0) return 'worse';
  return null;
}

/**
 * Frequentist readings: p-values Holm-adjusted across the challengers (one without a range counts
 * as p = 1), and a direction only where the range gives one and the adjusted p-value is below alpha.
 */
export function significanceReadings(measured: readonly (MeasuredComparison | null)[], alpha: number): (MethodReading | null)[] {
  const adjusted = holmAdjust(measured.map((m) => m?.unadjustedPValue ?? 1));
  return measured.map((m, i) => {
    if (!m) return null;
    const pValue = m.unadjustedPValue !== null ? (adjusted[i] ?? null) : null;
    const direction = rangeDirection(m);
    return { measured: m, pValue, direction: direction !== null && pValue !== null && pValue < alpha ? direction : null };
  });
}
