// Guardrail metrics (spam complaints, unsubscribes, bounces): a variant is flagged when its rate is
// significantly *higher* than the control's by a one-sided Fisher exact test at level 0.05.
// Fisher's test is exact for the rare events guardrails count (complaints run near 0.1 %), where the
// normal approximation of a z-test is unreliable. The level is not Holm-corrected and the test is
// re-run at every look: it is deliberately sensitive, because missing a real harm costs more than
// a false alarm, which only asks for a human review before shipping.
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

export interface GuardrailCheck {
  metric: GuardrailMetric;
  controlRate: number;
  variantRate: number;
  /** One-sided Fisher exact p-value for "variant rate > control rate". */
  pValue: number;
  /** True when pValue < level: the variant is significantly worse on this guardrail. */
  flagged: boolean;
  level: number;
}

/** One guardrail for one variant against the control; null when either side has no denominator. */
export function checkGuardrail(
  metric: GuardrailMetric,
  control: GuardrailCounts,
  variant: GuardrailCounts,
  level: number = DEFAULT_GUARDRAIL_LEVEL,
): GuardrailCheck | null {
  if (!(control.denominator > 0) || !(variant.denominator > 0)) return null;
  const pValue = fisherExactGreater(variant.events, variant.denominator, control.events, control.denominator);
  return {
    metric,
    controlRate: control.events / control.denominator,
    variantRate: variant.events / variant.denominator,
    pValue,
    flagged: pValue < level,
    level,
  };
}
