// GET|POST /api/cron/metrics/reprocess-unmapped (hourly): applies events whose mapping has
// appeared and orphans objects unmapped past 24 h, until the backlog drains or the budget ends.
import { reprocessUnprocessedWebhooks } from '@/lib/decision-circuits/metrics';
import { CRON_TIME_BUDGET_MS } from '@/lib/decision-circuits/metrics/ops';
import { withCron } from '@/lib/http/handlers';
import { respond } from '@/lib/http/contract';
import { cronSummaryBody } from '@/lib/http/cron-response';
import { contract } from './contract';

export const dynamic = 'force-dynamic';
export const maxDuration = 60;

const handler = withCron(async () => {
  const startedAt = Date.now();
  const summary = await reprocessUnprocessedWebhooks(null, { timeBudgetMs: CRON_TIME_BUDGET_MS });
  return respond(contract.GET, 200, cronSummaryBody('reprocess-unmapped', summary, startedAt));
});

export { handler as GET, handler as POST };
