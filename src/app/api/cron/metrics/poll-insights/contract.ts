// /api/cron/metrics/poll-insights: the run's summary.
import { z } from 'zod';
import { defineRoute } from '@/lib/http/contract';
import { cronOperation } from '../cron-contract';

const count = z.number().int();
const run = cronOperation(
  'poll-insights',
  "Read the due social posts' lifetime impressions from the platforms' insights until none is due or the time budget is spent (every 15 minutes)",
  {
    enrolled: count,
    posts_read: count,
    snapshots: count,
    impressions_added: count,
    repeated_snapshots: count,
    decreases: count,
    stopped: count,
    accounts: z.array(
      z.strictObject({
        workspace_id: z.string(),
        provider: z.enum(['facebook', 'instagram', 'linkedin']),
        outcome: z.enum(['fetched', 'paused', 'throttled', 'token_rejected', 'no_token', 'provider_error']),
        posts_read: count,
        error_message: z.string().nullable(),
        backoff_until: z.string().nullable(),
      }),
    ),
    budget_exhausted: z.boolean(),
  },
);

export const contract = defineRoute({ GET: run, POST: run });
