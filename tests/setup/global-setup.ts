// Prepares a migrated template database on the real PostgreSQL (when TEST_DATABASE_URL is set),
// so each test file gets its own fresh database in milliseconds with CREATE DATABASE ... TEMPLATE.
import postgres from 'postgres';
import { createPostgresDatabase, runMigrations } from '../../src/lib/db';
import { TEMPLATE_DB, adminUrl, databaseUrl } from '../helpers/pg-urls';

export default async function setup(): Promise<() => Promise<void>> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) return async () => undefined;
  const admin = postgres(adminUrl(base), { max: 1, onnotice: () => undefined });
  await admin.unsafe(`drop database if exists ${TEMPLATE_DB} with (force)`);
  await admin.unsafe(`create database ${TEMPLATE_DB}`);
  const template = createPostgresDatabase(databaseUrl(base, TEMPLATE_DB), { max: 1 });
  await runMigrations(template);
  await template.close();
  await admin.end();
  return async () => {
    const cleanup = postgres(adminUrl(base), { max: 1, onnotice: () => undefined });
    const leftovers = await cleanup<{ datname: string }[]>`select datname from pg_database where datname like 'metrics_t_%'`;
    for (const { datname } of leftovers) await cleanup.unsafe(`drop database if exists ${datname} with (force)`);
    await cleanup.unsafe(`drop database if exists ${TEMPLATE_DB} with (force)`);
    await cleanup.end();
  };
}
