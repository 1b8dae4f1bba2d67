// GET|POST /api/cron/metrics/poll-insights (every 15 minutes): reads the lifetime impressions of
// the connected accounts' mapped social posts that are due, until none is due or the time budget is spent.
import { processInsightsPoll } from '@/lib/decision-circuits/metrics/insights';
import { CRON_TIME_BUDGET_MS } from '@/lib/decision-circuits/metrics/ops';
import { withCron } from '@/lib/http/handlers';
import { respond } from '@/lib/http/contract';
import { cronSummaryBody } from '@/lib/http/cron-response';
import { contract } from './contract';

export const dynamic = 'force-dynamic';
export const maxDuration = 60;

const handler = withCron(async () => {
  const startedAt = Date.now();
  const summary = await processInsightsPoll({ timeBudgetMs: CRON_TIME_BUDGET_MS });
  return respond(contract.GET, 200, cronSummaryBody('poll-insights', summary, startedAt));
});

export { handler as GET, handler as POST };
