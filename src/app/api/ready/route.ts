// GET /api/ready: 200 when this instance can serve (database reachable, migrations current,
// connecting role right), else 503 naming the reason. No authentication: for uptime monitors.
import { getDb, isDatabaseRoleError } from '@/lib/db';
import { checkReadiness, describeCause } from '@/lib/db/readiness';
import { unavailableCause } from '@/lib/http/errors';
import { withRequestLog } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';
import { annotateRequest } from '@/lib/observability/request-log';

export const dynamic = 'force-dynamic';

function notReady(problems: string[], extra: Record<string, unknown> = {}): Response {
  annotateRequest({ unavailable_cause: `not ready: ${problems.join('; ')}`.slice(0, 500) });
  return jsonResponse(
    { status: 'not_ready', problems, ...extra, timestamp: new Date().toISOString() },
    { status: 503, headers: { 'cache-control': 'no-store', 'retry-after': '30' } },
  );
}

/** The answer names the cause by code (and a server error's message); the log line has it whole. */
function unreachable(error: unknown): Response {
  const response = notReady([`database unreachable: ${describeCause(error)}`]);
  annotateRequest({ unavailable_cause: unavailableCause(error) });
  return response;
}

export const GET = withRequestLog(async () => {
  let db;
  try {
    db = await getDb();
  } catch (error) {
    if (isDatabaseRoleError(error)) return notReady(error.problems.map((problem) => `database role: ${problem}`));
    return unreachable(error);
  }
  let report;
  try {
    report = await checkReadiness(db);
  } catch (error) {
    return unreachable(error);
  }
  if (!report.ready) return notReady(report.problems, { pending_migrations: report.pending_migrations });
  return jsonResponse({ status: 'ready', timestamp: new Date().toISOString() }, { headers: { 'cache-control': 'no-store' } });
});
