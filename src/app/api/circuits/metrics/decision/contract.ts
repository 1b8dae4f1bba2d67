// GET /api/circuits/metrics/decision: its query (the library's decision query, in the API's
// camelCase names, field for field) and its answer, the decision report.
import { z } from 'zod';
import { METRICS_CHANNELS, abTestDecisionQuerySchema } from '@/lib/decision-circuits/metrics';
import { defineOperation, defineRoute, isoInstant, uuidParam } from '@/lib/http/contract';
import {
  AB_TEST_METHODS,
  AB_TEST_VERDICTS,
  COMPARISON_OUTCOMES,
  DECISION_FLAGS,
  GUARDRAIL_METRICS,
  METRIC_CHOICE_CODES,
} from '@/lib/stats';

const decisionFields = abTestDecisionQuerySchema.shape;

const interval = z.looseObject({ estimate: z.number(), lower: z.number(), upper: z.number(), level: z.number() });
const liftInterval = interval.extend({ kind: z.enum(['confidence_sequence', 'confidence_interval']) });

const guardrailCheck = z.looseObject({
  metric: z.enum(GUARDRAIL_METRICS),
  controlRate: z.number(),
  variantRate: z.number(),
  pValue: z.number(),
  interval,
  flagged: z.boolean(),
  level: z.number(),
  looks: z.number().int(),
});

const variantResult = z.looseObject({
  variantId: z.string(),
  name: z.string(),
  isControl: z.boolean(),
  weight: z.number(),
  sends: z.number(),
  trials: z.number(),
  successes: z.number(),
  rate: z.number().nullable(),
  comparison: z
    .looseObject({
      absoluteLift: liftInterval,
      relativeLift: liftInterval.nullable(),
      observedDifference: z.number(),
      pValue: z.number().nullable(),
      unadjustedPValue: z.number().nullable(),
      chanceToBeatControl: z.number(),
      expectedLoss: z.number(),
      outcome: z.enum(COMPARISON_OUTCOMES),
      flags: z.array(z.string()),
      looks: z.number().int(),
    })
    .nullable(),
  guardrails: z.array(guardrailCheck),
});

export const decisionReportSchema = z
  .looseObject({
    workspace_id: z.string(),
    ab_test_id: z.string(),
    decision: z.enum(AB_TEST_VERDICTS),
    winnerVariantId: z.string().nullable(),
    reasons: z.array(z.string()).meta({ description: 'Why, in words, most important first' }),
    reasonCodes: z.array(z.looseObject({ code: z.string() })).meta({ description: 'The same reasons as codes with their numbers' }),
    flags: z.array(z.enum(DECISION_FLAGS)),
    method: z.enum(AB_TEST_METHODS),
    methodDescription: z.string(),
    alpha: z.number(),
    intervalLevel: z.number(),
    comparisons: z.number().int(),
    variants: z.array(variantResult),
    sampleRatioMismatch: z
      .looseObject({
        chiSquare: z.number(),
        degreesOfFreedom: z.number(),
        pValue: z.number(),
        mismatch: z.boolean(),
        threshold: z.number(),
        expectedSends: z.array(z.number()),
        expectedShares: z.array(z.number()),
      })
      .nullable(),
    splitRegistered: z.boolean(),
    guardrailFlags: z.array(guardrailCheck.extend({ variantId: z.string(), name: z.string() })),
    dataQualityIssues: z.array(
      z.looseObject({
        variantId: z.string(),
        name: z.string(),
        counted: z.string(),
        value: z.number(),
        limitName: z.string(),
        limit: z.number(),
      }),
    ),
    windowHours: z.number().nullable(),
    test: z.looseObject({
      name: z.string(),
      registered: z.boolean(),
      control_rule: z.string(),
      channel: z.enum(METRICS_CHANNELS).nullable(),
      started_at: isoInstant.nullable(),
    }),
    metric: z.looseObject({
      key: decisionFields.metric.unwrap(),
      label: z.string(),
      successes: z.string(),
      trials: z.string(),
      choice: z
        .looseObject({
          code: z.literal('metric_choice'),
          choice: z.enum(METRIC_CHOICE_CODES),
          metric: z.string(),
          providers: z.array(z.string()),
          withoutOpenSignal: z.array(z.string()),
        })
        .meta({ description: 'Why this metric decided: registered, requested, or the default rule, with the providers it looked at' }),
      why: z.string().meta({ description: 'The choice in one sentence' }),
    }),
    unit: z.enum(['message', 'impression']),
    window: z.looseObject({ hours: z.number(), source: z.enum(['registered', 'default']), pendingMessages: z.number().int() }).nullable(),
    duplicateDeliveries: z.number().int(),
    looks: z.number().int(),
    asOf: isoInstant,
    timestamp: isoInstant,
  })
  .meta({ id: 'DecisionReport' });

export const contract = defineRoute({
  GET: defineOperation({
    summary: `The verdict on one A/B test (${AB_TEST_VERDICTS.join(', ')}), with flags, per-variant numbers and reasons`,
    auth: 'workspace',
    apiKey: 'read',
    query: z.object({ workspaceId: uuidParam, abTestId: uuidParam, metric: decisionFields.metric, method: decisionFields.method }).strict(),
    responses: { 200: { description: 'The decision report', schema: decisionReportSchema } },
    errors: [400, 401, 403, 404, 503],
  }),
});
