// GET|POST /api/cron/metrics/retention (daily): deletes ledger rows past 30 days, rollups and
// attribution past 365, finished backfill jobs past 90, in bounded batches.
import { runMetricsRetention } from '@/lib/decision-circuits/metrics';
import { CRON_TIME_BUDGET_MS } from '@/lib/decision-circuits/metrics/ops';
import { withCron } from '@/lib/http/handlers';
import { respond } from '@/lib/http/contract';
import { cronSummaryBody } from '@/lib/http/cron-response';
import { contract } from './contract';

export const dynamic = 'force-dynamic';
export const maxDuration = 60;

const handler = withCron(async () => {
  const startedAt = Date.now();
  const summary = await runMetricsRetention({ timeBudgetMs: CRON_TIME_BUDGET_MS });
  return respond(contract.GET, 200, cronSummaryBody('retention', summary, startedAt));
});

export { handler as GET, handler as POST };
