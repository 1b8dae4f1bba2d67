// What a decision answers: verdicts, comparisons, flags and the decision itself, with its reasons
// as codes (CodedAbTestDecision, from the engine) or also in words (AbTestDecision, from ./wording).
import type { AbTestMethod } from './ab-test-input';
import type { SampleRatioMismatch } from './chi-square';
import type { GuardrailCheck } from './guardrails';
import type { Interval } from './lift';
import type { CountName, DecisionReason } from './reasons';

/** Every verdict the decision can give. */
export const AB_TEST_VERDICTS = [
  'winner',
  'control_wins',
  'no_difference',
  'keep_running',
  'guardrail_alert',
  'data_quality',
  'srm_alert',
  'insufficient_data',
] as const;
export type AbTestVerdict = (typeof AB_TEST_VERDICTS)[number];

/**
 * How a variant compares with the control under the chosen method: `better` / `worse` only when the
 * method reads a direction (./methods), `equivalent` when the range and the current estimate lie
 * within ± the minimum relative lift, `inconclusive` otherwise.
 */
export const COMPARISON_OUTCOMES = ['better', 'worse', 'equivalent', 'inconclusive'] as const;
export type ComparisonOutcome = (typeof COMPARISON_OUTCOMES)[number];

/** What a comparison's numbers need read with them. */
export const COMPARISON_FLAGS = ['effect_changed_over_time', 'estimate_outside_interval'] as const;
export type ComparisonFlag = (typeof COMPARISON_FLAGS)[number];

/** What the whole decision needs read with it: the comparisons' flags plus the test's own. */
export const DECISION_FLAGS = [...COMPARISON_FLAGS, 'even_split_assumed', 'bayesian_repeated_looks'] as const;
export type DecisionFlag = (typeof DECISION_FLAGS)[number];

export interface LiftInterval extends Interval {
  /** A confidence sequence (sequential method: valid at every look) or a one-look confidence interval. */
  kind: 'confidence_sequence' | 'confidence_interval';
}

/** A variant against the control as a method measured it, before any reading of a direction. */
export interface MeasuredComparison {
  /**
   * Difference of rates, variant − control, as a fraction (0.01 = 1 percentage point): the range
   * that decides (sequential: intersected over the looks that count) and an estimate inside it.
   */
  absoluteLift: LiftInterval;
  /** The same range relative to the control's rate (absolute ÷ control rate); null when the control has no successes. */
  relativeLift: LiftInterval | null;
  /** Variant rate − control rate now, as observed (equals absoluteLift.estimate unless flagged). */
  observedDifference: number;
  unadjustedPValue: number | null;
  /** P(variant rate > control rate), Beta(1, 1) priors; reported for every method. */
  chanceToBeatControl: number;
  /** E[max(control rate − variant rate, 0)]: rate lost on average by shipping this variant. */
  expectedLoss: number;
  flags: ComparisonFlag[];
  /** Looks that entered the evidence (sequential); 1 for the one-look methods. */
  looks: number;
}

export interface VariantComparison extends MeasuredComparison {
  /** p-value of the chosen method, Holm-adjusted when several variants face the control; null for Bayesian. */
  pValue: number | null;
  outcome: ComparisonOutcome;
}

export interface VariantResult {
  variantId: string;
  name: string;
  isControl: boolean;
  weight: number;
  sends: number;
  trials: number;
  successes: number;
  /** successes / trials; null without trials (above 1 only with a `data_quality` verdict). */
  rate: number | null;
  /** Null for the control, without a control, or when the counts are not sufficient or not consistent. */
  comparison: VariantComparison | null;
  /** Guardrail checks against the control (empty for the control itself). */
  guardrails: GuardrailCheck[];
}

export interface GuardrailFlag extends GuardrailCheck {
  variantId: string;
  name: string;
}

/** A count above what contains it, e.g. more unique opens than deliveries. */
export interface DataQualityIssue {
  variantId: string;
  name: string;
  counted: CountName;
  value: number;
  limitName: CountName;
  limit: number;
}

/** The decision with its reasons as codes: what the engine computes. */
export interface CodedAbTestDecision {
  decision: AbTestVerdict;
  /** The winning variant's id when decision is `winner`, or the control's when it is `control_wins`. */
  winnerVariantId: string | null;
  /** Why, most important first, as codes with their numbers. */
  reasonCodes: DecisionReason[];
  flags: DecisionFlag[];
  method: AbTestMethod;
  alpha: number;
  /** Coverage of the reported intervals: 1 − alpha / (number of variants compared with the control). */
  intervalLevel: number;
  /** Number of variants compared with the control (the Holm family size). */
  comparisons: number;
  variants: VariantResult[];
  /** Null when the split was not registered (not checked) or the counts are not consistent. */
  sampleRatioMismatch: SampleRatioMismatch | null;
  splitRegistered: boolean;
  guardrailFlags: GuardrailFlag[];
  dataQualityIssues: DataQualityIssue[];
  /** The per-message window the rates are counted in, when the caller gave it. */
  windowHours: number | null;
}

/** The decision as callers read it: the codes and the same reasons in words. */
export interface AbTestDecision extends CodedAbTestDecision {
  /** Why, in plain words, most important first (reasonCodes turned into sentences). */
  reasons: string[];
  /** One sentence: what the method does and what it assumes. */
  methodDescription: string;
}
