// GET|POST /api/cron/metrics/alerts (every 10 minutes): evaluates every workspace's alert rules
// and notifies its channels once when a condition fires and once when it resolves, and once per
// change of a registered A/B test's verdict.
import { evaluateAlerts } from '@/lib/decision-circuits/metrics/ops';
import { withCron } from '@/lib/http/handlers';
import { respond } from '@/lib/http/contract';
import { cronSummaryBody } from '@/lib/http/cron-response';
import { contract } from './contract';

export const dynamic = 'force-dynamic';
export const maxDuration = 60;

const handler = withCron(async () => {
  const startedAt = Date.now();
  const summary = await evaluateAlerts();
  return respond(contract.GET, 200, cronSummaryBody('alerts', summary, startedAt));
});

export { handler as GET, handler as POST };
