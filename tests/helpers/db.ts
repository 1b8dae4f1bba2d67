// Real databases for tests: an in-memory PGlite always, and a fresh PostgreSQL database (cloned
// from the migrated template) when TEST_DATABASE_URL is set. Never a mock.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createPgliteDatabase, createPostgresDatabase, runMigrations, type Database, type DatabaseKind } from '../../src/lib/db';
import { inject } from 'vitest';
import { adminClient, currentRunId, databaseUrl, templateDbName, testDbPrefix } from './pg-urls';

export const DATABASE_KINDS: DatabaseKind[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

let snapshotBlob: Blob | undefined;

/** The migrated PGlite data directory global setup dumped for this run, read once per worker. */
function migratedPgliteSnapshot(): Blob | undefined {
  const file = inject('pgliteSnapshot');
  if (!file) return undefined;
  snapshotBlob ??= new Blob([readFileSync(file)]);
  return snapshotBlob;
}

export interface TestDatabase {
  db: Database;
  kind: DatabaseKind;
  /** Connection string (postgres only): for a server under test or a second client. */
  url: string | null;
  drop(): Promise<void>;
}

/** Supabase's roles and default privileges, applied before the migrations (see the file's header). */
const SUPABASE_DEFAULT_PRIVILEGES = readFileSync(new URL('../fixtures/supabase/default-privileges.sql', import.meta.url), 'utf8');

export interface TestDatabaseOptions {
  poolMax?: number;
  /** Prepare the database like a Supabase project (default privileges to anon/authenticated) before migrating. */
  supabaseLike?: boolean;
}

export async function createTestDatabase(kind: DatabaseKind, options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  if (kind === 'pglite') {
    // The run's migrated snapshot skips initdb and the migrations (about 2 s of each test file's
    // start); a Supabase-like database must be prepared before migrating, so it starts empty.
    const snapshot = options.supabaseLike ? undefined : migratedPgliteSnapshot();
    const db = await createPgliteDatabase(undefined, snapshot ? { loadDataDir: snapshot } : {});
    if (options.supabaseLike) await db.exec(SUPABASE_DEFAULT_PRIVILEGES);
    // On a snapshot this only checks that every migration is applied and unedited.
    await runMigrations(db);
    return { db, kind, url: null, drop: () => db.close() };
  }
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('TEST_DATABASE_URL is not set');
  const runId = currentRunId();
  const name = `${testDbPrefix(runId)}${randomBytes(5).toString('hex')}`;
  const admin = adminClient(base);
  // The migrated template cannot be used when the preparation must come before the migrations.
  await admin.unsafe(options.supabaseLike ? `create database ${name}` : `create database ${name} template ${templateDbName(runId)}`);
  await admin.end();
  const url = databaseUrl(base, name);
  const db = createPostgresDatabase(url, { max: options.poolMax ?? 8 });
  if (options.supabaseLike) {
    await db.exec(SUPABASE_DEFAULT_PRIVILEGES);
    await runMigrations(db);
  }
  return {
    db,
    kind,
    url,
    async drop() {
      await db.close();
      const cleanup = adminClient(base);
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}
