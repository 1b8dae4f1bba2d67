import { PGlite } from '@electric-sql/pglite';
import type { Database, ScriptQueryable } from './types';

function wrap(pg: Pick<PGlite, 'query' | 'exec'>): ScriptQueryable {
  return {
    async query<T extends object>(text: string, params: readonly unknown[] = []): Promise<T[]> {
      const result = await pg.query<T>(text, [...params]);
      return result.rows;
    },
    async exec(script: string): Promise<void> {
      await pg.exec(script);
    },
  };
}

/** Embedded Postgres (WASM). `dataDir` undefined = in memory (tests); a path = persisted. */
export async function createPgliteDatabase(dataDir?: string): Promise<Database> {
  const pg = dataDir ? await PGlite.create({ dataDir }) : await PGlite.create();
  const queryable = wrap(pg);
  return {
    kind: 'pglite',
    query: queryable.query,
    exec: queryable.exec,
    async transaction<T>(fn: (tx: ScriptQueryable) => Promise<T>): Promise<T> {
      return pg.transaction((tx) => fn(wrap(tx)));
    },
    async close(): Promise<void> {
      if (!pg.closed) await pg.close();
    },
  };
}
