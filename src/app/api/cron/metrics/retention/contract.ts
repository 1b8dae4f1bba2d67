// /api/cron/metrics/retention: the run's summary.
import { z } from 'zod';
import { RETENTION_TABLES } from '@/lib/decision-circuits/metrics';
import { defineRoute } from '@/lib/http/contract';
import { cronOperation } from '../cron-contract';

const count = z.number().int();
const run = cronOperation('retention', 'Delete what is past its retention, in bounded batches (daily)', {
  deleted: count,
  tables: z.array(
    z.strictObject({ table: z.enum(RETENTION_TABLES), retention_days: count, deleted: count, batches: count, done: z.boolean() }),
  ),
  budget_exhausted: z.boolean(),
});

export const contract = defineRoute({ GET: run, POST: run });
