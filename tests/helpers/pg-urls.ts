import postgres from 'postgres';
import { inject } from 'vitest';

export function databaseUrl(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The server's maintenance database, for CREATE/DROP DATABASE. */
export function adminUrl(base: string): string {
  return databaseUrl(base, 'postgres');
}

/**
 * A one-connection client on the maintenance database. Unnamed statements: through a
 * transaction-mode pooler a named one may be left on a server connection another client gets.
 */
export function adminClient(base: string): postgres.Sql {
  return postgres(adminUrl(base), { max: 1, prepare: false, onnotice: () => undefined });
}

/** Per-run names, so two test runs on one server never drop each other's databases. */
export function templateDbName(runId: string): string {
  return `metrics_tpl_${runId}`;
}
export function testDbPrefix(runId: string): string {
  return `metrics_t_${runId}_`;
}

export function currentRunId(): string {
  return inject('pgRunId');
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgRunId: string;
    /** File holding a migrated PGlite data directory (dumpDataDir), or '' when none was made. */
    pgliteSnapshot: string;
    /** A migrated PGlite data directory, for embedded servers to start on a copy of. */
    pgliteDataDir: string;
  }
}
