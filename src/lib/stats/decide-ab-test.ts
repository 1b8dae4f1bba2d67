// One decision for an A/B test from its per-variant counts: the shared entry point of the dashboard,
// the API and library callers. The engine (evaluateAbTest) composes the shared checks with the chosen
// method and answers in reason codes; decideAbTest adds the words (./wording).
import { abTestDecisionInputSchema, type AbTestDecisionInput, type ParsedAbTestDecisionInput } from './ab-test-input';
import { sampleRatioMismatch, type SampleRatioMismatch } from './chi-square';
import {
  DECISION_FLAGS,
  type AbTestDecision,
  type CodedAbTestDecision,
  type DataQualityIssue,
  type DecisionFlag,
  type GuardrailFlag,
  type VariantResult,
} from './decision-types';
import { DECISION_METHODS, type MethodResult } from './methods';
import { dataQualityIssues, dataQualityStop, NO_CONTROL, splitStop, sufficiencyStop, variantCountStop, type Stop } from './preconditions';
import type { DecisionReason } from './reasons';
import { checkGuardrails, guardrailMetricsOf } from './variant-guardrails';
import { countedLookIndexes, type Variant } from './variant-looks';
import { outcomeOf, readVerdict, type Verdict } from './verdict-rules';
import { describeDecision } from './wording';

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

/** Each challenger with the method's comparison and its guardrail checks; the control as it is. */
function comparedResults(input: ParsedAbTestDecisionInput, control: Variant, method: MethodResult): VariantResult[] {
  const { variants } = input;
  const challengers = variants.filter((v) => !v.isControl);
  const controlRate = control.successes / control.trials;
  const guardrailMetrics = guardrailMetricsOf(variants);
  const guardrailLevel = input.guardrailLevel / Math.max(1, guardrailMetrics.length * challengers.length);
  return bareResults(variants).map((result, i) => {
    const v = variants[i]!;
    if (v.isControl) return result;
    const reading = method.readings[challengers.indexOf(v)] ?? null;
    return {
      ...result,
      comparison: reading
        ? { ...reading.measured, pValue: reading.pValue, outcome: outcomeOf(reading, input.minimumRelativeLift, controlRate) }
        : null,
      guardrails: checkGuardrails(control, v, guardrailMetrics, guardrailLevel, input.minTrialsPerVariant),
    };
  });
}

interface Outcome {
  verdict: Verdict;
  results: VariantResult[];
  srm: SampleRatioMismatch | null;
  guardrailFlags: GuardrailFlag[];
  methodFlags: DecisionFlag[];
}

/** The shared checks in order, then the chosen method and the verdict rules. */
function decide(input: ParsedAbTestDecisionInput, issues: DataQualityIssue[], intervalAlpha: number): Outcome {
  const { variants } = input;
  const stopped = (stop: Stop, srm: SampleRatioMismatch | null = null): Outcome => ({
    verdict: { ...stop, winnerVariantId: null },
    results: bareResults(variants),
    srm,
    guardrailFlags: [],
    methodFlags: [],
  });
  const early = dataQualityStop(issues) ?? variantCountStop(variants);
  if (early) return stopped(early);
  const srm = input.splitRegistered
    ? sampleRatioMismatch(
        variants.map((v) => v.sends),
        variants.map((v) => v.weight),
        input.srmThreshold,
      )
    : null;
  const control = variants.find((v) => v.isControl) ?? null;
  if (!control) return stopped(splitStop(variants, srm) ?? NO_CONTROL, srm);
  const stop = splitStop(variants, srm) ?? sufficiencyStop(input);
  if (stop) return stopped(stop, srm);

  const method = DECISION_METHODS[input.method].evaluate({
    control,
    challengers: variants.filter((v) => !v.isControl),
    alpha: input.alpha,
    intervalAlpha,
    countedLooks: countedLookIndexes(variants, input.minTrialsPerVariant),
    mixingRelativeSd: input.mixingRelativeSd,
    plannedTrialsPerVariant: input.plannedTrialsPerVariant,
  });
  const results = comparedResults(input, control, method);
  const guardrailFlags = results.flatMap((r) =>
    r.guardrails.filter((g) => g.flagged).map((g) => ({ ...g, variantId: r.variantId, name: r.name })),
  );
  const verdict = readVerdict({
    input,
    control: results.find((r) => r.isControl)!,
    challengers: results.filter((r) => !r.isControl),
    guardrailFlags,
    method,
    intervalLevel: 1 - intervalAlpha,
  });
  return { verdict, results, srm, guardrailFlags, methodFlags: method.flags };
}

/**
 * Decides an A/B test on unique counts per message (unique opens or clicks per delivered email,
 * engagements per impression on social), answering in reason codes. Throws a ZodError on malformed
 * input (negative or fractional counts, duplicate ids, two controls, uneven histories). In order:
 *
 * 1. `data_quality` when a current count exceeds what contains it (./preconditions).
 * 2. `insufficient_data` with fewer than two variants.
 * 3. `srm_alert` when the split was registered and the sends per variant fail the χ² goodness of
 *    fit against the weights at p < 0.001. Unregistered: not checked, and the reasons say so.
 * 4. `insufficient_data` without a control, or when the current look fails ./look-sufficiency.
 * 5. The chosen method (./methods) measures every challenger against the control and reads a
 *    direction where its evidence allows one; it may also ask the test to keep running
 *    (fixed horizon before `plannedTrialsPerVariant`).
 * 6. Guardrails (./variant-guardrails), then the verdict (./verdict-rules): `guardrail_alert`,
 *    `winner`, `control_wins`, `no_difference` or `keep_running`.
 */
export function evaluateAbTest(rawInput: AbTestDecisionInput): CodedAbTestDecision {
  const input = abTestDecisionInputSchema.parse(rawInput);
  const hasControl = input.variants.some((v) => v.isControl);
  const comparisons = hasControl ? input.variants.length - 1 : 0;
  const intervalAlpha = input.alpha / Math.max(1, comparisons);
  const issues = dataQualityIssues(input.variants);
  const { verdict, results, srm, guardrailFlags, methodFlags } = decide(input, issues, intervalAlpha);

  const context: DecisionReason[] = [];
  const flags = new Set<DecisionFlag>(methodFlags);
  if (!input.splitRegistered) {
    flags.add('even_split_assumed');
    context.push({ code: 'split_assumed' });
  }
  if (input.windowHours !== undefined) context.push({ code: 'window', hours: input.windowHours, metric: input.metricLabel });
  for (const r of results) for (const flag of r.comparison?.flags ?? []) flags.add(flag);
  return {
    decision: verdict.decision,
    winnerVariantId: verdict.winnerVariantId,
    reasonCodes: [...verdict.reasonCodes, ...context],
    flags: DECISION_FLAGS.filter((f) => flags.has(f)),
    method: input.method,
    alpha: input.alpha,
    intervalLevel: 1 - intervalAlpha,
    comparisons,
    variants: results,
    sampleRatioMismatch: srm,
    splitRegistered: input.splitRegistered,
    guardrailFlags,
    dataQualityIssues: issues,
    windowHours: input.windowHours ?? null,
  };
}

/** The decision with its reasons in words: evaluateAbTest, described by ./wording. */
export function decideAbTest(rawInput: AbTestDecisionInput): AbTestDecision {
  return describeDecision(evaluateAbTest(rawInput));
}
