// A variant's counts as looks: every earlier cumulative look, oldest first, then the current totals.
import type { ParsedAbTestDecisionInput } from './ab-test-input';
import { lookSufficiency } from './look-sufficiency';
import type { ProportionSample } from './two-proportion';

export type Variant = ParsedAbTestDecisionInput['variants'][number];

export interface Look {
  trials: number;
  successes: number;
  guardrails?: { complaints?: number; unsubscribes?: number; bounces?: number; sends?: number };
}

export function sample(v: { trials: number; successes: number }): ProportionSample {
  return { trials: v.trials, successes: v.successes };
}

/** Every look of a variant, oldest first, the current totals last. */
export function looksOf(v: Variant): Look[] {
  return [...(v.history ?? []), { trials: v.trials, successes: v.successes, guardrails: { ...v.guardrails, sends: v.sends } }];
}

/** Indexes of the looks where every variant passes the sufficiency check (the current one included). */
export function countedLookIndexes(variants: readonly Variant[], minTrials: number): Set<number> {
  const looks = variants.map(looksOf);
  const counted = new Set<number>();
  for (let i = 0; i < (looks[0]?.length ?? 0); i++) {
    const arms = looks.map((l) => l[i]!);
    const consistent = arms.every((arm) => arm.successes <= arm.trials);
    if (consistent && lookSufficiency(arms.map(sample), minTrials).sufficient) counted.add(i);
  }
  return counted;
}
