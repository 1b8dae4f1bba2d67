// What must hold before any method is read, in this order: consistent counts, two variants, the
// registered split, a control, and enough data at the current look. Each check either passes
// (null) or gives the verdict that stops the decision, with its reasons.
import type { ParsedAbTestDecisionInput } from './ab-test-input';
import type { SampleRatioMismatch } from './chi-square';
import type { AbTestVerdict, DataQualityIssue } from './decision-types';
import { lookSufficiency } from './look-sufficiency';
import type { CountName, DecisionReason } from './reasons';
import { MIN_EXPECTED_COUNT } from './two-proportion';
import { sample, type Variant } from './variant-looks';

export interface Stop {
  decision: AbTestVerdict;
  reasonCodes: DecisionReason[];
}

/** Every current count above what contains it. */
export function dataQualityIssues(variants: readonly Variant[]): DataQualityIssue[] {
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

export function dataQualityStop(issues: readonly DataQualityIssue[]): Stop | null {
  if (issues.length === 0) return null;
  return {
    decision: 'data_quality',
    reasonCodes: [
      ...issues.map((i): DecisionReason => ({ code: 'impossible_count', variant: i.name, ...i })),
      { code: 'impossible_counts_consequence' },
    ],
  };
}

export function variantCountStop(variants: readonly Variant[]): Stop | null {
  return variants.length < 2
    ? { decision: 'insufficient_data', reasonCodes: [{ code: 'too_few_variants', count: variants.length }] }
    : null;
}

export function splitStop(variants: readonly Variant[], srm: SampleRatioMismatch | null): Stop | null {
  if (!srm?.mismatch) return null;
  const totalSends = Math.max(
    1,
    variants.reduce((sum, v) => sum + v.sends, 0),
  );
  const shares = variants.map((v, i) => ({ name: v.name, share: v.sends / totalSends, planned: srm.expectedShares[i] ?? 0 }));
  return {
    decision: 'srm_alert',
    reasonCodes: [{ code: 'split_mismatch', shares, pValue: srm.pValue }, { code: 'split_mismatch_consequence' }],
  };
}

export const NO_CONTROL: Stop = { decision: 'insufficient_data', reasonCodes: [{ code: 'no_control' }] };

export function sufficiencyStop(input: ParsedAbTestDecisionInput): Stop | null {
  const { variants, minTrialsPerVariant: minTrials, metricLabel: metric } = input;
  const current = lookSufficiency(variants.map(sample), minTrials);
  if (current.sufficient) return null;
  if (current.problem === 'too_few_trials') {
    const arms = current.thinArms.map((i) => ({ name: variants[i]!.name, trials: variants[i]!.trials }));
    return { decision: 'insufficient_data', reasonCodes: [{ code: 'too_few_trials', minTrials, arms }] };
  }
  const side = current.problem === 'too_few_successes' ? 'successes' : 'failures';
  return {
    decision: 'insufficient_data',
    reasonCodes: [{ code: 'too_few_expected', metric, pooledRate: current.pooledRate, min: MIN_EXPECTED_COUNT, side }],
  };
}
