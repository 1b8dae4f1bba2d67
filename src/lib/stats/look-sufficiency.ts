// When a look has enough data to count: the one check applied to the current totals (below it the
// decision is `insufficient_data`) and to every earlier look (below it the look is left out of the
// running minimum p-value and the intersected confidence sequence). One rule for both, so an early
// hour with a handful of deliveries can never settle a test that the current totals could not.
//
// The thresholds:
// - at least 100 trials per arm: below that one message moves a rate by a whole percentage point,
//   and the plug-in variances the normal mixture relies on swing with every message (an arm with
//   0 successes out of 5 has an estimated variance of 0, and a p-value near 1e-96 against anything);
// - at least 5 expected successes and 5 expected failures per arm at the pooled rate: Cochran's
//   classical condition for the normal approximation of a binomial count, which both the z-test
//   and the mSPRT's normal likelihood assume.
import { MIN_EXPECTED_COUNT, MIN_TRIALS_PER_VARIANT, type ProportionSample } from './two-proportion';

export type LookSufficiency =
  | { sufficient: true; pooledRate: number }
  | { sufficient: false; problem: 'too_few_trials'; thinArms: number[]; pooledRate: number | null }
  | { sufficient: false; problem: 'too_few_successes' | 'too_few_failures'; pooledRate: number };

/**
 * Whether every arm of a look has enough trials and expected successes and failures. The arms
 * are the counts of one look, e.g. control and treatment; their indexes name the thin ones.
 */
export function lookSufficiency(
  arms: readonly ProportionSample[],
  minTrials: number = MIN_TRIALS_PER_VARIANT,
  minExpected: number = MIN_EXPECTED_COUNT,
): LookSufficiency {
  const trials = arms.reduce((sum, arm) => sum + arm.trials, 0);
  const successes = arms.reduce((sum, arm) => sum + arm.successes, 0);
  const pooledRate = trials > 0 ? successes / trials : null;
  const thinArms = arms.flatMap((arm, index) => (arm.trials < minTrials ? [index] : []));
  if (thinArms.length > 0 || pooledRate === null) return { sufficient: false, problem: 'too_few_trials', thinArms, pooledRate };
  const fewestTrials = Math.min(...arms.map((arm) => arm.trials));
  if (fewestTrials * pooledRate < minExpected) return { sufficient: false, problem: 'too_few_successes', pooledRate };
  if (fewestTrials * (1 - pooledRate) < minExpected) return { sufficient: false, problem: 'too_few_failures', pooledRate };
  return { sufficient: true, pooledRate };
}
