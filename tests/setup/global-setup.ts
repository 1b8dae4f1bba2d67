// Prepares a migrated template database on the real PostgreSQL (when TEST_DATABASE_URL is set),
// so each test file gets its own fresh database in milliseconds with CREATE DATABASE ... TEMPLATE.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
import { createPgliteDatabase, createPostgresDatabase, runMigrations } from '../../src/lib/db';
import { adminClient, databaseUrl, templateDbName, testDbPrefix } from '../helpers/pg-urls';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = randomBytes(4).toString('hex');
  project.provide('pgRunId', runId);
  const { snapshot, dataDir } = await migratedPglite(runId);
  project.provide('pgliteSnapshot', snapshot);
  project.provide('pgliteDataDir', dataDir);
  const removeSnapshot = () => {
    rmSync(snapshot, { force: true });
    rmSync(dataDir, { recursive: true, force: true });
  };
  const base = process.env.TEST_DATABASE_URL;
  if (!base) return async () => removeSnapshot();
  const template = templateDbName(runId);
  const admin = adminClient(base);
  await admin.unsafe(`create database ${template}`);
  const db = createPostgresDatabase(databaseUrl(base, template), { max: 1 });
  await runMigrations(db);
  await db.close();
  // CREATE DATABASE ... TEMPLATE refuses a template anyone is connected to, and a pooler keeps its
  // idle server connection to the template open after our client has gone.
  await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${template}`;
  await admin.end();
  return async () => {
    const cleanup = adminClient(base);
    const leftovers = await cleanup<{ datname: string }[]>`
      select datname from pg_database where datname like ${`${testDbPrefix(runId)}%`}`;
    for (const { datname } of leftovers) await cleanup.unsafe(`drop database if exists ${datname} with (force)`);
    await cleanup.unsafe(`drop database if exists ${template} with (force)`);
    await cleanup.end();
    removeSnapshot();
  };
}

/**
 * One migrated PGlite for the run, kept as a directory (an embedded server under test starts on a
 * copy of it) and dumped to a file (each in-process test database loads it): neither runs initdb
 * and every migration again.
 */
async function migratedPglite(runId: string): Promise<{ snapshot: string; dataDir: string }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'metrics-pglite-template-'));
  try {
    const db = await createPgliteDatabase(dataDir);
    try {
      await runMigrations(db);
    } finally {
      await db.close();
    }
    const pg = await PGlite.create({ dataDir });
    const dump = await pg.dumpDataDir('none');
    await pg.close();
    const file = path.join(tmpdir(), `metrics-pglite-${runId}.tar`);
    writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    return { snapshot: file, dataDir };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}
