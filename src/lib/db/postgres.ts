import postgres from 'postgres';
import { poolModeOfUrl, withoutPoolerFlag, type PoolMode } from './config';
import { classifyDatabaseError } from './errors';
import type { Database, ScriptQueryable, Statement } from './types';

export interface PostgresOptions {
  /** Pool size: the hard bound on concurrent database work from this process. */
  max?: number;
  connectTimeoutSeconds?: number;
  /** Default: what the URL implies (pooler ports 6543/6432, `?pgbouncer=true`). */
  poolMode?: PoolMode;
}

type Sql = postgres.Sql | postgres.TransactionSql;

function wrap(sql: Sql, prepare: boolean): ScriptQueryable {
  return {
    async exec(script: string): Promise<void> {
      try {
        // No parameters: simple protocol, so a script may hold many statements.
        await sql.unsafe(script).simple();
      } catch (error) {
        throw classifyDatabaseError(error);
      }
    },
    async query<T extends object>(text: string, params: readonly unknown[] = []): Promise<T[]> {
      try {
        // unsafe() is the parameterised-text entry point; values travel as bind parameters.
        // Named prepared statements skip parse/plan on repeats; poolers in transaction mode forbid them.
        const rows = await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare });
        return rows as unknown as T[];
      } catch (error) {
        throw classifyDatabaseError(error);
      }
    },
  };
}

/**
 * Any PostgreSQL 15+, directly or through a pooler (Supavisor, PgBouncer). In transaction mode
 * each transaction may land on another server connection, so nothing here keeps session state:
 * settings are transaction-local (set_config(..., true)), locks are pg_advisory_xact_lock, and
 * named prepared statements, which live on one server connection, are turned off.
 */
export function createPostgresDatabase(url: string, options: PostgresOptions = {}): Database {
  const prepare = (options.poolMode ?? poolModeOfUrl(url)) === 'session';
  const sql = postgres(withoutPoolerFlag(url), {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeoutSeconds ?? 5,
    idle_timeout: 30,
    // Reconnect quickly after an outage: the default backoff grows to 20 s, shared by the pool,
    // which held requests that long after the database was back.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
    prepare,
    onnotice: () => undefined,
    types: {
      // Keep bigint counts as JS numbers; all counters here fit in 2^53.
      bigint: { to: 20, from: [20], serialize: (x: number) => x.toString(), parse: (x: string) => Number(x) },
    },
  });
  const queryable = wrap(sql, prepare);
  return {
    kind: 'postgres',
    query: queryable.query,
    exec: queryable.exec,
    async transaction<T>(fn: (tx: ScriptQueryable) => Promise<T>): Promise<T> {
      try {
        return (await sql.begin((tx) => fn(wrap(tx, prepare)))) as T;
      } catch (error) {
        throw classifyDatabaseError(error);
      }
    },
    async pipeline(statements: readonly Statement[]): Promise<Record<string, unknown>[][]> {
      let reserved: postgres.ReservedSql;
      try {
        reserved = await sql.reserve();
      } catch (error) {
        throw classifyDatabaseError(error);
      }
      try {
        // Nothing is awaited between the statements: postgres.js writes them back to back and
        // PostgreSQL answers them in order, so BEGIN, the statements and COMMIT cost one round trip.
        const run = (text: string, params: readonly unknown[] = []) =>
          reserved.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare });
        const settled = await Promise.allSettled([run('begin'), ...statements.map((s) => run(s.text, s.params)), run('commit')]);
        // After a failed statement the rest fail as "transaction aborted" and COMMIT rolls back:
        // the first failure is the cause.
        const failure = settled.find((result) => result.status === 'rejected');
        if (failure) throw failure.reason;
        return settled
          .slice(1, -1)
          .map(
            (result) => (result as PromiseFulfilledResult<postgres.RowList<postgres.Row[]>>).value as unknown as Record<string, unknown>[],
          );
      } catch (error) {
        throw classifyDatabaseError(error);
      } finally {
        reserved.release();
      }
    },
    async close(): Promise<void> {
      await sql.end({ timeout: 5 });
    },
  };
}
