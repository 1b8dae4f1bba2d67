// GET /api/circuits/metrics/summary: its query and its answer.
import { z } from 'zod';
import { defineOperation, defineRoute, stamped, uuidParam } from '@/lib/http/contract';
import { readScope, summarySchema, timeRangeIssue, timeRangeOk } from '../read-contract';

export const contract = defineRoute({
  GET: defineOperation({
    summary: 'Totals and rates over a range',
    auth: 'workspace',
    apiKey: 'read',
    query: z
      .object({ ...readScope, variantId: uuidParam.optional() })
      .strict()
      .refine(timeRangeOk, timeRangeIssue),
    responses: {
      200: { description: 'Totals and rates (recomputed from the totals)', schema: summarySchema.extend(stamped) },
    },
    errors: [400, 401, 403, 503],
  }),
});
