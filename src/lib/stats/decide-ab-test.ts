// One decision for an A/B test from its per-variant counts: the shared entry point of the dashboard,
// the API and library callers.
import { abTestDecisionInputSchema, type AbTestDecisionInput, type AbTestMethod, type ParsedAbTestDecisionInput } from './ab-test-input';
import { compareBetaPosteriors } from './bayesian';
import { sampleRatioMismatch, type SampleRatioMismatch } from './chi-square';
import { checkGuardrail, GUARDRAIL_METRICS, type GuardrailCheck, type GuardrailLook, type GuardrailMetric } from './guardrails';
import { absoluteLiftInterval, type Interval } from './lift';
import { lookSufficiency } from './look-sufficiency';
import { holmAdjust } from './multiple-testing';
import { sequentialEvidence, type SequentialLook } from './sequential';
import { MIN_EXPECTED_COUNT, twoProportionZTest, type ProportionSample } from './two-proportion';
import { describeReason, type CountName, type DecisionReason } from './wording';

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
 * deciding range lies wholly on that side of 0 (and the p-value, for the frequentist methods, is
 * below alpha), `equivalent` when the range and the current estimate lie within ± the minimum
 * relative lift, `inconclusive` otherwise.
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

export interface VariantComparison {
  /**
   * Difference of rates, variant − control, as a fraction (0.01 = 1 percentage point): the range
   * that decides (sequential: intersected over the looks that count) and an estimate inside it.
   */
  absoluteLift: LiftInterval;
  /** The same range relative to the control's rate (absolute ÷ control rate); null when the control has no successes. */
  relativeLift: LiftInterval | null;
  /** Variant rate − control rate now, as observed (equals absoluteLift.estimate unless flagged). */
  observedDifference: number;
  /** p-value of the chosen method, Holm-adjusted when several variants face the control; null for Bayesian. */
  pValue: number | null;
  unadjustedPValue: number | null;
  /** P(variant rate > control rate), Beta(1, 1) priors; reported for every method. */
  chanceToBeatControl: number;
  /** E[max(control rate − variant rate, 0)]: rate lost on average by shipping this variant. */
  expectedLoss: number;
  outcome: ComparisonOutcome;
  flags: ComparisonFlag[];
  /** Looks that entered the evidence (sequential); 1 for the one-look methods. */
  looks: number;
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

export interface AbTestDecision {
  decision: AbTestVerdict;
  /** The winning variant's id when decision is `winner`, or the control's when it is `control_wins`. */
  winnerVariantId: string | null;
  /** Why, in plain words, most important first (reasonCodes turned into sentences). */
  reasons: string[];
  /** The same reasons as codes with their numbers. */
  reasonCodes: DecisionReason[];
  flags: DecisionFlag[];
  method: AbTestMethod;
  /** One sentence: what the method does and what it assumes. */
  methodDescription: string;
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

export const METHOD_DESCRIPTIONS: Record<AbTestMethod, string> = {
  sequential:
    'Always-valid sequential test (mSPRT with a normal mixture, Johari, Pekelis and Walsh 2017, tuned for lifts of about 10%): results may be checked at any time, as often as you like, without raising the false-positive rate; a direction is read only when the range intersected over every look lies on one side of zero. It assumes independent messages randomly assigned to variants and enough events for the normal approximation.',
  fixed_horizon:
    'Two-sided two-proportion z-test with Wald intervals: valid when the result is read once, at a sample size fixed in advance (checking repeatedly inflates false positives); it assumes independent messages randomly assigned to variants and enough events for the normal approximation.',
  bayesian:
    'Bayesian comparison with uniform Beta(1, 1) priors, reporting the chance to beat control and the expected loss of shipping each variant; a winner also needs its range above zero and an expected loss under 1% of the control rate. It does not bound false winners when checked repeatedly, and assumes independent messages randomly assigned to variants.',
};

/** Bayesian winners must also risk losing, on average, less than this share of the control's rate. */
export const EXPECTED_LOSS_TOLERANCE_SHARE = 0.01;

type Variant = ParsedAbTestDecisionInput['variants'][number];
type Look = {
  trials: number;
  successes: number;
  guardrails?: { complaints?: number; unsubscribes?: number; bounces?: number; sends?: number };
};

function sample(v: { trials: number; successes: number }): ProportionSample {
  return { trials: v.trials, successes: v.successes };
}

/** Every look of a variant, oldest first, the current totals last. */
function looksOf(v: Variant): Look[] {
  return [...(v.history ?? []), { trials: v.trials, successes: v.successes, guardrails: { ...v.guardrails, sends: v.sends } }];
}

function dataQualityIssues(variants: readonly Variant[]): DataQualityIssue[] {
  return variants.flatMap((v) => {
    const g = v.guardrails ?? {};
    const checks: [CountName, number | undefined, CountName, number, boolean][] = [
      ['successes', v.successes, 'trials', v.trials, true],
      ['complaints', g.complaints, 'trials', v.trials, true],
      ['unsubscribes', g.unsubscribes, 'trials', v.trials, true],
      // Social posts have no sends (0): only email is checked against them.
      ['trials', v.trials, 'sends', v.sends, v.sends > 0],
      ['bounces', g.bounces, 'sends', v.sends, v.sends > 0],
    ];
    return checks
      .filter(([, value, , limit, applies]) => applies && value !== undefined && value > limit)
      .map(([counted, value, limitName, limit]) => ({ variantId: v.variantId, name: v.name, counted, value: value!, limitName, limit }));
  });
}

/** Indexes of the looks where every variant passes the sufficiency check (the current one included). */
function countedLookIndexes(variants: readonly Variant[], minTrials: number): Set<number> {
  const looks = variants.map(looksOf);
  const counted = new Set<number>();
  for (let i = 0; i < (looks[0]?.length ?? 0); i++) {
    const arms = looks.map((l) => l[i]!);
    const consistent = arms.every((arm) => arm.successes <= arm.trials);
    if (consistent && lookSufficiency(arms.map(sample), minTrials).sufficient) counted.add(i);
  }
  return counted;
}

function guardrailLook(metric: GuardrailMetric, look: Look): { events: number; denominator: number } | null {
  const g = look.guardrails ?? {};
  if (metric === 'bounce_rate')
    return g.bounces === undefined || g.sends === undefined ? null : { events: g.bounces, denominator: g.sends };
  const events = metric === 'complaint_rate' ? g.complaints : g.unsubscribes;
  return events === undefined ? null : { events, denominator: look.trials };
}

function guardrailMetricsOf(variants: readonly Variant[]): GuardrailMetric[] {
  return GUARDRAIL_METRICS.filter((metric) => variants.every((v) => guardrailLook(metric, looksOf(v).at(-1)!) !== null));
}

function checkGuardrails(control: Variant, variant: Variant, metrics: readonly GuardrailMetric[], level: number, minTrials: number) {
  const controlLooks = looksOf(control);
  const variantLooks = looksOf(variant);
  return metrics.flatMap((metric) => {
    const looks: GuardrailLook[] = controlLooks.flatMap((c, i) => {
      const cl = guardrailLook(metric, c);
      const vl = guardrailLook(metric, variantLooks[i]!);
      // Impossible earlier counts (more events than their denominator) do not enter the test.
      return cl && vl && cl.events <= cl.denominator && vl.events <= vl.denominator ? [{ control: cl, variant: vl }] : [];
    });
    const check = checkGuardrail(metric, looks, level, minTrials);
    return check ? [check] : [];
  });
}

interface RawComparison {
  absoluteLift: LiftInterval;
  relativeLift: LiftInterval | null;
  observedDifference: number;
  unadjustedPValue: number | null;
  chanceToBeatControl: number;
  expectedLoss: number;
  flags: ComparisonFlag[];
  looks: number;
}

function relativeTo(interval: LiftInterval, controlRate: number): LiftInterval | null {
  if (!(controlRate > 0)) return null;
  return {
    ...interval,
    estimate: interval.estimate / controlRate,
    lower: interval.lower / controlRate,
    upper: interval.upper / controlRate,
  };
}

function compare(
  input: ParsedAbTestDecisionInput,
  control: Variant,
  variant: Variant,
  intervalAlpha: number,
  countedLooks: ReadonlySet<number>,
): RawComparison | null {
  const c = sample(control);
  const t = sample(variant);
  const { chanceToBeatControl, expectedLoss } = compareBetaPosteriors(c, t);
  const controlRate = c.successes / c.trials;
  if (input.method === 'sequential') {
    const variantLooks = looksOf(variant);
    const looks: SequentialLook[] = looksOf(control).flatMap((look, i) =>
      countedLooks.has(i) ? [{ control: sample(look), treatment: sample(variantLooks[i]!) }] : [],
    );
    const evidence = sequentialEvidence(looks, intervalAlpha, input.mixingRelativeSd);
    if (!evidence) return null;
    const absoluteLift: LiftInterval = { ...evidence.absoluteLift, kind: 'confidence_sequence' };
    const flags: ComparisonFlag[] = [];
    if (evidence.effectChangedOverTime) flags.push('effect_changed_over_time');
    if (evidence.estimateOutsideInterval) flags.push('estimate_outside_interval');
    return {
      absoluteLift,
      relativeLift: relativeTo(absoluteLift, controlRate),
      observedDifference: evidence.observedDifference,
      unadjustedPValue: evidence.pValue,
      chanceToBeatControl,
      expectedLoss,
      flags,
      looks: evidence.looks,
    };
  }
  const absolute = absoluteLiftInterval(c, t, intervalAlpha);
  if (!absolute) return null;
  const absoluteLift: LiftInterval = { ...absolute, kind: 'confidence_interval' };
  return {
    absoluteLift,
    relativeLift: relativeTo(absoluteLift, controlRate),
    observedDifference: absolute.estimate,
    unadjustedPValue: input.method === 'fixed_horizon' ? (twoProportionZTest(c, t)?.pValue ?? 1) : null,
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
function directionOf(raw: RawComparison): 'better' | 'worse' | null {
  if (raw.flags.includes('effect_changed_over_time')) return null;
  const { lower, upper } = raw.absoluteLift;
  if (lower > 0 && raw.observedDifference > 0) return 'better';
  if (upper < 0 && raw.observedDifference < 0) return 'worse';
  return null;
}

function classify(input: ParsedAbTestDecisionInput, raw: RawComparison, pValue: number | null, controlRate: number): ComparisonOutcome {
  const { alpha, method } = input;
  const direction = directionOf(raw);
  if (method === 'bayesian') {
    const lossOk = raw.expectedLoss < EXPECTED_LOSS_TOLERANCE_SHARE * controlRate;
    if (direction === 'better' && raw.chanceToBeatControl >= 1 - alpha && lossOk) return 'better';
    if (direction === 'worse' && raw.chanceToBeatControl <= alpha) return 'worse';
  } else if (direction !== null && pValue !== null && pValue < alpha) {
    return direction;
  }
  const margin = input.minimumRelativeLift * controlRate;
  const { lower, upper } = raw.absoluteLift;
  const withinMargin = lower > -margin && upper < margin && Math.abs(raw.observedDifference) < margin;
  if (margin > 0 && raw.flags.length === 0 && withinMargin) return 'equivalent';
  return 'inconclusive';
}

function flagReasons(result: VariantResult, metric: string): DecisionReason[] {
  const comparison = result.comparison;
  if (!comparison) return [];
  return comparison.flags.map((flag) =>
    flag === 'effect_changed_over_time'
      ? { code: 'effect_changed_over_time', variant: result.name, metric }
      : {
          code: 'estimate_outside_interval',
          variant: result.name,
          observed: comparison.observedDifference,
          interval: comparison.absoluteLift,
        },
  );
}

function liftReason(result: VariantResult, control: VariantResult, metric: string): DecisionReason {
  const comparison = result.comparison!;
  return {
    code: 'lift',
    variant: result.name,
    control: control.name,
    metric,
    rate: result.rate!,
    controlRate: control.rate!,
    absolute: comparison.absoluteLift,
    relative: comparison.relativeLift,
  };
}

function bareResults(variants: readonly Variant[]): VariantResult[] {
  return variants.map((v) => ({
    variantId: v.variantId,
    name: v.name,
    isControl: v.isControl,
    weight: v.weight,
    sends: v.sends,
    trials: v.trials,
    successes: v.successes,
    rate: v.trials > 0 ? v.successes / v.trials : null,
    comparison: null,
    guardrails: [],
  }));
}

/**
 * Decides an A/B test on unique counts per message (unique opens or clicks per delivered email,
 * engagements per impression on social). Throws a ZodError on malformed input (negative or
 * fractional counts, duplicate ids, two controls, uneven histories). The rules, in this order:
 *
 * 1. `data_quality` when a current count exceeds what contains it (successes, complaints or
 *    unsubscribes above trials; trials or bounces above sends, for email): named, never a winner.
 * 2. `insufficient_data` with fewer than two variants.
 * 3. `srm_alert` when the split was registered and the sends per variant fail the χ² goodness of
 *    fit against the weights at p < 0.001. Unregistered: not checked, and the reasons say so.
 * 4. `insufficient_data` without a control, or when the current look fails ./look-sufficiency
 *    (100 trials and 5 expected successes and failures per variant). Earlier looks that fail it do
 *    not enter the sequential evidence.
 * 5. fixed horizon with `plannedTrialsPerVariant`: `keep_running` until every variant reaches it.
 * 6. Each variant is compared with the control: `better` / `worse` when the deciding range (the
 *    sequential method's intersected confidence sequence, else the Wald interval, at 1 − alpha/m)
 *    lies wholly on that side of 0, the current estimate agrees, and the p-value (Holm-adjusted)
 *    is below alpha (an estimate outside the range on the same side is flagged, not blocked; an
 *    emptied intersection gives no direction); Bayesian: instead of the p-value, a chance to beat control of at least
 *    1 − alpha with an expected loss under 1 % of the control's rate (or at most alpha for `worse`).
 *    `equivalent` when the range and the estimate lie within ± minimumRelativeLift of the control's
 *    rate; `inconclusive` otherwise, and always when a flag says the range cannot be read.
 * 7. `guardrail_alert` when any guardrail (complaints, unsubscribes, bounces) is credibly worse for
 *    a variant, by the always-valid test of ./guardrails at guardrailLevel / (metrics × variants).
 * 8. `winner`: the `better` variant with the highest rate; `control_wins` when every variant is `worse`.
 * 9. `no_difference` when every variant is `equivalent` or `worse`, or when every variant has
 *    reached `plannedTrialsPerVariant` with every current estimate within the margin.
 * 10. `keep_running` otherwise.
 */
export function decideAbTest(rawInput: AbTestDecisionInput): AbTestDecision {
  const input = abTestDecisionInputSchema.parse(rawInput);
  const { variants, alpha, metricLabel: metric } = input;
  const control = variants.find((v) => v.isControl) ?? null;
  const challengers = variants.filter((v) => !v.isControl);
  const comparisons = control ? challengers.length : 0;
  const intervalAlpha = alpha / Math.max(1, comparisons);
  const flags = new Set<DecisionFlag>();
  const context: DecisionReason[] = [];
  if (!input.splitRegistered) {
    flags.add('even_split_assumed');
    context.push({ code: 'split_assumed' });
  }
  if (input.windowHours !== undefined) context.push({ code: 'window', hours: input.windowHours, metric });

  let results = bareResults(variants);
  let srm: SampleRatioMismatch | null = null;
  let guardrailFlags: GuardrailFlag[] = [];
  const issues = dataQualityIssues(variants);
  const verdict = (decision: AbTestVerdict, reasonCodes: DecisionReason[], winnerVariantId: string | null = null): AbTestDecision => {
    const all = [...reasonCodes, ...context];
    for (const r of results) for (const flag of r.comparison?.flags ?? []) flags.add(flag);
    return {
      decision,
      winnerVariantId,
      reasons: all.map(describeReason),
      reasonCodes: all,
      flags: DECISION_FLAGS.filter((f) => flags.has(f)),
      method: input.method,
      methodDescription: METHOD_DESCRIPTIONS[input.method],
      alpha,
      intervalLevel: 1 - intervalAlpha,
      comparisons,
      variants: results,
      sampleRatioMismatch: srm,
      splitRegistered: input.splitRegistered,
      guardrailFlags,
      dataQualityIssues: issues,
      windowHours: input.windowHours ?? null,
    };
  };

  if (issues.length > 0) {
    return verdict('data_quality', [
      ...issues.map((i): DecisionReason => ({ code: 'impossible_count', variant: i.name, ...i })),
      { code: 'impossible_counts_consequence' },
    ]);
  }
  if (variants.length < 2) return verdict('insufficient_data', [{ code: 'too_few_variants', count: variants.length }]);
  if (input.splitRegistered) {
    srm = sampleRatioMismatch(
      variants.map((v) => v.sends),
      variants.map((v) => v.weight),
      input.srmThreshold,
    );
  }
  if (srm?.mismatch) {
    const totalSends = Math.max(
      1,
      variants.reduce((sum, v) => sum + v.sends, 0),
    );
    const shares = variants.map((v, i) => ({ name: v.name, share: v.sends / totalSends, planned: srm!.expectedShares[i] ?? 0 }));
    return verdict('srm_alert', [{ code: 'split_mismatch', shares, pValue: srm.pValue }, { code: 'split_mismatch_consequence' }]);
  }
  if (!control) return verdict('insufficient_data', [{ code: 'no_control' }]);

  const current = lookSufficiency(variants.map(sample), input.minTrialsPerVariant);
  if (!current.sufficient) {
    if (current.problem === 'too_few_trials') {
      const arms = current.thinArms.map((i) => ({ name: variants[i]!.name, trials: variants[i]!.trials }));
      return verdict('insufficient_data', [{ code: 'too_few_trials', minTrials: input.minTrialsPerVariant, arms }]);
    }
    const side = current.problem === 'too_few_successes' ? 'successes' : 'failures';
    return verdict('insufficient_data', [
      { code: 'too_few_expected', metric, pooledRate: current.pooledRate, min: MIN_EXPECTED_COUNT, side },
    ]);
  }

  const countedLooks = countedLookIndexes(variants, input.minTrialsPerVariant);
  const raws = new Map(challengers.map((v) => [v.variantId, compare(input, control, v, intervalAlpha, countedLooks)]));
  const adjusted = holmAdjust(challengers.map((v) => raws.get(v.variantId)?.unadjustedPValue ?? 1));
  const controlRate = control.successes / control.trials;
  const guardrailMetrics = guardrailMetricsOf(variants);
  const guardrailLevel = input.guardrailLevel / Math.max(1, guardrailMetrics.length * challengers.length);
  results = results.map((r, i) => {
    const v = variants[i]!;
    if (v.isControl) return r;
    const raw = raws.get(v.variantId) ?? null;
    const pValue = raw && raw.unadjustedPValue !== null ? (adjusted[challengers.indexOf(v)] ?? null) : null;
    return {
      ...r,
      comparison: raw ? { ...raw, pValue, outcome: classify(input, raw, pValue, controlRate) } : null,
      guardrails: checkGuardrails(control, v, guardrailMetrics, guardrailLevel, input.minTrialsPerVariant),
    };
  });
  guardrailFlags = results.flatMap((r) =>
    r.guardrails.filter((g) => g.flagged).map((g) => ({ ...g, variantId: r.variantId, name: r.name })),
  );

  const controlResult = results.find((r) => r.isControl)!;
  const challengerResults = results.filter((r) => !r.isControl);
  const lifts = challengerResults.filter((r) => r.comparison).map((r) => liftReason(r, controlResult, metric));
  const flagged = challengerResults.flatMap((r) => flagReasons(r, metric));
  const notes: DecisionReason[] = [];
  if (comparisons > 1) {
    notes.push({
      code: 'multiple_comparisons',
      comparisons,
      control: control.name,
      method: input.method,
      intervalLevel: 1 - intervalAlpha,
      alpha,
    });
  }
  const planned = input.plannedTrialsPerVariant;
  if (input.method === 'fixed_horizon' && planned === undefined) notes.push({ code: 'single_planned_look' });
  const lookCount = looksOf(control).length;
  if (input.method === 'bayesian' && lookCount > 1) {
    flags.add('bayesian_repeated_looks');
    notes.push({ code: 'bayesian_repeated_looks', looks: lookCount });
  }

  const smallestTrials = Math.min(...variants.map((v) => v.trials));
  if (input.method === 'fixed_horizon' && planned !== undefined && smallestTrials < planned) {
    return verdict('keep_running', [{ code: 'fixed_horizon_not_reached', planned, smallest: smallestTrials }]);
  }
  if (guardrailFlags.length > 0) {
    return verdict('guardrail_alert', [
      ...guardrailFlags.map((g): DecisionReason => ({
        code: 'guardrail_breach',
        variant: g.name,
        control: control.name,
        guardrail: g.metric,
        variantRate: g.variantRate,
        controlRate: g.controlRate,
        interval: g.interval,
      })),
      ...lifts,
      ...flagged,
      ...notes,
    ]);
  }

  const better = challengerResults.filter((r) => r.comparison?.outcome === 'better').sort((a, b) => b.rate! - a.rate!);
  const [winner] = better;
  if (winner) {
    const evidence: DecisionReason = {
      code: 'evidence',
      method: input.method,
      pValue: winner.comparison!.pValue,
      alpha,
      chanceToBeatControl: winner.comparison!.chanceToBeatControl,
      expectedLoss: winner.comparison!.expectedLoss,
    };
    const others = better
      .slice(1)
      .map((r): DecisionReason => ({ code: 'also_better', variant: r.name, winner: winner.name, control: control.name, metric }));
    return verdict('winner', [liftReason(winner, controlResult, metric), evidence, ...others, ...flagged, ...notes], winner.variantId);
  }
  const outcomes = challengerResults.map((r) => r.comparison?.outcome ?? 'inconclusive');
  if (outcomes.every((o) => o === 'worse')) {
    return verdict('control_wins', [{ code: 'control_wins', control: control.name, metric }, ...lifts, ...notes], control.variantId);
  }
  const margin = input.minimumRelativeLift;
  const marginReason = { metric, margin, control: control.name, controlRate };
  if (outcomes.every((o) => o === 'equivalent' || o === 'worse')) {
    return verdict('no_difference', [{ code: 'no_difference', ...marginReason }, ...lifts, ...notes]);
  }
  const estimatesWithinMargin = challengerResults.every((r) => Math.abs(r.comparison?.observedDifference ?? 0) < margin * controlRate);
  if (planned !== undefined && smallestTrials >= planned && estimatesWithinMargin && flagged.length === 0) {
    return verdict('no_difference', [{ code: 'planned_reached', planned }, ...lifts, ...notes]);
  }
  return verdict('keep_running', [...flagged, { code: 'keep_running', ...marginReason }, ...lifts, ...notes]);
}
