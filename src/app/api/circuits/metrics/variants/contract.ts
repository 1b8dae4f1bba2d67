// GET /api/circuits/metrics/variants: its query and its answer.
import { z } from 'zod';
import { defineOperation, defineRoute, stamped, uuidParam } from '@/lib/http/contract';
import { readScope, summarySchema, timeRangeIssue, timeRangeOk } from '../read-contract';

export const contract = defineRoute({
  GET: defineOperation({
    summary: 'Every variant of one A/B test side by side',
    auth: 'workspace',
    apiKey: 'read',
    query: z
      .object({ ...readScope, abTestId: uuidParam })
      .strict()
      .refine(timeRangeOk, timeRangeIssue),
    responses: {
      200: {
        description: "Each variant's totals and rates over the range",
        schema: z.strictObject({
          workspace_id: z.string(),
          ab_test_id: z.string(),
          variants: z.array(summarySchema),
          count: z.number().int(),
          ...stamped,
        }),
      },
    },
    errors: [400, 401, 403, 503],
  }),
});
