// The two-proportion z-test with Wald intervals: valid read once, at a size fixed in advance.
import { twoProportionZTest } from '../two-proportion';
import type { DecisionReason } from '../reasons';
import { sample } from '../variant-looks';
import { oneLookMeasurement, significanceReadings, type DecisionMethod } from './method';

export const fixedHorizonMethod: DecisionMethod = {
  id: 'fixed_horizon',
  evaluate({ control, challengers, alpha, intervalAlpha, plannedTrialsPerVariant: planned }) {
    const measured = challengers.map((variant) =>
      oneLookMeasurement(control, variant, intervalAlpha, twoProportionZTest(sample(control), sample(variant))?.pValue ?? 1),
    );
    const notes: DecisionReason[] = planned === undefined ? [{ code: 'single_planned_look' }] : [];
    const smallest = Math.min(control.trials, ...challengers.map((v) => v.trials));
    // Read before the planned size, the z-test's false-positive rate is not what alpha says.
    const wait: DecisionReason | null =
      planned !== undefined && smallest < planned ? { code: 'fixed_horizon_not_reached', planned, smallest } : null;
    return { readings: significanceReadings(measured, alpha), notes, flags: [], wait };
  },
};
