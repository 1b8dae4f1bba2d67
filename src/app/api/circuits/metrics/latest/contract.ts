// GET /api/circuits/metrics/latest: its query and its answer.
import { z } from 'zod';
import { LATEST_NUMBERS } from '@/lib/decision-circuits/metrics';
import { defineOperation, defineRoute, workspaceList } from '@/lib/http/contract';
import { readScope, rollupSchema } from '../read-contract';

// The newest hour's headline numbers (the metrics_rollup_latest view), named as in the rollups.
const latestRollupSchema = rollupSchema.pick({
  workspace_id: true,
  circuit_execution_id: true,
  ab_test_id: true,
  variant_id: true,
  channel: true,
  time_bucket: true,
  ...(Object.fromEntries(LATEST_NUMBERS.map((key) => [key, true])) as Record<(typeof LATEST_NUMBERS)[number], true>),
});

export const contract = defineRoute({
  GET: defineOperation({
    summary: 'Newest rollup per variant and channel',
    auth: 'workspace',
    apiKey: 'read',
    query: z.object({ workspaceId: readScope.workspaceId, abTestId: readScope.abTestId, channel: readScope.channel }).strict(),
    responses: {
      200: {
        description: 'The newest hour of each variant and channel',
        schema: workspaceList('latest', latestRollupSchema),
      },
    },
    errors: [400, 401, 403, 503],
  }),
});
