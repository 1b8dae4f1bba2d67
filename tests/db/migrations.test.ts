// Migrations are append-only: a released file is never edited (a database that ran it would never
// run the edit); a change is a new file, which may `create or replace` an earlier function. The
// runner records each file's checksum and refuses a database whose applied file changed. A database
// created from the files of an older release, then migrated with today's, must end exactly where a
// fresh database does: same functions, columns, indexes, policies and grants.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPgliteDatabase, runMigrations, type Database } from '../../src/lib/db';
import { EditedMigrationError, migrationChecksum } from '../../src/lib/db/migrate';

/** The last commit whose migrations still re-defined functions of earlier files. */
const BEFORE_FOLD = '05e2e0f';
const MIGRATIONS = 'supabase/migrations';
const RELEASED = 'supabase/released-migrations.sha256';

function filesAt(commit: string): { name: string; sql: string }[] | null {
  try {
    const names = execFileSync('git', ['ls-tree', '--name-only', `${commit}:${MIGRATIONS}`], { encoding: 'utf8' })
      .split('\n')
      .filter((n) => n.endsWith('.sql'));
    return names.map((name) => ({ name, sql: execFileSync('git', ['show', `${commit}:${MIGRATIONS}/${name}`], { encoding: 'utf8' }) }));
  } catch {
    return null;
  }
}

/** Everything a migration defines, as comparable text. */
async function catalogue(db: Database): Promise<Record<string, string[]>> {
  const rows = async (sql: string) => (await db.query<{ line: string }>(sql)).map((r) => r.line).sort();
  return {
    functions: await rows(`select p.oid::regprocedure::text || ' ' || md5(pg_get_functiondef(p.oid)) as line
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public' and p.prokind = 'f'`),
    columns:
      await rows(`select table_name || '.' || column_name || ' ' || data_type || ' ' || coalesce(column_default, '') || ' ' || coalesce(generation_expression, '') as line
      from information_schema.columns where table_schema = 'public'`),
    indexes: await rows(`select indexdef as line from pg_indexes where schemaname = 'public'`),
    policies: await rows(
      `select tablename || ' ' || policyname || ' ' || cmd || ' ' || roles::text || ' ' || coalesce(qual, '') as line from pg_policies where schemaname = 'public'`,
    ),
    tableGrants: await rows(`select grantee || ' ' || table_name || ' ' || privilege_type as line from information_schema.role_table_grants
      where table_schema = 'public' and grantee in ('anon', 'authenticated', 'service_role', 'PUBLIC')`),
    functionGrants: await rows(`select r.rolname || ' ' || p.oid::regprocedure::text as line
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace cross join pg_roles r
      where n.nspname = 'public' and r.rolname in ('anon', 'authenticated', 'service_role') and has_function_privilege(r.oid, p.oid, 'EXECUTE')`),
  };
}

describe('migrations', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'migrations-before-fold-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('never edit a released migration: each file listed in supabase/released-migrations.sha256 is byte for byte as released', () => {
    const released = readFileSync(RELEASED, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const [sha256, file] = line.split(/\s+/);
        return { sha256: sha256!, file: file! };
      });
    expect(released.length).toBeGreaterThan(10);
    const files = readdirSync(MIGRATIONS)
      .filter((f) => f.endsWith('.sql'))
      .sort();
    for (const { sha256, file } of released) {
      expect(files, `${file} was released and must stay`).toContain(file);
      expect(migrationChecksum(readFileSync(path.join(MIGRATIONS, file), 'utf8')), `${file} was edited after its release`).toBe(sha256);
    }
    // A new migration sorts after every released one, so a database that ran the release runs it next.
    const lastReleased = released
      .map((r) => r.file)
      .sort()
      .at(-1)!;
    for (const file of files.filter((f) => !released.some((r) => r.file === f))) {
      expect(file > lastReleased, `${file} sorts before the released ${lastReleased}`).toBe(true);
    }
  });

  it('refuse to run on a database that applied a migration since edited, and name it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'migrations-edited-'));
    const db = await createPgliteDatabase();
    try {
      writeFileSync(path.join(dir, '20990101_first.sql'), 'create table edited_probe (id int);');
      expect(await runMigrations(db, dir)).toEqual(['20990101']);
      expect(await runMigrations(db, dir)).toEqual([]);
      writeFileSync(path.join(dir, '20990101_first.sql'), 'create table edited_probe (id bigint);');
      writeFileSync(path.join(dir, '20990102_second.sql'), 'create table second_probe (id int);');
      await expect(runMigrations(db, dir)).rejects.toThrow(EditedMigrationError);
      await expect(runMigrations(db, dir)).rejects.toThrow(/20990101 was edited/);
      // Nothing after the edited file ran.
      expect(await db.query(`select to_regclass('second_probe') as t`)).toEqual([{ t: null }]);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('record a checksum for a version another tool applied, then hold the file to it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'migrations-cli-'));
    const db = await createPgliteDatabase();
    try {
      writeFileSync(path.join(dir, '20990101_first.sql'), 'create table cli_probe (id int);');
      await runMigrations(db, dir);
      await db.query('delete from supabase_migrations.schema_migration_checksums');
      expect(await runMigrations(db, dir)).toEqual([]);
      const rows = await db.query<{ version: string }>('select version from supabase_migrations.schema_migration_checksums');
      expect(rows).toEqual([{ version: '20990101' }]);
      writeFileSync(path.join(dir, '20990101_first.sql'), 'create table cli_probe (id bigint);');
      await expect(runMigrations(db, dir)).rejects.toThrow(EditedMigrationError);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bring a database created from the files before the fold to exactly the state of a fresh one', async ({ skip }) => {
    const before = filesAt(BEFORE_FOLD);
    skip(before === null, `the git history holds no commit ${BEFORE_FOLD} (a shallow clone): nothing to migrate from`);
    for (const file of before!) writeFileSync(path.join(scratch, file.name), file.sql);

    const fresh = await createPgliteDatabase();
    const upgraded = await createPgliteDatabase();
    try {
      await runMigrations(fresh);
      expect(await runMigrations(upgraded, scratch)).toEqual(before!.map((f) => f.name.split('_')[0]));
      // Databases of that release predate checksums: the runner records today's files on first sight.
      await upgraded.query('delete from supabase_migrations.schema_migration_checksums');
      const applied = await runMigrations(upgraded);
      expect(applied.length).toBeGreaterThan(0);
      expect(await catalogue(upgraded)).toEqual(await catalogue(fresh));
    } finally {
      await fresh.close();
      await upgraded.close();
    }
  });
});
