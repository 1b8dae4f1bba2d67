// GET /api/circuits/metrics/health: its query and its answer.
import { z } from 'zod';
import { METRICS_PROVIDERS } from '@/lib/decision-circuits/metrics';
import { defineOperation, defineRoute, isoInstant, stamped, uuidParam } from '@/lib/http/contract';

const count = z.number().int();

const attributionHealthSchema = z.strictObject({
  provider: z.enum(METRICS_PROVIDERS),
  total_mappings: count,
  mapped_count: count,
  unmapped_count: count,
  orphaned_count: count,
  mapped_percentage: z.number(),
  below_alert_threshold: z.boolean(),
});

const ingestionHealthSchema = z.strictObject({
  total_events: count,
  processed_events: count,
  unprocessed_events: count,
  unmapped_attributions: count,
  last_ingest_at: isoInstant.optional(),
  total_events_estimated: z.boolean(),
  by_provider: z.array(
    z.strictObject({
      provider: z.enum(METRICS_PROVIDERS),
      total_events: count,
      unprocessed_events: count,
      last_ingest_at: isoInstant.nullable(),
      estimated: z.boolean().meta({ description: 'total_events is the planner estimate (a large ledger)' }),
    }),
  ),
});

export const contract = defineRoute({
  GET: defineOperation({
    summary: 'Attribution and ingestion health',
    auth: 'workspace',
    apiKey: 'read',
    query: z.object({ workspaceId: uuidParam, provider: z.enum(METRICS_PROVIDERS).optional() }).strict(),
    responses: {
      200: {
        description: "Attribution per provider and the ledger's counts, of this workspace",
        schema: z.strictObject({
          workspace_id: z.string(),
          attribution: z.array(attributionHealthSchema),
          mapped_alert_threshold: z.number(),
          ingestion: ingestionHealthSchema,
          ...stamped,
        }),
      },
    },
    errors: [400, 401, 403, 503],
  }),
});
