import type { PGlite } from '@electric-sql/pglite';

// PGlite runs without autovacuum, so nothing refreshes planner statistics: every table would keep
// its "never analyzed" estimates and the ingest function's cached generic plans would scan whole
// tables per event (a 500-event batch took 18 s once the ledger held a few thousand rows).
// This does autovacuum's ANALYZE job for the embedded database: after queries, at most every
// couple of seconds, it analyzes the tables that grew by a fifth since they were last analyzed.
// Growth is read from the table's size on disk, which (unlike the statistics counters) is exact
// at once.
const GROWN_TABLES_SQL = `
  select format('%I.%I', n.nspname, c.relname) as name
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and c.relkind = 'r'
    and pg_relation_size(c.oid) / current_setting('block_size')::int >= greatest(8, c.relpages * 1.2)`;

export class PgliteStatistics {
  private lastCheck = 0;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly pg: Pick<PGlite, 'query' | 'exec'>,
    private readonly minIntervalMs = 2_000,
  ) {}

  /** Called after the caller's work; never delays it (PGlite queues the ANALYZE behind it). */
  poke(): void {
    if (this.stopped || this.running) return;
    const now = Date.now();
    if (now - this.lastCheck < this.minIntervalMs) return;
    this.lastCheck = now;
    this.running = this.refresh()
      // Statistics are an optimisation: a failure here must never reach a request.
      .catch(() => undefined)
      .finally(() => {
        this.running = null;
      });
  }

  /** Analyzes every grown table now (tests and benchmarks that want settled plans). */
  async refresh(): Promise<void> {
    const grown = await this.pg.query<{ name: string }>(GROWN_TABLES_SQL);
    for (const { name } of grown.rows) {
      if (this.stopped) return;
      await this.pg.exec(`analyze ${name}`);
    }
  }

  /** Resolves when a refresh started by poke() is done. */
  async whenIdle(): Promise<void> {
    await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }
}
