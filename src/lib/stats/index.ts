// The statistics engine for A/B tests on unique counts: one import for the dashboard, the API and
// library callers. `decideAbTest` is the entry point; the building blocks are exported for reuse.
export {
  decideAbTest,
  EXPECTED_LOSS_TOLERANCE_SHARE,
  METHOD_DESCRIPTIONS,
  type AbTestDecision,
  type AbTestVerdict,
  type ComparisonOutcome,
  type GuardrailFlag,
  type LiftInterval,
  type VariantComparison,
  type VariantResult,
} from './decide-ab-test';
export {
  AB_TEST_METHODS,
  abTestDecisionInputSchema,
  abTestVariantCountsSchema,
  DEFAULT_MINIMUM_RELATIVE_LIFT,
  type AbTestDecisionInput,
  type AbTestMethod,
  type AbTestVariantCounts,
} from './ab-test-input';
export { absoluteLiftInterval, relativeLiftInterval, type Interval } from './lift';
export {
  DEFAULT_MIXING_RELATIVE_SD,
  msprtLook,
  sequentialEvidence,
  type SequentialEvidence,
  type SequentialLook,
  type SequentialLookResult,
} from './sequential';
export { compareBetaPosteriors, type BayesianComparison } from './bayesian';
export { chiSquareSurvival, sampleRatioMismatch, SRM_P_VALUE_THRESHOLD, type SampleRatioMismatch } from './chi-square';
export { holmAdjust } from './multiple-testing';
export {
  checkGuardrail,
  DEFAULT_GUARDRAIL_LEVEL,
  fisherExactGreater,
  GUARDRAIL_METRICS,
  type GuardrailCheck,
  type GuardrailMetric,
} from './guardrails';
export { normalCdf, normalQuantile, twoSidedPValue } from './normal';
export {
  assessDifference,
  DEFAULT_SIGNIFICANCE_LEVEL,
  MIN_TRIALS_PER_VARIANT,
  twoProportionZTest,
  type ProportionSample,
  type SignificanceAssessment,
  type TwoProportionResult,
} from './two-proportion';
