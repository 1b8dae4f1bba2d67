// The decision methods, by the id callers choose them with. A new method is a module implementing
// DecisionMethod, its id in AB_TEST_METHODS, an entry here and its description in ../wording: the
// compiler refuses the registry or the wording until all are there.
import type { AbTestMethod } from '../ab-test-input';
import { bayesianMethod } from './bayesian-method';
import { fixedHorizonMethod } from './fixed-horizon-method';
import type { DecisionMethod } from './method';
import { sequentialMethod } from './sequential-method';

export const DECISION_METHODS = {
  sequential: sequentialMethod,
  fixed_horizon: fixedHorizonMethod,
  bayesian: bayesianMethod,
} as const satisfies Record<AbTestMethod, DecisionMethod>;

export { EXPECTED_LOSS_TOLERANCE_SHARE } from './bayesian-method';
export type { DecisionMethod, MethodInput, MethodReading, MethodResult } from './method';
