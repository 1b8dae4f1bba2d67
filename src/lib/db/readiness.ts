// Is this instance able to serve? For uptime monitors and load balancers: the database answers,
// every migration file shipped with the app is applied, and the connecting role can do its job.
import { listMigrations } from './migrate';
import { checkConnectionRole } from './role-check';
import type { Queryable } from './types';

export interface ReadinessReport {
  ready: boolean;
  /** Why not, in words an operator can act on (empty when ready). */
  problems: string[];
  pending_migrations: string[];
}

/** A migration applied, or a reason the list could not be read (named, never swallowed). */
type AppliedVersions = { versions: Set<string> } | { problem: string };

// pg_catalog answers any role. The function (20260116) reads the CLI's table for a role with only
// service_role's privileges; before it is applied the table is read directly, as the owner can.
const PROBE_SQL = `
  select to_regprocedure('public.metrics_applied_migrations()') is not null
           and has_function_privilege(to_regprocedure('public.metrics_applied_migrations()'), 'EXECUTE') as via_function,
         exists (select 1 from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
                 where n.nspname = 'supabase_migrations' and c.relname = 'schema_migrations') as table_present`;

async function appliedVersions(db: Queryable): Promise<AppliedVersions> {
  const [probe] = await db.query<{ via_function: boolean; table_present: boolean }>(PROBE_SQL);
  if (!probe?.table_present) return { versions: new Set() };
  const sql = probe.via_function
    ? 'select v as version from public.metrics_applied_migrations() as v'
    : 'select version from supabase_migrations.schema_migrations';
  try {
    const rows = await db.query<{ version: string }>(sql);
    return { versions: new Set(rows.map((row) => row.version)) };
  } catch (error) {
    if (!isPermissionDenied(error)) throw error;
    return { problem: `cannot read the applied migrations (${describeCause(error)}): apply the migrations as the tables' owner` };
  }
}

function isPermissionDenied(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '42501';
}

/**
 * Why the database did not answer, for the readiness answer: the error's code, and a PostgreSQL
 * error's own message (a server error names no host or credential). A network error's message
 * names the host, so only its code is given; the log line has the rest.
 */
export function describeCause(error: unknown): string {
  const parts: string[] = [];
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 3; depth += 1) {
    const { code, message, severity } = current as { code?: unknown; message?: unknown; severity?: unknown };
    const codeText = typeof code === 'string' && code !== '' ? code : current instanceof Error ? current.name : 'unknown error';
    const fromServer = typeof severity === 'string' && typeof message === 'string' && /^[0-9A-Z]{5}$/.test(codeText);
    parts.push(fromServer ? `${codeText} ${message}` : codeText);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(' ← ').slice(0, 300);
}

/** Checks an open database; a connection failure is the caller's to report (it throws here). */
export async function checkReadiness(db: Queryable, migrationsDir?: string): Promise<ReadinessReport> {
  const [shipped, applied] = await Promise.all([listMigrations(migrationsDir), appliedVersions(db)]);
  const problems: string[] = [];
  let pending: string[] = [];
  if ('problem' in applied) problems.push(applied.problem);
  else pending = shipped.map((m) => m.version).filter((version) => !applied.versions.has(version));
  if (pending.length > 0) problems.push(`migrations not applied: ${pending.join(', ')}`);
  const role = await checkConnectionRole(db);
  problems.push(...role.problems.map((problem) => `database role: ${problem}`));
  return { ready: problems.length === 0, problems, pending_migrations: pending };
}
