// The one place that knows how to reach Postgres: PGlite by default, postgres.js with DATABASE_URL.
import { databaseTarget, DatabaseConfigurationError } from './config';
import { seedDevWorkspace } from './dev-seed';
import { DatabaseUnavailableError, classifyDatabaseError } from './errors';
import { runMigrations } from './migrate';
import { createPgliteDatabase } from './pglite';
import { ConcurrencyLimiter, withConcurrencyLimit } from './limiter';
import { databaseQueueSettings } from './settings';
import { acquireDataDirLock } from './pglite-lock';
import { createPostgresDatabase } from './postgres';
import { assertConnectionRole, isDatabaseRoleError } from './role-check';
import type { Database } from './types';
import { getLogger } from '../observability/logger';
import { getMetrics } from '../observability/metrics';

export type { Database, Queryable, ScriptQueryable, DatabaseKind, Statement } from './types';
export { DatabaseUnavailableError, isDatabaseUnavailable, isDataException, classifyDatabaseError } from './errors';
export { runMigrations, listMigrations } from './migrate';
export { API_KEY_ROLE, pipelineAsUser, withUserContext, type UserContext } from './user-context';
export { DEV_WORKSPACE_ID, DEV_USER_ID, DEV_USER_EMAIL, OTHER_WORKSPACE_ID, OTHER_USER_ID, seedDevWorkspace } from './dev-seed';
export { createPgliteDatabase } from './pglite';
export { createPostgresDatabase } from './postgres';
export { ConcurrencyLimiter, databaseBusyError, withConcurrencyLimit } from './limiter';
export { databaseQueueSettings, poolMaxSetting, positiveIntSetting } from './settings';
export { DatabaseRoleError, checkConnectionRole, isDatabaseRoleError, type ConnectionRoleReport } from './role-check';
export {
  DEFAULT_PGLITE_DIR,
  DatabaseConfigurationError,
  databaseTarget,
  poolModeOfUrl,
  type DatabaseTarget,
  type PoolMode,
} from './config';

/** Bounds concurrent database work per process (DATABASE_POOL_MAX, METRICS_DB_QUEUE_*). */
function limiterFor(env: NodeJS.ProcessEnv, poolMax: number): ConcurrencyLimiter {
  const metrics = getMetrics();
  return new ConcurrencyLimiter({
    maxConcurrent: poolMax,
    ...databaseQueueSettings(env, poolMax),
    observer: {
      waited: (ms) => metrics.dbQueueWait.observe(ms / 1000),
      rejected: (reason) => metrics.dbQueueRejections.inc({ reason }),
    },
  });
}

async function openConfiguredDatabase(env: NodeJS.ProcessEnv): Promise<Database> {
  const target = databaseTarget(env);
  if (target.kind === 'postgres') {
    const db = createPostgresDatabase(target.url, { max: target.poolMax, poolMode: target.poolMode });
    try {
      if (env.METRICS_AUTO_MIGRATE === 'true') await runMigrations(db);
      await assertConnectionRole(db);
    } catch (error) {
      await db.close().catch(() => undefined);
      throw error;
    }
    return withConcurrencyLimit(db, limiterFor(env, target.poolMax));
  }
  const dataDir = target.dataDir;
  const release = acquireDataDirLock(dataDir);
  try {
    const db = await createPgliteDatabase(dataDir);
    await runMigrations(db);
    await seedDevWorkspace(db);
    const close = db.close;
    // PGlite runs one query at a time; the limiter only bounds how many may wait for it.
    return withConcurrencyLimit(
      {
        ...db,
        async close() {
          await close();
          release();
        },
      },
      limiterFor(env, 4),
    );
  } catch (error) {
    release();
    throw error;
  }
}

const holder = globalThis as typeof globalThis & { __metricsDb?: Promise<Database> };

/** The process-wide database, opened on first use (never at import, so `next build` never opens it). */
export function getDb(): Promise<Database> {
  if (!holder.__metricsDb) {
    holder.__metricsDb = openConfiguredDatabase(process.env).catch((error: unknown) => {
      holder.__metricsDb = undefined;
      // Retrying cannot fix a configuration: it surfaces as itself, not as "unavailable".
      if (error instanceof DatabaseConfigurationError) throw error;
      // A wrong role is an operator's mistake that no retry fixes: say so loudly, every time.
      if (isDatabaseRoleError(error)) getLogger().error({ problems: error.problems }, error.message);
      const classified = classifyDatabaseError(error);
      throw classified instanceof DatabaseUnavailableError
        ? classified
        : new DatabaseUnavailableError('Database could not be opened', { cause: error });
    });
  }
  return holder.__metricsDb;
}

/** Swaps the process-wide database (tests, scripts). */
export function setDb(db: Database | undefined): void {
  holder.__metricsDb = db ? Promise.resolve(db) : undefined;
}

export async function closeDb(): Promise<void> {
  const pending = holder.__metricsDb;
  holder.__metricsDb = undefined;
  if (pending) await (await pending.catch(() => undefined))?.close();
}
