// /api/circuits/metrics/alerts: its queries, the rules it takes and what it answers.
import { z } from 'zod';
import { alertRulesUpdateSchema } from '@/lib/decision-circuits/metrics/ops';
import { defineOperation, defineRoute, stamped, workspaceQuerySchema } from '@/lib/http/contract';
import { alertChannelSchema, alertHistorySchema, alertRuleSchema, alertStateSchema } from './alert-shapes';

export const contract = defineRoute({
  GET: defineOperation({
    summary: "The workspace's alert rules, channels (secrets masked), current states and history",
    auth: 'workspace',
    query: workspaceQuerySchema,
    responses: {
      200: {
        description: 'Rules, channels, states and history',
        schema: z.strictObject({
          workspace_id: z.string(),
          rules: z.array(alertRuleSchema),
          channels: z.array(alertChannelSchema),
          states: z.array(alertStateSchema),
          history: z.array(alertHistorySchema),
          ...stamped,
        }),
      },
    },
    errors: [400, 401, 403, 503],
  }),
  PUT: defineOperation({
    summary: 'Set alert rules: enabled and threshold per rule',
    auth: 'workspace',
    role: 'admin',
    query: workspaceQuerySchema,
    body: alertRulesUpdateSchema,
    responses: {
      200: {
        description: 'Every rule as it now stands',
        schema: z.strictObject({ workspace_id: z.string(), rules: z.array(alertRuleSchema), ...stamped }),
      },
    },
    errors: [400, 401, 403, 404, 413, 415, 503],
  }),
});
