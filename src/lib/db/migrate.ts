import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from './types';

// turbopackIgnore: these files are shipped via outputFileTracingIncludes (next.config.ts), not traced.
export const DEFAULT_MIGRATIONS_DIR = path.join(/*turbopackIgnore: true*/ process.cwd(), 'supabase', 'migrations');

// The Supabase CLI's own bookkeeping table: what this runner applies, `supabase db push` and
// `supabase migration list` see as applied too, and the other way round. The checksums sit in a
// table of their own, so the CLI's table keeps exactly the shape the CLI writes.
const BOOKKEEPING = `
  create schema if not exists supabase_migrations;
  create table if not exists supabase_migrations.schema_migrations (
    version text not null primary key,
    statements text[],
    name text
  );
  create table if not exists supabase_migrations.schema_migration_checksums (
    version text not null primary key,
    sha256 text not null,
    recorded_at timestamptz not null default now()
  );
`;

// Serialises concurrent runners (several app instances booting at once) on one database.
const MIGRATION_LOCK_KEY = 7_426_901_215;

export interface MigrationFile {
  version: string;
  name: string;
  file: string;
}

/** Thrown when a migration a database already ran no longer reads as it did: history was rewritten. */
export class EditedMigrationError extends Error {
  constructor(
    readonly version: string,
    readonly recorded: string,
    readonly current: string,
  ) {
    super(
      `Migration ${version} was edited after this database applied it (recorded sha256 ${recorded.slice(0, 12)}…, file ${current.slice(0, 12)}…): ` +
        'restore the file and put the change in a new migration',
    );
    this.name = 'EditedMigrationError';
  }
}

export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

export async function listMigrations(dir = DEFAULT_MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const files = (await readdir(/*turbopackIgnore: true*/ dir)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  return files.map((file) => {
    const match = /^(\d+)_(.+)\.sql$/.exec(file);
    if (!match?.[1] || !match[2]) throw new Error(`Bad migration file name: ${file}`);
    return { version: match[1], name: match[2], file: path.join(/*turbopackIgnore: true*/ dir, file) };
  });
}

/**
 * Applies every migration not yet recorded, each in its own transaction, and returns the versions
 * applied. Migrations are append-only: an applied one whose file changed is refused loudly
 * (EditedMigrationError) before anything newer runs. A version applied by another tool (the
 * Supabase CLI records no checksum) gets its checksum recorded the first time this runner sees it.
 */
export async function runMigrations(db: Database, dir = DEFAULT_MIGRATIONS_DIR): Promise<string[]> {
  await db.exec(BOOKKEEPING);
  const applied: string[] = [];
  for (const migration of await listMigrations(dir)) {
    const sql = await readFile(/*turbopackIgnore: true*/ migration.file, 'utf8');
    const checksum = migrationChecksum(sql);
    const didApply = await db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const done = await tx.query('select 1 from supabase_migrations.schema_migrations where version = $1', [migration.version]);
      if (done.length > 0) {
        const [recorded] = await tx.query<{ sha256: string }>(
          'select sha256 from supabase_migrations.schema_migration_checksums where version = $1',
          [migration.version],
        );
        if (!recorded) {
          await tx.query('insert into supabase_migrations.schema_migration_checksums (version, sha256) values ($1, $2)', [
            migration.version,
            checksum,
          ]);
        } else if (recorded.sha256 !== checksum) {
          throw new EditedMigrationError(migration.version, recorded.sha256, checksum);
        }
        return false;
      }
      await tx.exec(sql);
      await tx.query('insert into supabase_migrations.schema_migrations (version, name) values ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      await tx.query('insert into supabase_migrations.schema_migration_checksums (version, sha256) values ($1, $2)', [
        migration.version,
        checksum,
      ]);
      return true;
    });
    if (didApply) applied.push(migration.version);
  }
  return applied;
}
