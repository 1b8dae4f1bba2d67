// POST /api/circuits/metrics/attribution: the mappings it takes and what it answers.
import { z } from 'zod';
import { ATTRIBUTION_STATUSES, METRICS_CHANNELS, METRICS_PROVIDERS } from '@/lib/decision-circuits/metrics';
import { attributionMappingSchema } from '@/lib/decision-circuits/metrics/metrics-attribution';
import { defineOperation, defineRoute, isoInstant, stamped, workspaceQuerySchema } from '@/lib/http/contract';

export const MAX_MAPPINGS_PER_REQUEST = 1_000;

const mappingSchema = z.strictObject({
  id: z.string(),
  workspace_id: z.string(),
  provider: z.enum(METRICS_PROVIDERS),
  provider_object_id: z.string(),
  circuit_execution_id: z.string(),
  ab_test_id: z.string().nullable(),
  variant_id: z.string().nullable(),
  channel: z.enum(METRICS_CHANNELS),
  platform: z.string().nullable(),
  recipient_hash: z.string().nullable(),
  recipient_identifier: z.string().nullable(),
  status: z.enum(ATTRIBUTION_STATUSES),
  mapped_at: isoInstant,
  created_at: isoInstant,
  applied_events: z.number().int().meta({ description: 'Waiting events this mapping added to the rollups just now' }),
});

export const contract = defineRoute({
  POST: defineOperation({
    summary: 'Register provider object → circuit / A/B test / variant mappings (one, or an array)',
    description: 'Every mapping is validated before any is written: bad input changes nothing. Waiting events are applied at once.',
    auth: 'workspace',
    role: 'member',
    apiKey: 'attribution:write',
    query: workspaceQuerySchema,
    body: z.union([attributionMappingSchema, z.array(attributionMappingSchema).min(1).max(MAX_MAPPINGS_PER_REQUEST)]),
    responses: {
      200: {
        description: 'The mappings as stored and the events they applied',
        schema: z.strictObject({
          workspace_id: z.string(),
          mappings: z.array(mappingSchema),
          count: z.number().int(),
          applied_events: z.number().int(),
          ...stamped,
        }),
      },
    },
    errors: [400, 401, 403, 404, 413, 415, 503],
  }),
});
