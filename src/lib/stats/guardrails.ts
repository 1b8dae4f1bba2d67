// Guardrail metrics (spam complaints, unsubscribes, bounces): a variant is flagged when its rate is
// credibly *higher* than the control's, tested at every look without the false alarms that
// re-running a fixed test hourly gives (a one-sided Fisher test at 0.05 repeated over 72 looks
// flagged about half of A/A tests). The test is the same always-valid mSPRT as the primary metric
// (./sequential), on the difference of guardrail rates: a flag needs the running-minimum p-value
// below the level and the intersected confidence sequence wholly above 0. Looks count only when
// they pass ./look-sufficiency (100 deliveries and 5 expected events per arm: complaints near
// 0.1 % are too rare for the normal approximation before that). The level is the whole test's
// false-alarm budget, split evenly (Bonferroni) over every metric × variant checked.
// fisherExactGreater stays exported for one-off exact checks of rare counts.
import { lookSufficiency } from './look-sufficiency';
import type { Interval } from './lift';
import { sequentialEvidence, type SequentialLook } from './sequential';
import { logBeta } from './special-functions';

export const GUARDRAIL_METRICS = ['complaint_rate', 'unsubscribe_rate', 'bounce_rate'] as const;
export type GuardrailMetric = (typeof GUARDRAIL_METRICS)[number];
export const DEFAULT_GUARDRAIL_LEVEL = 0.05;

const TAIL_TOLERANCE = 1e-17;

/** ln C(n, k) = −ln(n + 1) − ln B(k + 1, n − k + 1), accurate for n in the millions. */
function logChoose(n: number, k: number): number {
  return -Math.log(n + 1) - logBeta(k + 1, n - k + 1);
}

/**
 * One-sided Fisher exact test that group 1's rate exceeds group 2's: P(X ≥ x₁) for X hypergeometric
 * with the margins fixed (total events x₁ + x₂ among n₁ + n₂, n₁ drawn). The smaller tail is summed
 * from its end nearest the mode outwards, so terms shrink and the sum keeps its relative accuracy.
 */
export function fisherExactGreater(events1: number, trials1: number, events2: number, trials2: number): number {
  const population = trials1 + trials2;
  const totalEvents = events1 + events2;
  const nonEvents = population - totalEvents;
  const lowest = Math.max(0, trials1 - nonEvents);
  const highest = Math.min(totalEvents, trials1);
  if (events1 <= lowest) return 1;
  const logPmf = (k: number) => logChoose(totalEvents, k) + logChoose(nonEvents, trials1 - k) - logChoose(population, trials1);
  const mode = Math.floor(((trials1 + 1) * (totalEvents + 1)) / (population + 2));

  if (events1 > mode) {
    // Upper tail from x₁ upwards: the terms decrease.
    let term = Math.exp(logPmf(events1));
    let sum = term;
    for (let k = events1; k < highest && term > sum * TAIL_TOLERANCE; k++) {
      term *= ((totalEvents - k) * (trials1 - k)) / ((k + 1) * (nonEvents - trials1 + k + 1));
      sum += term;
    }
    return Math.min(1, sum);
  }
  // x₁ at or below the mode: 1 − P(X ≤ x₁ − 1), the lower tail summed downwards.
  let k = events1 - 1;
  let term = Math.exp(logPmf(k));
  let sum = term;
  for (; k > lowest && term > sum * TAIL_TOLERANCE; k--) {
    term *= (k * (nonEvents - trials1 + k)) / ((totalEvents - k + 1) * (trials1 - k + 1));
    sum += term;
  }
  return Math.min(1, Math.max(0, 1 - sum));
}

export interface GuardrailCounts {
  events: number;
  /** Deliveries (complaints, unsubscribes) or sends (bounces). */
  denominator: number;
}

/**
 * ρ of the guardrails' mixing distribution: tuned for relative increases of about 50 %, the size
 * of harm worth stopping a test for (a 10 % rise of a 0.1 % complaint rate is noise for weeks).
 */
export const GUARDRAIL_MIXING_RELATIVE_SD = 0.5;

export interface GuardrailLook {
  control: GuardrailCounts;
  variant: GuardrailCounts;
}

export interface GuardrailCheck {
  metric: GuardrailMetric;
  controlRate: number;
  variantRate: number;
  /** Always-valid p-value (running minimum over the looks that count) for "the rates differ". */
  pValue: number;
  /** Variant rate − control rate: the intersected confidence sequence at level 1 − `level`. */
  interval: Interval;
  /** True when pValue < level and the interval lies wholly above 0: the variant is worse on this guardrail. */
  flagged: boolean;
  /** The level this check used: the guardrail budget divided by the number of checks. */
  level: number;
  /** Looks that passed the sufficiency check and entered the test. */
  looks: number;
}

function asSample(counts: GuardrailCounts) {
  return { successes: counts.events, trials: counts.denominator };
}

/**
 * One guardrail for one variant against the control over its looks (cumulative, oldest first,
 * the current one last). Null when no look has enough data yet.
 */
export function checkGuardrail(
  metric: GuardrailMetric,
  looks: readonly GuardrailLook[],
  level: number = DEFAULT_GUARDRAIL_LEVEL,
  minTrials?: number,
): GuardrailCheck | null {
  const counted: SequentialLook[] = looks
    .map((look) => ({ control: asSample(look.control), treatment: asSample(look.variant) }))
    .filter((look) => lookSufficiency([look.control, look.treatment], minTrials).sufficient);
  const current = looks.at(-1);
  if (!current || counted.length === 0) return null;
  const evidence = sequentialEvidence(counted, level, GUARDRAIL_MIXING_RELATIVE_SD);
  if (!evidence) return null;
  const flagged =
    evidence.pValue < level && evidence.absoluteLift.lower > 0 && evidence.observedDifference > 0 && !evidence.effectChangedOverTime;
  return {
    metric,
    controlRate: current.control.denominator > 0 ? current.control.events / current.control.denominator : 0,
    variantRate: current.variant.denominator > 0 ? current.variant.events / current.variant.denominator : 0,
    pValue: evidence.pValue,
    interval: evidence.absoluteLift,
    flagged,
    level,
    looks: evidence.looks,
  };
}
