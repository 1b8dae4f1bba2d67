// Real databases for tests: an in-memory PGlite always, and a fresh PostgreSQL database (cloned
// from the migrated template) when TEST_DATABASE_URL is set. Never a mock.
import { randomBytes } from 'node:crypto';
import { createPgliteDatabase, createPostgresDatabase, runMigrations, type Database, type DatabaseKind } from '../../src/lib/db';
import { adminClient, currentRunId, databaseUrl, templateDbName, testDbPrefix } from './pg-urls';

export const DATABASE_KINDS: DatabaseKind[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase {
  db: Database;
  kind: DatabaseKind;
  /** Connection string (postgres only): for a server under test or a second client. */
  url: string | null;
  drop(): Promise<void>;
}

export async function createTestDatabase(kind: DatabaseKind, options: { poolMax?: number } = {}): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const db = await createPgliteDatabase();
    await runMigrations(db);
    return { db, kind, url: null, drop: () => db.close() };
  }
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('TEST_DATABASE_URL is not set');
  const runId = currentRunId();
  const name = `${testDbPrefix(runId)}${randomBytes(5).toString('hex')}`;
  const admin = adminClient(base);
  await admin.unsafe(`create database ${name} template ${templateDbName(runId)}`);
  await admin.end();
  const url = databaseUrl(base, name);
  const db = createPostgresDatabase(url, { max: options.poolMax ?? 8 });
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
