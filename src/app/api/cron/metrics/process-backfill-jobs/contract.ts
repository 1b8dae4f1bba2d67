// /api/cron/metrics/process-backfill-jobs: the run's summary.
import { z } from 'zod';
import { METRICS_PROVIDERS } from '@/lib/decision-circuits/metrics';
import { defineRoute } from '@/lib/http/contract';
import { cronOperation } from '../cron-contract';

const count = z.number().int();
const run = cronOperation(
  'process-backfill-jobs',
  'Run waiting backfill jobs until none is left or the time budget is spent (every 5 minutes)',
  {
    claimed: count,
    completed: count,
    failed: count,
    paused: count,
    taken_over: count,
    events_fetched: count,
    events_ingested: count,
    budget_exhausted: z.boolean(),
    jobs: z.array(
      z.strictObject({
        job_id: z.string(),
        workspace_id: z.string(),
        provider: z.enum(METRICS_PROVIDERS),
        outcome: z.enum(['completed', 'failed', 'paused', 'taken_over']),
        pages: count,
        events_fetched: count,
        events_ingested: count,
        error_message: z.string().nullable(),
      }),
    ),
  },
);

export const contract = defineRoute({ GET: run, POST: run });
