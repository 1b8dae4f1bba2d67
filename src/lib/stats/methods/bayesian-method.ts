// Beta(1, 1) posteriors: a winner needs a chance to beat control of at least 1 − alpha, an expected
// loss under a share of the control's rate, and a range above zero. Not sequential: read at several
// looks it does not bound false winners, and its reading says so.
import type { DecisionFlag } from '../decision-types';
import type { DecisionReason } from '../reasons';
import { looksOf } from '../variant-looks';
import { controlRateOf, oneLookMeasurement, rangeDirection, type DecisionMethod, type MethodReading } from './method';

/** Bayesian winners must also risk losing, on average, less than this share of the control's rate. */
export const EXPECTED_LOSS_TOLERANCE_SHARE = 0.01;

export const bayesianMethod: DecisionMethod = {
  id: 'bayesian',
  evaluate({ control, challengers, alpha, intervalAlpha }) {
    const controlRate = controlRateOf(control);
    const readings = challengers.map((variant): MethodReading | null => {
      const measured = oneLookMeasurement(control, variant, intervalAlpha, null);
      if (!measured) return null;
      const range = rangeDirection(measured);
      const lossOk = measured.expectedLoss < EXPECTED_LOSS_TOLERANCE_SHARE * controlRate;
      const better = range === 'better' && measured.chanceToBeatControl >= 1 - alpha && lossOk;
      const worse = range === 'worse' && measured.chanceToBeatControl <= alpha;
      return { measured, pValue: null, direction: better ? 'better' : worse ? 'worse' : null };
    });
    const looks = looksOf(control).length;
    const repeated = looks > 1;
    const notes: DecisionReason[] = repeated ? [{ code: 'bayesian_repeated_looks', looks }] : [];
    const flags: DecisionFlag[] = repeated ? ['bayesian_repeated_looks'] : [];
    return { readings, notes, flags, wait: null };
  },
};
