import { PGlite } from '@electric-sql/pglite';
import { PgliteStatistics } from './pglite-statistics';
import type { Database, ScriptQueryable, Statement } from './types';

function wrap(pg: Pick<PGlite, 'query' | 'exec'>, afterWork: () => void = () => undefined): ScriptQueryable {
  return {
    async query<T extends object>(text: string, params: readonly unknown[] = []): Promise<T[]> {
      const result = await pg.query<T>(text, [...params]);
      afterWork();
      return result.rows;
    },
    async exec(script: string): Promise<void> {
      await pg.exec(script);
      afterWork();
    },
  };
}

export interface PgliteOptions {
  /** Start from a dumped data directory (PGlite's dumpDataDir) instead of an empty cluster. */
  loadDataDir?: Blob;
}

/** Embedded Postgres (WASM). `dataDir` undefined = in memory (tests); a path = persisted. */
export async function createPgliteDatabase(dataDir?: string, options: PgliteOptions = {}): Promise<Database> {
  const pg = await PGlite.create({ ...(dataDir ? { dataDir } : {}), ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}) });
  const statistics = new PgliteStatistics(pg);
  const queryable = wrap(pg, () => statistics.poke());
  return {
    kind: 'pglite',
    query: queryable.query,
    exec: queryable.exec,
    async transaction<T>(fn: (tx: ScriptQueryable) => Promise<T>): Promise<T> {
      const result = await pg.transaction((tx) => fn(wrap(tx)));
      statistics.poke();
      return result;
    },
    async pipeline(statements: readonly Statement[]): Promise<Record<string, unknown>[][]> {
      // One query at a time in-process: there is no round trip to save, only the transaction to keep.
      const results = await pg.transaction(async (tx) => {
        const rows: Record<string, unknown>[][] = [];
        for (const s of statements) rows.push((await tx.query<Record<string, unknown>>(s.text, [...(s.params ?? [])])).rows);
        return rows;
      });
      statistics.poke();
      return results;
    },
    async close(): Promise<void> {
      await statistics.stop();
      if (!pg.closed) await pg.close();
    },
  };
}
