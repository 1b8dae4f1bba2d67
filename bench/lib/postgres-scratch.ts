// A fresh, migrated, seeded PostgreSQL database for one benchmark run.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { createPostgresDatabase, runMigrations, seedDevWorkspace, type Database } from '../../src/lib/db';

export const BENCH_BASE_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const BENCH_APPLICATION_NAME = 'metrics-bench';

/**
 * A scratch database named `<prefix>_<pid>_<random>`: two runs at once (or a run beside the test
 * suites) never drop each other's database.
 */
export async function freshDatabase(prefix: string): Promise<{ url: string; db: Database; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(BENCH_BASE_URL, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(BENCH_BASE_URL);
  url.pathname = `/${name}`;
  // The benchmark's own sessions are named, so CPU figures can leave them out (bench/lib/cpu.ts).
  const own = new URL(url);
  own.searchParams.set('application_name', BENCH_APPLICATION_NAME);
  const db = createPostgresDatabase(own.toString(), { max: 4 });
  await runMigrations(db);
  await seedDevWorkspace(db);
  return {
    url: url.toString(),
    db,
    async drop() {
      await db.close();
      const cleanup = postgres(BENCH_BASE_URL, { max: 1, onnotice: () => undefined });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

/** The benchmark's direct calls of the ingest function: sessions of their own name (CPU split). */
export const BENCH_DIRECT_APPLICATION_NAME = `${BENCH_APPLICATION_NAME}-direct`;

/** A second pool on a scratch database, its sessions named BENCH_DIRECT_APPLICATION_NAME. */
export function openDirectPool(databaseUrl: string, max: number): Database {
  const url = new URL(databaseUrl);
  url.searchParams.set('application_name', BENCH_DIRECT_APPLICATION_NAME);
  return createPostgresDatabase(url.toString(), { max });
}
