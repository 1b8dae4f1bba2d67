// The statistics engine for A/B tests on unique counts: one import for the dashboard, the API and
// library callers. `decideAbTest` is the entry point (`evaluateAbTest` for the reasons as codes
// only); the methods, the wording and the building blocks are exported for reuse.
export { decideAbTest, evaluateAbTest } from './decide-ab-test';
export {
  AB_TEST_VERDICTS,
  COMPARISON_FLAGS,
  COMPARISON_OUTCOMES,
  DECISION_FLAGS,
  type AbTestDecision,
  type AbTestVerdict,
  type CodedAbTestDecision,
  type ComparisonFlag,
  type ComparisonOutcome,
  type DataQualityIssue,
  type DecisionFlag,
  type GuardrailFlag,
  type LiftInterval,
  type MeasuredComparison,
  type VariantComparison,
  type VariantResult,
} from './decision-types';
export {
  DECISION_METHODS,
  EXPECTED_LOSS_TOLERANCE_SHARE,
  type DecisionMethod,
  type MethodInput,
  type MethodReading,
  type MethodResult,
} from './methods';
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
export { lookSufficiency, type LookSufficiency } from './look-sufficiency';
export { describeDecision, describeReason, METHOD_DESCRIPTIONS } from './wording';
export type { CountName, DecisionReason, DecisionReasonCode, MetricChoiceCode } from './reasons';
export { METRIC_CHOICE_CODES } from './reasons';
export {
  DEFAULT_MIXING_RELATIVE_SD,
  msprtLook,
  pooledDifferenceVariance,
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
  GUARDRAIL_MIXING_RELATIVE_SD,
  type GuardrailCheck,
  type GuardrailCounts,
  type GuardrailLook,
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
