// Is the role the app connects as able to do its job? A wrong role fails quietly otherwise: under
// row-level security a role that neither owns the tables nor bypasses RLS sees no workspace (every
// signed webhook answers "Unknown workspace"), cron finds nothing to do, and user reads cannot
// switch to `authenticated`. Checked once when the database is opened; the answer is a named 503.
import { DatabaseUnavailableError } from './errors';
import type { Queryable } from './types';

export interface ConnectionRoleReport {
  role: string;
  problems: string[];
}

/** The documentation section that says which role to create, with the SQL. */
export const DATABASE_ROLE_DOCS = 'docs/security.md, section "Database role"';

/** The configured role cannot serve the app: answer 503 (nothing is lost: providers retry) and say why. */
export class DatabaseRoleError extends DatabaseUnavailableError {
  readonly problems: readonly string[];
  readonly role: string;
  constructor(report: ConnectionRoleReport) {
    super(`Database role "${report.role}" cannot serve the app: ${report.problems.join('; ')} (see ${DATABASE_ROLE_DOCS})`, {
      retryAfterSeconds: 60,
    });
    this.name = 'DatabaseRoleError';
    this.role = report.role;
    this.problems = report.problems;
  }
}

export function isDatabaseRoleError(error: unknown): error is DatabaseRoleError {
  return (error as { name?: unknown } | null)?.name === 'DatabaseRoleError';
}

// Catalogue functions only: any role may run this, including the misconfigured one it diagnoses.
const ROLE_CHECK_SQL = `
  select
    current_user::text as role,
    to_regclass('public.metrics_webhook_events') is not null as migrated,
    r.rolsuper or r.rolbypassrls as bypasses_rls,
    coalesce((select c.relowner = r.oid and not c.relforcerowsecurity
              from pg_class c where c.oid = to_regclass('public.metrics_webhook_events')), false) as owns_tables,
    exists (select 1 from pg_roles a where a.rolname = 'authenticated')
      and pg_has_role(current_user, 'authenticated', 'MEMBER') as can_act_as_user,
    case when to_regprocedure('public.metrics_ingest_events(uuid,text,jsonb,boolean)') is null then false
         else has_function_privilege(to_regprocedure('public.metrics_ingest_events(uuid,text,jsonb,boolean)'), 'EXECUTE') end as can_ingest,
    -- has_table_privilege with a list is true when any one is held: each is asked for.
    coalesce((select bool_and(has_table_privilege(t.oid, p.privilege))
              from (select to_regclass(name) as oid from unnest(array['public.metrics_webhook_events', 'public.metrics_rollups',
                      'public.metrics_attribution_map', 'public.metrics_backfill_jobs']) as name) t
              cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE']) as p(privilege)
              where t.oid is not null), false) as can_write
  from pg_roles r
  where r.rolname = current_user`;

interface RoleCheckRow {
  role: string;
  migrated: boolean;
  bypasses_rls: boolean;
  owns_tables: boolean;
  can_act_as_user: boolean;
  can_ingest: boolean;
  can_write: boolean;
}

/** What the connected role lacks, in words an operator can act on; no problems means ready. */
export async function checkConnectionRole(db: Queryable): Promise<ConnectionRoleReport> {
  const [row] = await db.query<RoleCheckRow>(ROLE_CHECK_SQL);
  if (!row) return { role: 'unknown', problems: ['the role could not be read from pg_roles'] };
  if (!row.migrated) return { role: row.role, problems: ['the migrations have not been applied (no metrics_webhook_events table)'] };
  const problems: string[] = [];
  if (!row.bypasses_rls && !row.owns_tables) {
    problems.push(
      'it neither owns the metrics tables nor has BYPASSRLS, so row-level security hides every workspace from webhooks and cron',
    );
  }
  if (!row.can_act_as_user) problems.push('it is not a member of "authenticated", so user reads cannot run under row-level security');
  if (!row.can_ingest) problems.push('it may not execute metrics_ingest_events (grant service_role to it)');
  if (!row.can_write) problems.push('it may not write the ledger and rollups (grant service_role to it)');
  return { role: row.role, problems };
}

/** Throws DatabaseRoleError when the connected role cannot serve the app. */
export async function assertConnectionRole(db: Queryable): Promise<void> {
  const report = await checkConnectionRole(db);
  if (report.problems.length > 0) throw new DatabaseRoleError(report);
}
