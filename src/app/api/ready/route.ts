// GET /api/ready: 200 when this instance can serve (database reachable, migrations current,
// connecting role right), else 503 naming the reason. No authentication: for uptime monitors.
import { getDb, isDatabaseRoleError } from '@/lib/db';
import { encryptionKeysProblem } from '@/lib/crypto/secret-box';
import { checkReadiness, describeCause } from '@/lib/db/readiness';
import { respond } from '@/lib/http/contract';
import { unavailableCause } from '@/lib/http/errors';
import { withRequestLog } from '@/lib/http/handlers';
import { annotateRequest } from '@/lib/observability/request-log';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

function notReady(problems: string[], extra: { pending_migrations?: string[] } = {}): Response {
  annotateRequest({ unavailable_cause: `not ready: ${problems.join('; ')}`.slice(0, 500) });
  return respond(
    contract.GET,
    503,
    { status: 'not_ready', problems, ...extra, timestamp: new Date().toISOString() },
    { headers: { 'cache-control': 'no-store', 'retry-after': '30' } },
  );
}

/** Configuration this instance cannot serve with, whatever the database says. */
function configurationProblems(): string[] {
  const keys = encryptionKeysProblem(process.env);
  return keys === null ? [] : [`encryption_keys_malformed: ${keys}`];
}

/** The answer names the cause by code (and a server error's message); the log line has it whole. */
function unreachable(error: unknown, configuration: string[]): Response {
  const response = notReady([...configuration, `database unreachable: ${describeCause(error)}`]);
  annotateRequest({ unavailable_cause: unavailableCause(error) });
  return response;
}

export const GET = withRequestLog(async () => {
  const configuration = configurationProblems();
  let db;
  try {
    db = await getDb();
  } catch (error) {
    if (isDatabaseRoleError(error)) return notReady([...configuration, ...error.problems.map((problem) => `database role: ${problem}`)]);
    return unreachable(error, configuration);
  }
  let report;
  try {
    report = await checkReadiness(db);
  } catch (error) {
    return unreachable(error, configuration);
  }
  if (!report.ready) return notReady([...configuration, ...report.problems], { pending_migrations: report.pending_migrations });
  if (configuration.length > 0) return notReady(configuration);
  return respond(contract.GET, 200, { status: 'ready', timestamp: new Date().toISOString() }, { headers: { 'cache-control': 'no-store' } });
});
