// Everything a migration defines, as comparable text: two databases with equal catalogues have the
// same functions (by definition hash), columns, indexes, policies and grants.
import type { Database } from '../../src/lib/db';

/** Everything a migration defines, as comparable text. */
export async function catalogue(db: Database): Promise<Record<string, string[]>> {
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
