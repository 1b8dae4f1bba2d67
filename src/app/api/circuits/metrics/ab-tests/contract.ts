// /api/circuits/metrics/ab-tests: registering a test and listing them, with the test shape both answer.
import { z } from 'zod';
import { DECISION_METRIC_KEYS, abTestRegistrationSchema } from '@/lib/decision-circuits/metrics/ab-tests';
import { METRICS_CHANNELS, METRICS_PROVIDERS } from '@/lib/decision-circuits/metrics';
import { METRIC_CHOICE_CODES } from '@/lib/stats';
import { defineOperation, defineRoute, isoInstant, stamped, workspaceList, workspaceQuerySchema } from '@/lib/http/contract';

export const abTestSchema = z
  .strictObject({
    ab_test_id: z.string(),
    name: z.string(),
    registered: z.boolean(),
    primary_metric: z.enum(DECISION_METRIC_KEYS),
    primary_metric_choice: z
      .enum(METRIC_CHOICE_CODES)
      .meta({ description: 'metric_registered, or the default rule that picked primary_metric for an unregistered test' }),
    providers: z.array(z.enum(METRICS_PROVIDERS)).meta({ description: "The providers of the test's mapped email messages, sorted" }),
    started_at: isoInstant.nullable(),
    channel: z.enum(METRICS_CHANNELS).nullable(),
    window_hours: z.number().int(),
    variants: z.array(
      z.strictObject({
        variant_id: z.string(),
        name: z.string(),
        is_control: z.boolean(),
        weight: z.number(),
        first_bucket: isoInstant.nullable().meta({ description: 'First hour with traffic (null before any)' }),
      }),
    ),
    control_rule: z.string().meta({ description: 'How the control was chosen, in words' }),
  })
  .meta({ id: 'AbTest' });

export const contract = defineRoute({
  GET: defineOperation({
    summary: "The workspace's A/B tests with named variants and control (registered, or inferred from rollups)",
    auth: 'workspace',
    apiKey: 'read',
    query: workspaceQuerySchema,
    responses: {
      200: {
        description: 'Tests',
        schema: workspaceList('tests', abTestSchema),
      },
    },
    errors: [400, 401, 403, 503],
  }),
  POST: defineOperation({
    summary: 'Register or replace a test: name, primary metric, variants with names, control and weights',
    auth: 'workspace',
    role: 'member',
    apiKey: 'attribution:write',
    query: workspaceQuerySchema,
    body: abTestRegistrationSchema,
    responses: {
      201: {
        description: 'The registered test',
        schema: z.strictObject({ workspace_id: z.string(), test: abTestSchema.optional(), ...stamped }),
      },
    },
    errors: [400, 401, 403, 404, 413, 415, 503],
  }),
});
