// /api/circuits/metrics/backfill: what enqueuing takes, the job queries and the job shape answered.
import { z } from 'zod';
import { BACKFILL_STATUSES, METRICS_CHANNELS, METRICS_PROVIDERS } from '@/lib/decision-circuits/metrics';
import { backfillQuerySchema, backfillRequestSchema } from '@/lib/decision-circuits/metrics/backfill';
import { defineOperation, defineRoute, isoInstant, stamped, workspaceQuerySchema } from '@/lib/http/contract';

const jobFields = {
  workspace_id: z.string(),
  job_id: z.string(),
  provider: z.enum(METRICS_PROVIDERS),
  channel: z.enum(METRICS_CHANNELS),
  date_start: z.string(),
  date_end: z.string(),
  status: z.enum(BACKFILL_STATUSES),
};

const jobSchema = z
  .strictObject({
    ...jobFields,
    events_fetched: z.number().int(),
    events_ingested: z.number().int(),
    error_message: z.string().nullable(),
    started_at: isoInstant.nullable(),
    completed_at: isoInstant.nullable(),
    created_at: isoInstant,
    attempts: z.number().int(),
    heartbeat_at: isoInstant.nullable(),
    updated_at: isoInstant,
    progress: z.strictObject({
      pages: z.number().int(),
      records_fetched: z.number().int(),
      units_added: z.number().int(),
      skipped_unknown_objects: z.number().int(),
      skipped_before_ledger_horizon: z.number().int(),
      fraction: z.number().nullable(),
      warnings: z.array(z.string()),
      warnings_total: z.number().int(),
    }),
  })
  .meta({ id: 'BackfillJob' });

export const contract = defineRoute({
  POST: defineOperation({
    summary: 'Enqueue a historical backfill of one provider over at most 30 days',
    auth: 'workspace',
    role: 'member',
    query: workspaceQuerySchema,
    body: backfillRequestSchema,
    responses: {
      202: {
        description: 'The job, waiting for the worker',
        schema: z.strictObject({ ...jobFields, message: z.string(), note: z.string(), ...stamped }),
      },
    },
    errors: [400, 401, 403, 404, 409, 413, 415, 429, 503],
  }),
  GET: defineOperation({
    summary: "One job's status (jobId), or the workspace's recent jobs",
    auth: 'workspace',
    query: backfillQuerySchema,
    responses: {
      200: {
        description: 'The job (with jobId), or `{ workspace_id, jobs, count }`',
        schema: z.union([
          jobSchema.extend(stamped),
          z.strictObject({ workspace_id: z.string(), jobs: z.array(jobSchema), count: z.number().int(), ...stamped }),
        ]),
      },
    },
    errors: [400, 401, 403, 404, 503],
  }),
});
