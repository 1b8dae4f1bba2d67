// GET /api/ready: 200 when this instance can serve (database reachable, migrations current,
// connecting role right), else 503 naming the reason. No authentication: for uptime monitors.
import { getDb, isDatabaseRoleError } from '@/lib/db';
import { checkReadiness } from '@/lib/db/readiness';
import { withRequestLog } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

function notReady(problems: string[], extra: Record<string, unknown> = {}): Response {
  return jsonResponse(
    { status: 'not_ready', problems, ...extra, timestamp: new Date().toISOString() },
    { status: 503, headers: { 'cache-control': 'no-store', 'retry-after': '30' } },
  );
}

export const GET = withRequestLog(async () => {
  let db;
  try {
    db = await getDb();
  } catch (error) {
    if (isDatabaseRoleError(error)) return notReady(error.problems.map((problem) => `database role: ${problem}`));
    return notReady(['database unreachable']);
  }
  let report;
  try {
    report = await checkReadiness(db);
  } catch {
    return notReady(['database unreachable']);
  }
  if (!report.ready) return notReady(report.problems, { pending_migrations: report.pending_migrations });
  return jsonResponse({ status: 'ready', timestamp: new Date().toISOString() }, { headers: { 'cache-control': 'no-store' } });
});
