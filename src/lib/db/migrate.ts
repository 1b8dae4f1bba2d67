import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from './types';

// turbopackIgnore: these files are shipped via outputFileTracingIncludes (next.config.ts), not traced.
export const DEFAULT_MIGRATIONS_DIR = path.join(/*turbopackIgnore: true*/ process.cwd(), 'supabase', 'migrations');

// The Supabase CLI's own bookkeeping table: what this runner applies, `supabase db push` and
// `supabase migration list` see as applied too, and the other way round.
const BOOKKEEPING = `
  create schema if not exists supabase_migrations;
  create table if not exists supabase_migrations.schema_migrations (
    version text not null primary key,
    statements text[],
    name text
  );
`;

// Serialises concurrent runners (several app instances booting at once) on one database.
const MIGRATION_LOCK_KEY = 7_426_901_215;

export interface MigrationFile {
  version: string;
  name: string;
  file: string;
}

export async function listMigrations(dir = DEFAULT_MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const files = (await readdir(/*turbopackIgnore: true*/ dir)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  return files.map((file) => {
    const match = /^(\d+)_(.+)\.sql$/.exec(file);
    if (!match?.[1] || !match[2]) throw new Error(`Bad migration file name: ${file}`);
    return { version: match[1], name: match[2], file: path.join(/*turbopackIgnore: true*/ dir, file) };
  });
}

/** Applies every migration not yet recorded, each in its own transaction. Returns the versions applied. */
export async function runMigrations(db: Database, dir = DEFAULT_MIGRATIONS_DIR): Promise<string[]> {
  await db.exec(BOOKKEEPING);
  const applied: string[] = [];
  for (const migration of await listMigrations(dir)) {
    const sql = await readFile(/*turbopackIgnore: true*/ migration.file, 'utf8');
    const didApply = await db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const done = await tx.query('select 1 from supabase_migrations.schema_migrations where version = $1', [migration.version]);
      if (done.length > 0) return false;
      await tx.exec(sql);
      await tx.query('insert into supabase_migrations.schema_migrations (version, name) values ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      return true;
    });
    if (didApply) applied.push(migration.version);
  }
  return applied;
}
