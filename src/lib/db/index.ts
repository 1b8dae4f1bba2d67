// The one place that knows how to reach Postgres: PGlite by default, postgres.js with DATABASE_URL.
import path from 'node:path';
import { seedDevWorkspace } from './dev-seed';
import { DatabaseUnavailableError, classifyDatabaseError } from './errors';
import { runMigrations } from './migrate';
import { createPgliteDatabase } from './pglite';
import { acquireDataDirLock } from './pglite-lock';
import { createPostgresDatabase } from './postgres';
import type { Database } from './types';

export type { Database, Queryable, ScriptQueryable, DatabaseKind } from './types';
export { DatabaseUnavailableError, isDatabaseUnavailable, classifyDatabaseError } from './errors';
export { runMigrations, listMigrations } from './migrate';
export { withUserContext, type UserContext } from './user-context';
export { DEV_WORKSPACE_ID, DEV_USER_ID, DEV_USER_EMAIL, OTHER_WORKSPACE_ID, OTHER_USER_ID, seedDevWorkspace } from './dev-seed';
export { createPgliteDatabase } from './pglite';
export { createPostgresDatabase } from './postgres';

export const DEFAULT_PGLITE_DIR = path.join(/*turbopackIgnore: true*/ process.cwd(), '.data', 'pglite');

async function openConfiguredDatabase(env: NodeJS.ProcessEnv): Promise<Database> {
  const url = env.DATABASE_URL?.trim();
  if (url) {
    const db = createPostgresDatabase(url, { max: Number(env.DATABASE_POOL_MAX ?? 10) || 10 });
    if (env.METRICS_AUTO_MIGRATE === 'true') await runMigrations(db);
    return db;
  }
  const dataDir = env.PGLITE_DATA_DIR?.trim() || DEFAULT_PGLITE_DIR;
  const release = acquireDataDirLock(dataDir);
  try {
    const db = await createPgliteDatabase(dataDir);
    await runMigrations(db);
    await seedDevWorkspace(db);
    const close = db.close;
    return {
      ...db,
      async close() {
        await close();
        release();
      },
    };
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
