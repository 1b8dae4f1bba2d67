// Each SQL function is defined once, in its current form (superseded definitions were folded away
// before release). A database created from the migration files as they were before the fold, then
// migrated with today's files, must end exactly where a fresh database does: same functions, same
// columns, indexes, policies and grants.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPgliteDatabase, runMigrations, type Database } from '../../src/lib/db';

/** The last commit whose migrations still re-defined functions of earlier files. */
const BEFORE_FOLD = '05e2e0f';
const MIGRATIONS = 'supabase/migrations';

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

  it('define every SQL function once', () => {
    const seen = new Map<string, string>();
    for (const file of readdirSync(MIGRATIONS)
      .filter((f) => f.endsWith('.sql'))
      .sort()) {
      for (const match of readFileSync(path.join(MIGRATIONS, file), 'utf8').matchAll(/create (?:or replace )?function\s+(\w+)\s*\(/gi)) {
        const name = match[1]!.toLowerCase();
        expect(seen.get(name), `${name} is defined in ${seen.get(name)} and again in ${file}`).toBeUndefined();
        seen.set(name, file);
      }
    }
    expect(seen.size).toBeGreaterThan(20);
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
      const applied = await runMigrations(upgraded);
      expect(applied.length).toBeGreaterThan(0);
      expect(await catalogue(upgraded)).toEqual(await catalogue(fresh));
    } finally {
      await fresh.close();
      await upgraded.close();
    }
  });
});
