// /api/cron/metrics/alerts: the run's summary.
import { z } from 'zod';
import { defineRoute } from '@/lib/http/contract';
import { cronOperation } from '../cron-contract';

const count = z.number().int();
const run = cronOperation(
  'alerts',
  "Evaluate every workspace's alert rules and registered A/B tests' verdicts, and notify their channels (every 10 minutes)",
  {
    conditions: count,
    fired: count,
    resolved: count,
    notifications_delivered: count,
    notifications_failed: count,
    notifications_retry_scheduled: count,
    notifications_given_up: count,
    verdict_tests: count,
    verdicts_changed: count,
  },
);

export const contract = defineRoute({ GET: run, POST: run });
