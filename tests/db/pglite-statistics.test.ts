// PGlite has no autovacuum: the embedded driver analyzes tables that grew, or the planner would
// keep "never analyzed" estimates forever.
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteStatistics } from '../../src/lib/db/pglite-statistics';

describe('PgliteStatistics', () => {
  let pg: PGlite;
  beforeAll(async () => {
    pg = await PGlite.create();
    await pg.exec('create table grows (id int primary key, payload text)');
  });
  afterAll(async () => {
    await pg.close();
  });

  const reltuples = async () =>
    (await pg.query<{ n: number }>("select reltuples::int as n from pg_class where relname = 'grows'")).rows[0]!.n;

  it('analyzes a table once it has grown, and not again until it grows by a fifth', async () => {
    const statistics = new PgliteStatistics(pg, 0);
    await pg.exec("insert into grows select g, repeat('x', 200) from generate_series(1, 20) g");
    await statistics.refresh();
    expect(await reltuples()).toBe(-1); // one page: not worth it yet

    await pg.exec("insert into grows select g, repeat('x', 200) from generate_series(21, 2000) g");
    await statistics.refresh();
    expect(await reltuples()).toBe(2000);

    await pg.exec("insert into grows select g, repeat('x', 200) from generate_series(2001, 2100) g");
    await statistics.refresh();
    expect(await reltuples()).toBe(2000); // 5 % growth: the statistics still hold

    await pg.exec("insert into grows select g, repeat('x', 200) from generate_series(2101, 3000) g");
    statistics.poke();
    await statistics.whenIdle();
    expect(await reltuples()).toBe(3000);

    // Closing waits for work in progress but starts no more.
    await pg.exec("insert into grows select g, repeat('x', 200) from generate_series(3001, 5000) g");
    await statistics.stop();
    statistics.poke();
    await statistics.whenIdle();
    expect(await reltuples()).toBe(3000);
  });
});
