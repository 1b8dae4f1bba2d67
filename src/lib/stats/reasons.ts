// Why a decision is what it is, as data: codes with their numbers. The engine and the report only
// ever produce these; ./wording turns each into the sentence a marketer reads, in one place.
import type { AbTestMethod } from './ab-test-input';
import type { GuardrailMetric } from './guardrails';
import type { Interval } from './lift';

/** A counter that cannot exceed another one (unique opens ≤ deliveries ≤ sends, …). */
export type CountName = 'successes' | 'trials' | 'complaints' | 'unsubscribes' | 'bounces' | 'sends';

/**
 * Why a test is decided on its metric: the one it registered, the one the caller asked for, or
 * the default rule (email: human opens where every provider flags machine opens, else human
 * clicks; social: the engagement rate).
 */
export const METRIC_CHOICE_CODES = [
  'metric_registered',
  'metric_requested',
  'default_human_opens',
  'default_human_clicks',
  'default_social',
] as const;
export type MetricChoiceCode = (typeof METRIC_CHOICE_CODES)[number];

/** A reason code with its parameters. */
export type DecisionReason =
  | { code: 'too_few_variants'; count: number }
  | { code: 'impossible_count'; variant: string; counted: CountName; value: number; limitName: CountName; limit: number }
  | { code: 'impossible_counts_consequence' }
  | { code: 'split_mismatch'; shares: { name: string; share: number; planned: number }[]; pValue: number }
  | { code: 'split_mismatch_consequence' }
  | { code: 'split_assumed' }
  | { code: 'no_control' }
  | { code: 'too_few_trials'; minTrials: number; arms: { name: string; trials: number }[] }
  | { code: 'too_few_expected'; metric: string; pooledRate: number; min: number; side: 'successes' | 'failures' }
  | { code: 'fixed_horizon_not_reached'; planned: number; smallest: number }
  | {
      code: 'lift';
      variant: string;
      control: string;
      metric: string;
      rate: number;
      controlRate: number;
      absolute: Interval;
      relative: Interval | null;
    }
  | { code: 'evidence'; method: AbTestMethod; pValue: number | null; alpha: number; chanceToBeatControl: number; expectedLoss: number }
  | { code: 'also_better'; variant: string; winner: string; control: string; metric: string }
  | {
      code: 'guardrail_breach';
      variant: string;
      control: string;
      guardrail: GuardrailMetric;
      variantRate: number;
      controlRate: number;
      interval: Interval;
    }
  | { code: 'multiple_comparisons'; comparisons: number; control: string; method: AbTestMethod; intervalLevel: number; alpha: number }
  | { code: 'single_planned_look' }
  | { code: 'bayesian_repeated_looks'; looks: number }
  | { code: 'control_wins'; control: string; metric: string }
  | { code: 'no_difference'; metric: string; margin: number; control: string; controlRate: number }
  | { code: 'planned_reached'; planned: number }
  | { code: 'keep_running'; metric: string; margin: number; control: string; controlRate: number }
  | { code: 'effect_changed_over_time'; variant: string; metric: string }
  | { code: 'estimate_outside_interval'; variant: string; observed: number; interval: Interval }
  | { code: 'window'; hours: number; metric: string }
  // What the stored counts add to a test's decision (email windows, repeated events, social posts).
  | { code: 'metric_choice'; choice: MetricChoiceCode; metric: string; providers: string[]; withoutOpenSignal: string[] }
  | { code: 'messages_pending'; messages: number; hours: number }
  | { code: 'duplicate_deliveries'; events: number }
  | { code: 'social_split_unchecked' }
  // Social variants without an impressions figure yet: their engagements are not counted.
  | { code: 'impressions_unknown'; variants: number };

export type DecisionReasonCode = DecisionReason['code'];
