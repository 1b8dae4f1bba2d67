// The input of an A/B test decision, validated with zod: counts per variant plus the options.
// Counts must be whole and non-negative, but they may be impossible (more unique opens than
// deliveries, more deliveries than sends): the decision then answers `data_quality` naming them,
// rather than throwing or clamping, so a counting fault is shown instead of hidden.
import { z } from 'zod';
import { DEFAULT_GUARDRAIL_LEVEL } from './guardrails';
import { SRM_P_VALUE_THRESHOLD } from './chi-square';
import { DEFAULT_MIXING_RELATIVE_SD } from './sequential';
import { DEFAULT_SIGNIFICANCE_LEVEL, MIN_TRIALS_PER_VARIANT } from './two-proportion';

export const AB_TEST_METHODS = ['sequential', 'fixed_horizon', 'bayesian'] as const;
export type AbTestMethod = (typeof AB_TEST_METHODS)[number];

/** Smallest relative lift worth acting on: intervals inside ± this share of the control rate mean "no difference". */
export const DEFAULT_MINIMUM_RELATIVE_LIFT = 0.05;

const count = z.number().int().nonnegative();

/** Guardrail counters at one look; complaints and unsubscribes are per trial, bounces per send. */
const guardrailCountsSchema = z.object({
  complaints: count.optional(),
  unsubscribes: count.optional(),
  bounces: count.optional(),
});

const cumulativeCountSchema = z.object({
  trials: count,
  successes: count,
  /** Guardrail counters at this look, with the sends the bounces are counted against. */
  guardrails: guardrailCountsSchema.extend({ sends: count.optional() }).optional(),
});

export const abTestVariantCountsSchema = z.object({
  variantId: z.string().min(1),
  name: z.string(),
  isControl: z.boolean(),
  /** Registered traffic weight; any positive scale (normalised for the SRM check). */
  weight: z.number().positive().finite(),
  /** Messages sent (email) or assignments (social): what the weights split. */
  sends: count,
  /** Delivered messages (email) or impressions (social). */
  trials: count,
  /** Unique opens, clicks, … among the trials. */
  successes: count,
  /** Counts for the guardrails; complaints and unsubscribes are per trial, bounces per send. */
  guardrails: guardrailCountsSchema.optional(),
  /**
   * Cumulative counts at earlier looks (e.g. each hourly bucket), oldest first. The current
   * totals are always the last look. Give it to every variant, with the same length, or to none.
   */
  history: z.array(cumulativeCountSchema).optional(),
});

export const abTestDecisionInputSchema = z
  .object({
    variants: z.array(abTestVariantCountsSchema),
    method: z.enum(AB_TEST_METHODS).default('sequential'),
    alpha: z.number().gt(0).lt(0.5).default(DEFAULT_SIGNIFICANCE_LEVEL),
    /** Short name of the rate for the reasons, e.g. "click rate". */
    metricLabel: z.string().min(1).default('rate'),
    minTrialsPerVariant: z.number().int().positive().default(MIN_TRIALS_PER_VARIANT),
    minimumRelativeLift: z.number().positive().lt(1).default(DEFAULT_MINIMUM_RELATIVE_LIFT),
    /** Planned trials per variant: the fixed-horizon reading point, and where sequential testing stops. */
    plannedTrialsPerVariant: z.number().int().positive().optional(),
    /** ρ of the mSPRT mixing distribution, τ = ρ · pooled rate (see ./sequential). */
    mixingRelativeSd: z.number().positive().default(DEFAULT_MIXING_RELATIVE_SD),
    /** False-alarm rate of the guardrails per test, shared (Bonferroni) by every metric and variant. */
    guardrailLevel: z.number().gt(0).lt(0.5).default(DEFAULT_GUARDRAIL_LEVEL),
    srmThreshold: z.number().gt(0).lt(0.5).default(SRM_P_VALUE_THRESHOLD),
    /**
     * Whether the weights were registered. False: the even split was only assumed, so the sample
     * ratio is not checked (a 90/10 test would otherwise be "broken" against a split nobody planned).
     */
    splitRegistered: z.boolean().default(true),
    /** Hours after delivery within which an engagement counts (only for the wording). */
    windowHours: z.number().positive().finite().optional(),
  })
  .refine((input) => new Set(input.variants.map((v) => v.variantId)).size === input.variants.length, {
    message: 'variant ids must be unique',
  })
  .refine((input) => input.variants.filter((v) => v.isControl).length <= 1, { message: 'at most one variant can be the control' })
  .refine(
    (input) => {
      const lengths = new Set(input.variants.map((v) => (v.history === undefined ? -1 : v.history.length)));
      return lengths.size <= 1;
    },
    { message: 'history must be given for every variant with the same number of looks, or for none' },
  );

export type AbTestVariantCounts = z.input<typeof abTestVariantCountsSchema>;
export type AbTestDecisionInput = z.input<typeof abTestDecisionInputSchema>;
export type ParsedAbTestDecisionInput = z.output<typeof abTestDecisionInputSchema>;
