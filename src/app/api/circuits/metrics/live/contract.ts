// GET /api/circuits/metrics/live: its query and its answers (the version, or 304 while unchanged).
import { z } from 'zod';
import { METRICS_PROVIDERS, liveVersionQuerySchema } from '@/lib/decision-circuits/metrics';
import { defineOperation, defineRoute, isoInstant } from '@/lib/http/contract';

const liveHeaders = {
  etag: 'The version, as a strong ETag',
  'x-counted-up-to': 'Every delivery acknowledged before this time is in the numbers',
};

export const contract = defineRoute({
  GET: defineOperation({
    summary: "The live version of a page's numbers: an A/B test (abTestId), else the workspace's operations",
    description: 'For pages that update themselves by polling: a poll with If-None-Match gets 304 and no body while nothing changed.',
    auth: 'workspace',
    apiKey: 'read',
    query: liveVersionQuerySchema,
    headers: { 'if-none-match': z.string().meta({ description: 'The ETag of the last answer' }) },
    responses: {
      200: {
        description: 'The version and what it is made of',
        headers: liveHeaders,
        schema: z.strictObject({
          workspace_id: z.string(),
          ab_test_id: z.string().nullable(),
          version: z.string().meta({ description: "Changes whenever a number the page shows may have changed; also the answer's ETag" }),
          counted_up_to: isoInstant,
          last_counted_at: isoInstant.nullable(),
          look: isoInstant.meta({ description: 'The hourly look the decision is read at' }),
          providers: z.array(z.strictObject({ provider: z.enum(METRICS_PROVIDERS), last_received_at: isoInstant.nullable() })),
          alerts_firing: z.number().int(),
          alerts_changed_at: isoInstant.nullable(),
          backfill_changed_at: isoInstant.nullable(),
        }),
      },
      304: { description: 'Unchanged since the If-None-Match version (no body)', headers: liveHeaders },
    },
    errors: [400, 401, 403, 404, 503],
  }),
});
