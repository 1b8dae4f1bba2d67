// bench:ingest's hot-row section: runs the case at the database and over HTTP, interleaved per
// sender count, prints both tables and checks ledger = counter sums at the end.
import { randomUUID } from 'node:crypto';
import { DEV_WORKSPACE_ID } from '../../src/lib/db';
import type { Rng } from '../../src/lib/random/seeded-rng';
import { sendGridEvent, type SendGridMessage } from '../../tooling/simulator/provider-payloads';
import { startServer, type TestServer } from '../../tests/helpers/server';
import {
  combinePgbench,
  hotCheck,
  hotObjectId,
  hotShape,
  mapHotMessages,
  pgbenchSlice,
  HOT_HOUR,
  HOT_MESSAGES,
  type HotSide,
  type PgbenchResult,
} from './hot-row';
import { combineResults, fmt, printTable, runFor, type LoadResult } from './load';
import { freshDatabase } from './postgres-scratch';
import { poster, signBatch, type SignedBatch } from './sendgrid-batches';

export interface HotRowOptions {
  senders: number[];
  /** Seconds per slice; each side gets two slices per sender count (A B C, C B A). */
  dbSeconds: number;
  httpSeconds: number;
  servers: number;
  poolPerServer: number;
}

const SIDES: HotSide[] = ['bare', 'hot', 'spread'];
const ORDERS: HotSide[][] = [SIDES, [...SIDES].reverse()];

export interface HotRowFigures {
  db: Record<number, Record<HotSide, PgbenchResult>>;
  http: Record<number, Record<HotSide, LoadResult>>;
}

const ratio = (a: number, b: number) => `${fmt((100 * a) / b)} %`;

export async function runHotRowCase(
  rng: Rng,
  keys: { publicKey: string; privateKey: string },
  options: HotRowOptions,
): Promise<HotRowFigures> {
  const pg = await freshDatabase('metrics_bench_hot');
  const shape = hotShape();
  const figures: HotRowFigures = { db: {}, http: {} };
  try {
    await mapHotMessages(pg.db, DEV_WORKSPACE_ID, shape);
    await pg.db.query('analyze');

    // --- At the database: pgbench, one delivery per transaction, one connection per sender. ---
    console.log(`\nHot row at the database (pgbench, prepared, ${options.dbSeconds} s slices):`);
    await pgbenchSlice(pg.url, 'hot', 4, 2, DEV_WORKSPACE_ID); // warm-up: plans, buffers, the hour's rows exist
    await pgbenchSlice(pg.url, 'spread', 4, 2, DEV_WORKSPACE_ID);
    await pg.db.query('analyze');
    for (const senders of options.senders) {
      const parts: Record<HotSide, PgbenchResult[]> = { bare: [], hot: [], spread: [] };
      for (const order of ORDERS) {
        for (const side of order) {
          const result = await pgbenchSlice(pg.url, side, senders, options.dbSeconds, DEV_WORKSPACE_ID);
          parts[side].push(result);
          console.log(
            `  c=${senders} ${side}: ${fmt(result.transactions / result.seconds)} /s, ${fmt(result.latencyMs, 2)} ms${result.failed ? ` (${result.failed} failed)` : ''}`,
          );
        }
      }
      figures.db[senders] = { bare: combinePgbench(parts.bare), hot: combinePgbench(parts.hot), spread: combinePgbench(parts.spread) };
    }

    // --- Over HTTP: several next start processes on the database, deliveries round-robin. ---
    // Each delivery its own call (no waiting to be combined), as on Vercel.
    const servers: TestServer[] = await Promise.all(
      Array.from({ length: options.servers }, () =>
        startServer({
          DATABASE_URL: pg.url,
          SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicKey,

          DATABASE_POOL_MAX: String(options.poolPerServer),
          METRICS_INGEST_MAX_IN_FLIGHT: '1000',
        }),
      ),
    );
    try {
      const webhook = servers.map((server) => poster(server, `/api/webhooks/metrics?provider=sendgrid&workspace_id=${DEV_WORKSPACE_ID}`));
      const bare = servers.map((server) => poster(server, '/api/bench/bare'));
      const hourMs = Date.parse(HOT_HOUR);
      const delivery = (side: 'hot' | 'spread' | 'bare'): SignedBatch => {
        const n = rng.int(0, HOT_MESSAGES - 1);
        const message: SendGridMessage = {
          xMessageId: hotObjectId(side === 'bare' ? 'hot' : side, n),
          email: `r${n}@example.com`,
          customArgs: null,
          category: 'newsletter',
          asmGroupId: 1000,
          eventCount: 0,
        };
        const event = { ...sendGridEvent(rng, message, 'delivered', hourMs + rng.int(0, 3_599_999)), sg_event_id: randomUUID() };
        return signBatch(keys.privateKey, [event]);
      };
      // Signed ahead, so the load generator's CPU goes to sending; more are signed if a slice runs out.
      const pool: Record<HotSide, SignedBatch[]> = {
        bare: Array.from({ length: 4_000 }, () => delivery('bare')),
        hot: Array.from({ length: 8_000 }, () => delivery('hot')),
        spread: Array.from({ length: 8_000 }, () => delivery('spread')),
      };
      const next = (side: HotSide) => pool[side].pop() ?? delivery(side);
      let turn = 0;
      const send = (side: HotSide) => () => {
        const target = turn++ % servers.length;
        return (side === 'bare' ? bare : webhook)[target]!(next(side));
      };
      console.log(
        `\nHot row over HTTP (${options.servers} × next start, pool ${options.poolPerServer} each, ${options.httpSeconds} s slices):`,
      );
      await runFor(2, 8, send('hot'));
      await runFor(2, 8, send('spread'));
      for (const senders of options.senders) {
        const parts: Record<HotSide, LoadResult[]> = { bare: [], hot: [], spread: [] };
        for (const order of ORDERS) {
          for (const side of order) {
            const result = await runFor(options.httpSeconds, senders, send(side));
            parts[side].push(result);
            console.log(
              `  c=${senders} ${side}: ${fmt(result.perSecond)} /s, p50 ${fmt(result.p50, 1)} ms${result.errors ? ` (${result.errors} non-2xx)` : ''}`,
            );
          }
        }
        figures.http[senders] = { bare: combineResults(parts.bare), hot: combineResults(parts.hot), spread: combineResults(parts.spread) };
      }
    } finally {
      await Promise.all(servers.map((server) => server.stop()));
    }

    console.log('\nHot row at the database: deliveries/s (mean ms per delivery), same run, interleaved');
    printTable(
      ['senders', 'bare 1-row ledger insert', 'one variant', 'spread over 100', 'one / spread', 'one variant ms / bare ms'],
      options.senders.map((senders) => {
        const row = figures.db[senders]!;
        const rate = (side: HotSide) => row[side].transactions / row[side].seconds;
        return [
          String(senders),
          `${fmt(rate('bare'))} (${fmt(row.bare.latencyMs, 2)})`,
          `${fmt(rate('hot'))} (${fmt(row.hot.latencyMs, 2)})`,
          `${fmt(rate('spread'))} (${fmt(row.spread.latencyMs, 2)})`,
          ratio(rate('hot'), rate('spread')),
          `${fmt(row.hot.latencyMs / row.bare.latencyMs, 2)} ×`,
        ];
      }),
    );
    console.log(`\nHot row over HTTP: requests/s (p50 / p99 ms), ${options.servers} servers, same run, interleaved`);
    printTable(
      ['senders', 'bare route (no database)', 'one variant', 'spread over 100', 'one / spread', 'non-2xx'],
      options.senders.map((senders) => {
        const row = figures.http[senders]!;
        const cell = (side: HotSide) => `${fmt(row[side].perSecond)} (${fmt(row[side].p50, 1)} / ${fmt(row[side].p99, 1)})`;
        return [
          String(senders),
          cell('bare'),
          cell('hot'),
          cell('spread'),
          ratio(row.hot.perSecond, row.spread.perSecond),
          `${row.hot.errors + row.spread.errors + row.bare.errors}`,
        ];
      }),
    );
    const check = await hotCheck(pg.db);
    if (check.ledger === check.counted) {
      console.log(
        `\nCheck (hot row): ${fmt(check.ledger)} ledger rows; rollup counters sum to ${fmt(check.counted)} (every event counted once).`,
      );
    } else {
      console.error(`\nCHECK FAILED (hot row): ${fmt(check.ledger)} ledger rows but rollup counters sum to ${fmt(check.counted)}.`);
      process.exitCode = 1;
    }
    return figures;
  } finally {
    await pg.drop();
  }
}
