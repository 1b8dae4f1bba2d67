// From the compared variants to the verdict, shared by every method: each comparison's outcome,
// then guardrail alert, winner, control wins, no difference or keep running, with their reasons.
import type { ParsedAbTestDecisionInput } from './ab-test-input';
import type { AbTestVerdict, ComparisonOutcome, GuardrailFlag, MeasuredComparison, VariantResult } from './decision-types';
import type { MethodReading, MethodResult } from './methods';
import type { DecisionReason } from './reasons';

/** The method's direction, else `equivalent` when the range and the estimate lie within the margin. */
export function outcomeOf(reading: MethodReading, minimumRelativeLift: number, controlRate: number): ComparisonOutcome {
  if (reading.direction) return reading.direction;
  const measured: MeasuredComparison = reading.measured;
  const margin = minimumRelativeLift * controlRate;
  const { lower, upper } = measured.absoluteLift;
  const withinMargin = lower > -margin && upper < margin && Math.abs(measured.observedDifference) < margin;
  if (margin > 0 && measured.flags.length === 0 && withinMargin) return 'equivalent';
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

export interface VerdictInput {
  input: ParsedAbTestDecisionInput;
  control: VariantResult;
  challengers: readonly VariantResult[];
  guardrailFlags: readonly GuardrailFlag[];
  method: MethodResult;
  /** 1 − alpha / comparisons. */
  intervalLevel: number;
}

export interface Verdict {
  decision: AbTestVerdict;
  reasonCodes: DecisionReason[];
  winnerVariantId: string | null;
}

export function readVerdict({ input, control, challengers, guardrailFlags, method, intervalLevel }: VerdictInput): Verdict {
  const { alpha, metricLabel: metric } = input;
  const verdict = (decision: AbTestVerdict, reasonCodes: DecisionReason[], winnerVariantId: string | null = null) => ({
    decision,
    reasonCodes,
    winnerVariantId,
  });
  const lifts = challengers.filter((r) => r.comparison).map((r) => liftReason(r, control, metric));
  const flagged = challengers.flatMap((r) => flagReasons(r, metric));
  const notes: DecisionReason[] = [];
  if (challengers.length > 1) {
    notes.push({
      code: 'multiple_comparisons',
      comparisons: challengers.length,
      control: control.name,
      method: input.method,
      intervalLevel,
      alpha,
    });
  }
  notes.push(...method.notes);

  if (method.wait) return verdict('keep_running', [method.wait]);
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

  const better = challengers.filter((r) => r.comparison?.outcome === 'better').sort((a, b) => b.rate! - a.rate!);
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
    return verdict('winner', [liftReason(winner, control, metric), evidence, ...others, ...flagged, ...notes], winner.variantId);
  }
  const outcomes = challengers.map((r) => r.comparison?.outcome ?? 'inconclusive');
  if (outcomes.every((o) => o === 'worse')) {
    return verdict('control_wins', [{ code: 'control_wins', control: control.name, metric }, ...lifts, ...notes], control.variantId);
  }
  const controlRate = control.rate!;
  const margin = input.minimumRelativeLift;
  const marginReason = { metric, margin, control: control.name, controlRate };
  if (outcomes.every((o) => o === 'equivalent' || o === 'worse')) {
    return verdict('no_difference', [{ code: 'no_difference', ...marginReason }, ...lifts, ...notes]);
  }
  const planned = input.plannedTrialsPerVariant;
  const smallestTrials = Math.min(control.trials, ...challengers.map((r) => r.trials));
  const estimatesWithinMargin = challengers.every((r) => Math.abs(r.comparison?.observedDifference ?? 0) < margin * controlRate);
  if (planned !== undefined && smallestTrials >= planned && estimatesWithinMargin && flagged.length === 0) {
    return verdict('no_difference', [{ code: 'planned_reached', planned }, ...lifts, ...notes]);
  }
  return verdict('keep_running', [...flagged, { code: 'keep_running', ...marginReason }, ...lifts, ...notes]);
}
