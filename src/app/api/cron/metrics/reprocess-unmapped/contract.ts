// /api/cron/metrics/reprocess-unmapped: the run's summary.
import { z } from 'zod';
import { defineRoute } from '@/lib/http/contract';
import { cronOperation } from '../cron-contract';

const count = z.number().int();
const run = cronOperation('reprocess-unmapped', 'Apply events whose mapping has appeared; orphan objects unmapped past 24 h (hourly)', {
  applied: count,
  orphaned_mappings: count,
  orphaned_events: count,
  passes: count,
  budget_exhausted: z.boolean(),
});

export const contract = defineRoute({ GET: run, POST: run });
