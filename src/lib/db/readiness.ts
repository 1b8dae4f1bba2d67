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

async function appliedVersions(db: Queryable): Promise<Set<string>> {
  const [table] = await db.query<{ present: boolean }>(
    `select to_regclass('supabase_migrations.schema_migrations') is not null as present`,
  );
  if (!table?.present) return new Set();
  const rows = await db.query<{ version: string }>('select version from supabase_migrations.schema_migrations');
  return new Set(rows.map((row) => row.version));
}

/** Checks an open database; a connection failure is the caller's to report (it throws here). */
export async function checkReadiness(db: Queryable, migrationsDir?: string): Promise<ReadinessReport> {
  const [shipped, applied] = await Promise.all([listMigrations(migrationsDir), appliedVersions(db)]);
  const pending = shipped.map((m) => m.version).filter((version) => !applied.has(version));
  const problems: string[] = [];
  if (pending.length > 0) problems.push(`migrations not applied: ${pending.join(', ')}`);
  const role = await checkConnectionRole(db);
  problems.push(...role.problems.map((problem) => `database role: ${problem}`));
  return { ready: problems.length === 0, problems, pending_migrations: pending };
}
