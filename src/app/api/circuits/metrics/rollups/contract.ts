// GET /api/circuits/metrics/rollups: its query and its answer.
import { z } from 'zod';
import { METRICS_CHANNELS, ROLLUPS_DEFAULT_LIMIT, ROLLUPS_MAX_LIMIT } from '@/lib/decision-circuits/metrics';
import { defineOperation, defineRoute, stamped, uuidParam } from '@/lib/http/contract';
import { readScope, rollupSchema, timeRangeIssue, timeRangeOk } from '../read-contract';

export const rollupsQuerySchema = z
  .object({
    ...readScope,
    variantId: uuidParam.optional(),
    limit: z.coerce
      .number({ message: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(ROLLUPS_MAX_LIMIT, `must be at most ${ROLLUPS_MAX_LIMIT}`)
      .default(ROLLUPS_DEFAULT_LIMIT),
  })
  .strict()
  .refine(timeRangeOk, timeRangeIssue);

export const contract = defineRoute({
  GET: defineOperation({
    summary: 'Hourly rollups, newest first',
    auth: 'workspace',
    apiKey: 'read',
    query: rollupsQuerySchema,
    responses: {
      200: {
        description: 'The rollups that match, newest hour first, with the filters echoed',
        schema: z.strictObject({
          workspace_id: z.string(),
          ab_test_id: z.string().nullable(),
          variant_id: z.string().nullable(),
          circuit_execution_id: z.string().nullable(),
          channel: z.enum(METRICS_CHANNELS).nullable(),
          rollups: z.array(rollupSchema),
          count: z.number().int(),
          ...stamped,
        }),
      },
    },
    errors: [400, 401, 403, 503],
  }),
});
