// The default method: the always-valid mSPRT (../sequential) over every look that counts, so the
// results may be read at any time, as often as wanted, without raising the false-positive rate.
import type { ComparisonFlag, LiftInterval, MeasuredComparison } from '../decision-types';
import { sequentialEvidence, type SequentialLook } from '../sequential';
import { looksOf, sample, type Variant } from '../variant-looks';
import { controlRateOf, posteriorOf, relativeTo, significanceReadings, type DecisionMethod, type MethodInput } from './method';

function measure(input: MethodInput, variant: Variant): MeasuredComparison | null {
  const { control, countedLooks, intervalAlpha, mixingRelativeSd } = input;
  const { chanceToBeatControl, expectedLoss } = posteriorOf(control, variant);
  const variantLooks = looksOf(variant);
  const looks: SequentialLook[] = looksOf(control).flatMap((look, i) =>
    countedLooks.has(i) ? [{ control: sample(look), treatment: sample(variantLooks[i]!) }] : [],
  );
  const evidence = sequentialEvidence(looks, intervalAlpha, mixingRelativeSd);
  if (!evidence) return null;
  const absoluteLift: LiftInterval = { ...evidence.absoluteLift, kind: 'confidence_sequence' };
  const flags: ComparisonFlag[] = [];
  if (evidence.effectChangedOverTime) flags.push('effect_changed_over_time');
  if (evidence.estimateOutsideInterval) flags.push('estimate_outside_interval');
  return {
    absoluteLift,
    relativeLift: relativeTo(absoluteLift, controlRateOf(control)),
    observedDifference: evidence.observedDifference,
    unadjustedPValue: evidence.pValue,
    chanceToBeatControl,
    expectedLoss,
    flags,
    looks: evidence.looks,
  };
}

export const sequentialMethod: DecisionMethod = {
  id: 'sequential',
  evaluate(input) {
    const measured = input.challengers.map((variant) => measure(input, variant));
    return { readings: significanceReadings(measured, input.alpha), notes: [], flags: [], wait: null };
  },
};
