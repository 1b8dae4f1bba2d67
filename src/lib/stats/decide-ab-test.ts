// One decision for an A/B test from its per-variant counts: the shared entry point of the dashboard,
// the API and library callers.
import { abTestDecisionInputSchema, type AbTestDecisionInput, type AbTestMethod, type ParsedAbTestDecisionInput } from './ab-test-input';
import { compareBetaPosteriors } from './bayesian';
import { sampleRatioMismatch, type SampleRatioMismatch } from './chi-square';
import { checkGuardrail, type GuardrailCheck, type GuardrailCounts, type GuardrailMetric } from './guardrails';
import { absoluteLiftInterval, relativeLiftInterval, type Interval } from './lift';
import { holmAdjust } from './multiple-testing';
import { sequentialEvidence, type SequentialLook } from './sequential';
import { MIN_EXPECTED_COUNT, twoProportionZTest, type ProportionSample } from './two-proportion';
import { formatPercent, formatPoints, formatPValue, formatRange, formatShare, formatSignedPercent } from './wording';

export type AbTestVerdict = 'winner' | 'keep_running' | 'no_difference' | 'srm_alert' | 'insufficient_data';

/**
 * How a variant compares with the control under the chosen method: `better` / `worse` when the
 * evidence is conclusive, `equivalent` when the interval rules out any lift as large as the minimum
 * relative lift, `inconclusive` otherwise.
 */
export type ComparisonOutcome = 'better' | 'worse' | 'equivalent' | 'inconclusive';

export interface LiftInterval extends Interval {
  /** A confidence sequence (sequential method: valid at every look) or a one-look confidence interval. */
  kind: 'confidence_sequence' | 'confidence_interval';
}

export interface VariantComparison {
  /** Difference of rates, variant − control, as a fraction (0.01 = 1 percentage point). */
  absoluteLift: LiftInterval;
  /** Variant rate / control rate − 1; null when either arm has no successes. */
  relativeLift: LiftInterval | null;
  /** p-value of the chosen method, Holm-adjusted when several variants face the control; null for Bayesian. */
  pValue: number | null;
  unadjustedPValue: number | null;
  /** P(variant rate > control rate), Beta(1, 1) priors; reported for every method. */
  chanceToBeatControl: number;
  /** E[max(control rate − variant rate, 0)]: rate lost on average by shipping this variant. */
  expectedLoss: number;
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
  /** successes / trials; null without trials. */
  rate: number | null;
  /** Null for the control, without a control, or when either side has no trials. */
  comparison: VariantComparison | null;
  /** Guardrail checks against the control (empty for the control itself). */
  guardrails: GuardrailCheck[];
}

export interface GuardrailFlag extends GuardrailCheck {
  variantId: string;
  name: string;
}

export interface AbTestDecision {
  decision: AbTestVerdict;
  /** The winning variant's id when decision is `winner` (it may be the control). */
  winnerVariantId: string | null;
  /** Why, in plain words, most important first. */
  reasons: string[];
  method: AbTestMethod;
  /** One sentence: what the method does and what it assumes. */
  methodDescription: string;
  alpha: number;
  /** Coverage of the reported intervals: 1 − alpha / (number of variants compared with the control). */
  intervalLevel: number;
  /** Number of variants compared with the control (the Holm family size). */
  comparisons: number;
  variants: VariantResult[];
  sampleRatioMismatch: SampleRatioMismatch | null;
  guardrailFlags: GuardrailFlag[];
}

export const METHOD_DESCRIPTIONS: Record<AbTestMethod, string> = {
  sequential:
    'Always-valid sequential test (mSPRT with a normal mixture, Johari, Pekelis and Walsh 2017, tuned for lifts of about 10%): results may be checked at any time, as often as you like, without raising the false-positive rate; it assumes independent recipients randomly assigned to variants and enough events for the normal approximation.',
  fixed_horizon:
    'Two-sided two-proportion z-test with Wald intervals: valid when the result is read once, at a sample size fixed in advance (checking repeatedly inflates false positives); it assumes independent recipients randomly assigned to variants and enough events for the normal approximation.',
  bayesian:
    'Bayesian comparison with uniform Beta(1, 1) priors, reporting the chance to beat control and the expected loss of shipping each variant; it assumes independent recipients randomly assigned to variants and does not bound false positives when checked repeatedly.',
};

/** Bayesian winners must also risk losing, on average, less than this share of the control's rate. */
export const EXPECTED_LOSS_TOLERANCE_SHARE = 0.01;

const GUARDRAIL_NOUNS: Record<GuardrailMetric, string> = {
  complaint_rate: 'spam complaints',
  unsubscribe_rate: 'unsubscribes',
  bounce_rate: 'bounces',
};

type Variant = ParsedAbTestDecisionInput['variants'][number];

function sample(v: { trials: number; successes: number }): ProportionSample {
  return { trials: v.trials, successes: v.successes };
}

function guardrailCounts(v: Variant): Partial<Record<GuardrailMetric, GuardrailCounts>> {
  const g = v.guardrails ?? {};
  return {
    complaint_rate: g.complaints === undefined ? undefined : { events: g.complaints, denominator: v.trials },
    unsubscribe_rate: g.unsubscribes === undefined ? undefined : { events: g.unsubscribes, denominator: v.trials },
    bounce_rate: g.bounces === undefined ? undefined : { events: g.bounces, denominator: v.sends },
  };
}

function checkGuardrails(control: Variant, variant: Variant, level: number): GuardrailCheck[] {
  const controlCounts = guardrailCounts(control);
  const variantCounts = guardrailCounts(variant);
  const checks: GuardrailCheck[] = [];
  for (const metric of Object.keys(GUARDRAIL_NOUNS) as GuardrailMetric[]) {
    const c = controlCounts[metric];
    const v = variantCounts[metric];
    if (!c || !v) continue;
    const check = checkGuardrail(metric, c, v, level);
    if (check) checks.push(check);
  }
  return checks;
}

function looksFor(control: Variant, variant: Variant): SequentialLook[] {
  const history = (control.history ?? []).map((c, i) => ({ control: sample(c), treatment: sample(variant.history?.[i] ?? c) }));
  return [...history, { control: sample(control), treatment: sample(variant) }];
}

interface RawComparison {
  absoluteLift: LiftInterval;
  relativeLift: LiftInterval | null;
  unadjustedPValue: number | null;
  chanceToBeatControl: number;
  expectedLoss: number;
}

function compare(input: ParsedAbTestDecisionInput, control: Variant, variant: Variant, intervalAlpha: number): RawComparison | null {
  if (control.trials === 0 || variant.trials === 0) return null;
  const c = sample(control);
  const t = sample(variant);
  const { chanceToBeatControl, expectedLoss } = compareBetaPosteriors(c, t);
  if (input.method === 'sequential') {
    // The p-value (1/Λ) does not depend on the level; only the confidence sequences do.
    const evidence = sequentialEvidence(looksFor(control, variant), intervalAlpha, input.mixingRelativeSd);
    if (!evidence) return null;
    return {
      absoluteLift: { ...evidence.absoluteLift, kind: 'confidence_sequence' },
      relativeLift: evidence.relativeLift ? { ...evidence.relativeLift, kind: 'confidence_sequence' } : null,
      unadjustedPValue: evidence.pValue,
      chanceToBeatControl,
      expectedLoss,
    };
  }
  const absolute = absoluteLiftInterval(c, t, intervalAlpha);
  if (!absolute) return null;
  const relative = relativeLiftInterval(c, t, intervalAlpha);
  return {
    absoluteLift: { ...absolute, kind: 'confidence_interval' },
    relativeLift: relative ? { ...relative, kind: 'confidence_interval' } : null,
    unadjustedPValue: input.method === 'fixed_horizon' ? (twoProportionZTest(c, t)?.pValue ?? 1) : null,
    chanceToBeatControl,
    expectedLoss,
  };
}

function classify(
  method: AbTestMethod,
  raw: RawComparison,
  pValue: number | null,
  alpha: number,
  controlRate: number,
  minimumRelativeLift: number,
): ComparisonOutcome {
  const estimate = raw.absoluteLift.estimate;
  if (method === 'bayesian') {
    if (raw.chanceToBeatControl >= 1 - alpha && raw.expectedLoss < EXPECTED_LOSS_TOLERANCE_SHARE * controlRate) return 'better';
    if (raw.chanceToBeatControl <= alpha) return 'worse';
  } else if (pValue !== null && pValue < alpha && estimate !== 0) {
    return estimate > 0 ? 'better' : 'worse';
  }
  const margin = minimumRelativeLift * controlRate;
  if (margin > 0 && raw.absoluteLift.lower > -margin && raw.absoluteLift.upper < margin) return 'equivalent';
  return 'inconclusive';
}

function describeLift(result: VariantResult, control: VariantResult, metric: string): string {
  const comparison = result.comparison!;
  const lift = comparison.relativeLift
    ? `${formatSignedPercent(comparison.relativeLift.estimate)} relative; ${formatRange(comparison.relativeLift, false)}`
    : `${formatPoints(comparison.absoluteLift.estimate)}; ${formatRange(comparison.absoluteLift, true)}`;
  return `${result.name}'s ${metric} is ${formatPercent(result.rate!)} against ${formatPercent(control.rate!)} for ${control.name} (${lift}).`;
}

function describeEvidence(method: AbTestMethod, comparison: VariantComparison, alpha: number): string {
  if (method === 'bayesian') {
    return `It has a ${formatPercent(comparison.chanceToBeatControl)} chance to beat the control, and shipping it risks losing ${formatPoints(comparison.expectedLoss).replace('+', '')} on average.`;
  }
  const p = `${formatPValue(comparison.pValue!)}, below ${alpha}`;
  return method === 'sequential'
    ? `The sequential test is conclusive (${p}); it stays valid however often the results were checked.`
    : `The z-test is significant (${p}).`;
}

function result(
  input: ParsedAbTestDecisionInput,
  fields: Pick<AbTestDecision, 'decision' | 'winnerVariantId' | 'reasons'>,
  rest: Omit<AbTestDecision, 'decision' | 'winnerVariantId' | 'reasons' | 'method' | 'methodDescription' | 'alpha'>,
): AbTestDecision {
  return { ...fields, method: input.method, methodDescription: METHOD_DESCRIPTIONS[input.method], alpha: input.alpha, ...rest };
}

/**
 * Decides an A/B test on unique counts (unique opens or clicks per delivered email, per impression
 * on social). Throws a ZodError on malformed input (negative or fractional counts, successes above
 * trials, duplicate ids, two controls, uneven histories). The rules, applied in this order:
 *
 * 1. `insufficient_data` with fewer than two variants.
 * 2. `srm_alert` when the sends per variant fail the χ² goodness-of-fit against the registered
 *    weights at p < 0.001 (sample ratio mismatch): the assignment is broken, so no verdict is given.
 * 3. `insufficient_data` without a control, when any variant has fewer than `minTrialsPerVariant`
 *    trials (default 100), or when fewer than 5 successes or failures are expected in a variant at
 *    the pooled rate (the normal approximations do not hold yet).
 * 4. fixed horizon with `plannedTrialsPerVariant`: `keep_running` until every variant reaches it.
 * 5. Each variant is compared with the control. Sequential / fixed horizon: `better` or `worse`
 *    when its p-value (Holm-adjusted over the variants compared with the control) is below alpha.
 *    Bayesian: `better` when the chance to beat control is at least 1 − alpha and the expected loss
 *    is under 1 % of the control's rate; `worse` when that chance is at most alpha. Otherwise
 *    `equivalent` when its interval (at level 1 − alpha/m for m comparisons) lies strictly within
 *    ± minimumRelativeLift (default 5 %) of the control's rate, else `inconclusive`.
 * 6. `winner`: the `better` variant with the highest rate that no guardrail flags (complaint,
 *    unsubscribe and bounce rates, one-sided Fisher exact test at 0.05); or the control when every
 *    variant is `worse`.
 * 7. `no_difference` when no variant can win and every variant is `equivalent` or `worse`, or when
 *    every variant has reached `plannedTrialsPerVariant` (the evidence is exhausted: any remaining
 *    lift is too small to detect at the planned size).
 * 8. `keep_running` otherwise.
 *
 * Sequential p-values are the running minimum over the looks in `history` plus the current totals;
 * without a history the p-value of the current look alone is reported (still valid at that look,
 * see ./sequential). Rates, lifts, chance to beat control and expected loss are reported whatever
 * the decision, whenever both the variant and the control have trials.
 */
export function decideAbTest(rawInput: AbTestDecisionInput): AbTestDecision {
  const input = abTestDecisionInputSchema.parse(rawInput);
  const { variants, alpha, metricLabel: metric } = input;
  const control = variants.find((v) => v.isControl) ?? null;
  const challengers = variants.filter((v) => !v.isControl);
  const comparisons = control ? challengers.length : 0;
  const intervalAlpha = alpha / Math.max(1, comparisons);

  const raws = new Map<string, RawComparison | null>();
  if (control) for (const v of challengers) raws.set(v.variantId, compare(input, control, v, intervalAlpha));
  const adjusted = holmAdjust(challengers.map((v) => raws.get(v.variantId)?.unadjustedPValue ?? 1));
  const controlRate = control && control.trials > 0 ? control.successes / control.trials : 0;

  const results: VariantResult[] = variants.map((v) => {
    const raw = raws.get(v.variantId) ?? null;
    const index = challengers.indexOf(v);
    const pValue = raw && raw.unadjustedPValue !== null ? (adjusted[index] ?? null) : null;
    return {
      variantId: v.variantId,
      name: v.name,
      isControl: v.isControl,
      weight: v.weight,
      sends: v.sends,
      trials: v.trials,
      successes: v.successes,
      rate: v.trials > 0 ? v.successes / v.trials : null,
      comparison: raw
        ? { ...raw, pValue, outcome: classify(input.method, raw, pValue, alpha, controlRate, input.minimumRelativeLift) }
        : null,
      guardrails: control && !v.isControl ? checkGuardrails(control, v, input.guardrailLevel) : [],
    };
  });
  const guardrailFlags: GuardrailFlag[] = results.flatMap((r) =>
    r.guardrails.filter((g) => g.flagged).map((g) => ({ ...g, variantId: r.variantId, name: r.name })),
  );
  const srm = sampleRatioMismatch(
    variants.map((v) => v.sends),
    variants.map((v) => v.weight),
    input.srmThreshold,
  );
  const rest = { intervalLevel: 1 - intervalAlpha, comparisons, variants: results, sampleRatioMismatch: srm, guardrailFlags };
  const verdict = (decision: AbTestVerdict, reasons: string[], winnerVariantId: string | null = null) =>
    result(input, { decision, winnerVariantId, reasons }, rest);

  if (variants.length < 2) {
    return verdict('insufficient_data', [
      `An A/B test needs at least two variants to compare; this one has ${variants.length === 0 ? 'none' : 'only one'}.`,
    ]);
  }
  if (srm?.mismatch) {
    const split = variants.map(
      (v, i) =>
        `${v.name} ${formatPercent(v.sends / Math.max(1, sumSends(variants)))} (planned ${formatPercent(srm.expectedShares[i] ?? 0)})`,
    );
    return verdict('srm_alert', [
      `The traffic split does not match the planned weights (${split.join(', ')}; chi-square ${formatPValue(srm.pValue)}).`,
      'Something in the sending or tracking treats variants differently, so the results cannot be trusted; fix the split before reading them.',
    ]);
  }
  if (!control) {
    return verdict('insufficient_data', ['No variant is marked as the control, so there is nothing to compare against.']);
  }
  const controlResult = results.find((r) => r.isControl)!;
  const thin = variants.filter((v) => v.trials < input.minTrialsPerVariant);
  if (thin.length > 0) {
    return verdict('insufficient_data', [
      `Not enough data yet: every variant needs at least ${input.minTrialsPerVariant} deliveries or impressions (${thin
        .map((v) => `${v.name} has ${v.trials}`)
        .join(', ')}).`,
    ]);
  }
  const pooledRate = sumBy(variants, (v) => v.successes) / sumBy(variants, (v) => v.trials);
  const fewestExpected = Math.min(...variants.map((v) => v.trials * Math.min(pooledRate, 1 - pooledRate)));
  if (fewestExpected < MIN_EXPECTED_COUNT) {
    return verdict('insufficient_data', [
      pooledRate <= 0.5
        ? `Too little data for a ${metric} this low (${formatPercent(pooledRate)} overall): each variant needs enough deliveries or impressions to expect at least ${MIN_EXPECTED_COUNT} successes.`
        : `Too little data for a ${metric} this high (${formatPercent(pooledRate)} overall): each variant needs enough deliveries or impressions to expect at least ${MIN_EXPECTED_COUNT} that do not succeed.`,
    ]);
  }

  const multipleNote =
    comparisons > 1
      ? [
          `${comparisons} variants are compared with ${control.name}, so ${input.method === 'bayesian' ? 'ranges' : 'p-values are Holm-adjusted and ranges'} are widened to ${formatShare(1 - intervalAlpha)} to keep false positives at ${alpha} overall.`,
        ]
      : [];
  const smallestTrials = Math.min(...variants.map((v) => v.trials));
  const planned = input.plannedTrialsPerVariant;
  if (input.method === 'fixed_horizon' && planned !== undefined && smallestTrials < planned) {
    return verdict('keep_running', [
      `The fixed-horizon test is read once, at ${planned} deliveries or impressions per variant; the smallest variant has ${smallestTrials}. Reading it earlier would inflate false positives.`,
    ]);
  }

  const guardrailReasons = guardrailFlags.map(
    (g) =>
      `${g.name} has significantly more ${GUARDRAIL_NOUNS[g.metric]} than ${control.name} (${formatPercent(g.variantRate)} against ${formatPercent(g.controlRate)}, one-sided Fisher exact ${formatPValue(g.pValue)}); it cannot be declared the winner without a review.`,
  );
  const challengerResults = results.filter((r) => !r.isControl);
  const flaggedIds = new Set(guardrailFlags.map((g) => g.variantId));
  const better = challengerResults.filter((r) => r.comparison?.outcome === 'better').sort((a, b) => b.rate! - a.rate!);
  const eligible = better.filter((r) => !flaggedIds.has(r.variantId));
  const fixedCaveat =
    input.method === 'fixed_horizon' && planned === undefined
      ? ['No planned sample size was given: this reading is only valid if it is the single planned look at the data.']
      : [];

  const [winner] = eligible;
  if (winner) {
    const others = better
      .filter((r) => r !== winner)
      .map((r) => `${r.name} also beats ${control.name}, but its ${metric} is lower than ${winner.name}'s.`);
    return verdict(
      'winner',
      [
        describeLift(winner, controlResult, metric),
        describeEvidence(input.method, winner.comparison!, alpha),
        ...others,
        ...guardrailReasons,
        ...multipleNote,
        ...fixedCaveat,
      ],
      winner.variantId,
    );
  }
  const outcomes = challengerResults.map((r) => r.comparison?.outcome ?? 'inconclusive');
  if (outcomes.every((o) => o === 'worse')) {
    return verdict(
      'winner',
      [
        `${control.name} wins: every variant has a significantly lower ${metric}.`,
        ...challengerResults.map((r) => describeLift(r, controlResult, metric)),
        ...multipleNote,
        ...fixedCaveat,
      ],
      control.variantId,
    );
  }
  if (better.length > 0) {
    return verdict('keep_running', [...better.map((r) => describeLift(r, controlResult, metric)), ...guardrailReasons, ...multipleNote]);
  }
  const margin = input.minimumRelativeLift;
  if (outcomes.every((o) => o === 'equivalent' || o === 'worse')) {
    return verdict('no_difference', [
      `No variant changes the ${metric} by ${formatShare(margin)} or more (relative to ${control.name}'s ${formatPercent(controlRate)}): the likely ranges rule it out.`,
      ...challengerResults.map((r) => describeLift(r, controlResult, metric)),
      ...guardrailReasons,
      ...multipleNote,
    ]);
  }
  if (planned !== undefined && smallestTrials >= planned) {
    return verdict('no_difference', [
      `Every variant has reached the planned ${planned} deliveries or impressions without a clear winner: any remaining difference is too small to detect at this size.`,
      ...challengerResults.map((r) => describeLift(r, controlResult, metric)),
      ...guardrailReasons,
      ...multipleNote,
    ]);
  }
  return verdict('keep_running', [
    `No clear winner yet: the data still allow a change of ${formatShare(margin)} or more (relative to ${control.name}'s ${formatPercent(controlRate)}).`,
    ...challengerResults.map((r) => describeLift(r, controlResult, metric)),
    ...guardrailReasons,
    ...multipleNote,
    ...fixedCaveat,
  ]);
}

function sumBy<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((sum, item) => sum + value(item), 0);
}

function sumSends(variants: readonly Variant[]): number {
  return sumBy(variants, (v) => v.sends);
}
