// GET|POST /api/cron/metrics/process-backfill-jobs (every 5 minutes): runs waiting backfill
// jobs against the provider APIs until none is left or the time budget is spent.
import { processBackfillJobs } from '@/lib/decision-circuits/metrics';
import { CRON_TIME_BUDGET_MS } from '@/lib/decision-circuits/metrics/ops';
import { withCron } from '@/lib/http/handlers';
import { respond } from '@/lib/http/contract';
import { cronSummaryBody } from '@/lib/http/cron-response';
import { contract } from './contract';

export const dynamic = 'force-dynamic';
export const maxDuration = 60;

const handler = withCron(async () => {
  const startedAt = Date.now();
  const summary = await processBackfillJobs({ timeBudgetMs: CRON_TIME_BUDGET_MS });
  return respond(contract.GET, 200, cronSummaryBody('process-backfill-jobs', summary, startedAt));
});

export { handler as GET, handler as POST };
