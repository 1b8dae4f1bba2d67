// npm run bench:hot-designs — the two candidate answers to the hot rollup row, measured against
// the current schema in one run: prototypes applied to scratch databases only (never a
// migration). "striped": rollup rows gain a stripe (the session's backend pid mod 16), so
// concurrent deliveries to one variant-hour update different rows, to be summed on read.
// "deferred": the request commits the ledger row (queued, not yet counted) and a batched applier
// counts queued events with metrics_apply_events, the existing claim that makes counting
// exactly-once. Both prototypes are derived from the live definitions, so the benchmark fails
// loudly if those change shape. Prints tables; not a test.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DEV_WORKSPACE_ID, type Database } from '../src/lib/db';
import { parseCommandLine, usageError } from './lib/cli';
import {
  combinePgbench,
  hotShape,
  mapHotMessages,
  pgbenchSlice,
  PGBENCH,
  PGBENCH_SCRIPTS,
  type HotSide,
  type PgbenchResult,
} from './lib/hot-row';
import { fmt, printTable } from './lib/load';
import { BENCH_APPLICATION_NAME, freshDatabase } from './lib/postgres-scratch';

const USAGE = `Usage: npm run bench:hot-designs

Single-event deliveries (pgbench, prepared, one delivery per transaction) to one variant-hour and
spread over 100 variants, on three scratch databases: the current schema, a striped-rollup
prototype and a deferred-counting prototype (with its applier running), interleaved at each
sender count; then the deferred prototype's lag from commit to counted at a fixed rate. Ends with
ledger rows = counter sums on each database.

Environment:
  BENCH_HOT_SENDERS        sender counts (1,4,16,64)
  BENCH_HOT_DB_SECONDS     seconds per slice (3)
  BENCH_LAG_RATE           deliveries/s for the lag measurement (1000)
  BENCH_LAG_SECONDS        its duration (20)

  -h, --help    this text`;
parseCommandLine(USAGE, {});
const SENDERS = (process.env.BENCH_HOT_SENDERS ?? '1,4,16,64').split(',').map(Number);
if (SENDERS.some((n) => !Number.isInteger(n) || n < 1)) usageError(USAGE, 'BENCH_HOT_SENDERS must be positive integers, comma-separated');
const SECONDS = Number(process.env.BENCH_HOT_DB_SECONDS ?? 3);
const LAG_RATE = Number(process.env.BENCH_LAG_RATE ?? 1000);
const LAG_SECONDS = Number(process.env.BENCH_LAG_SECONDS ?? 20);
const STRIPES = 16;
const APPLIER_BATCH = 5_000;

type Design = 'current' | 'striped' | 'deferred';

type Edit = readonly [from: string, to: string, what: string];

/** Recreates a function from its live definition with each edit applied exactly where it was found. */
async function rewriteFunction(db: Database, signature: string, edits: readonly Edit[]): Promise<void> {
  const [row] = await db.query<{ def: string }>(`select pg_get_functiondef($1::regprocedure) as def`, [signature]);
  let text = row!.def;
  for (const [from, to, what] of edits) {
    if (!text.includes(from)) throw new Error(`prototype: ${what} not found in ${signature} (its shape changed)`);
    text = text.replace(from, to);
  }
  await db.query(text);
}

/** Rollup rows keyed by stripe too; the rollup upsert writes the session's stripe. */
async function applyStriped(db: Database): Promise<void> {
  await db.query(`alter table metrics_rollups add column stripe smallint not null default 0`);
  await db.query(`alter table metrics_rollups drop constraint metrics_rollups_key`);
  await db.query(
    `alter table metrics_rollups add constraint metrics_rollups_key
       unique nulls not distinct (workspace_id, circuit_execution_id, ab_test_id, variant_id, channel, time_bucket, stripe)`,
  );
  await rewriteFunction(db, 'metrics_rollup_events(uuid[])', [
    ['social_shares, social_clicks)\n', 'social_shares, social_clicks, stripe)\n', 'the rollup insert column list'],
    [
      'social_shares, social_clicks\n    from increments',
      `social_shares, social_clicks, (pg_backend_pid() % ${STRIPES})::smallint\n    from increments`,
      'the rollup insert select list',
    ],
  ]);
}

/** Mapped events are committed uncounted (applied_at null, not processed) and counted by the applier. */
async function applyDeferred(db: Database): Promise<void> {
  await rewriteFunction(db, 'metrics_ingest_events(uuid,text,jsonb,boolean)', [
    [
      "r.nothing_to_attribute or r.map_status in ('mapped', 'orphaned'),\n           case when r.nothing_to_attribute or r.map_status in ('mapped', 'orphaned') then now() end,\n           case when not r.nothing_to_attribute and r.map_status = 'mapped' then now() end",
      "r.nothing_to_attribute or r.map_status = 'orphaned',\n           case when r.nothing_to_attribute or r.map_status = 'orphaned' then now() end,\n           null::timestamptz",
      "the ledger insert's processed/applied_at",
    ],
    ['  perform metrics_rollup_events(v_applied_ids);', '  -- counted by the applier', 'the in-request rollup'],
  ]);
  await db.query(`create index bench_counting_queue on metrics_webhook_events (received_at) where applied_at is null and not processed`);
}

/** The deferred prototype's applier: one transaction per batch of the oldest uncounted events. */
function startApplier(db: Database): { stop(): Promise<{ passes: number; applied: number }> } {
  let running = true;
  let passes = 0;
  let applied = 0;
  const loop = (async () => {
    while (running) {
      const [row] = await db.query<{ n: number }>(
        `select metrics_apply_events(array(
           select id from metrics_webhook_events where applied_at is null and not processed order by received_at limit $1)) as n`,
        [APPLIER_BATCH],
      );
      passes += 1;
      applied += Number(row!.n);
      // Idle: look again in 100 ms; a full batch: at once.
      if (Number(row!.n) < 100) await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { passes, applied };
    },
  };
}

const run = promisify(execFile);

async function main(): Promise<void> {
  const databases = {
    current: await freshDatabase('metrics_bench_hotd_current'),
    striped: await freshDatabase('metrics_bench_hotd_striped'),
    deferred: await freshDatabase('metrics_bench_hotd_deferred'),
  } satisfies Record<Design, unknown>;
  try {
    await applyStriped(databases.striped.db);
    await applyDeferred(databases.deferred.db);
    for (const scratch of Object.values(databases)) {
      await mapHotMessages(scratch.db, DEV_WORKSPACE_ID, hotShape());
      await scratch.db.query('analyze');
    }
    const applier = startApplier(databases.deferred.db);
    const cells: { design: Design; side: HotSide }[] = [
      { design: 'current', side: 'bare' },
      { design: 'current', side: 'hot' },
      { design: 'current', side: 'spread' },
      { design: 'striped', side: 'hot' },
      { design: 'striped', side: 'spread' },
      { design: 'deferred', side: 'hot' },
      { design: 'deferred', side: 'spread' },
    ];
    const label = (cell: { design: Design; side: HotSide }) => `${cell.design}/${cell.side}`;
    for (const cell of cells) await pgbenchSlice(databases[cell.design].url, cell.side, 4, 1, DEV_WORKSPACE_ID); // warm-up
    const figures: Record<number, Record<string, PgbenchResult>> = {};
    for (const senders of SENDERS) {
      const parts: Record<string, PgbenchResult[]> = {};
      for (const order of [cells, [...cells].reverse()]) {
        for (const cell of order) {
          const result = await pgbenchSlice(databases[cell.design].url, cell.side, senders, SECONDS, DEV_WORKSPACE_ID);
          (parts[label(cell)] ??= []).push(result);
          console.log(`  c=${senders} ${label(cell)}: ${fmt(result.transactions / result.seconds)} /s, ${fmt(result.latencyMs, 2)} ms`);
        }
      }
      figures[senders] = Object.fromEntries(Object.entries(parts).map(([key, list]) => [key, combinePgbench(list)]));
    }

    // The work inside the request's transaction, one sender, with the commit's flush left out
    // (synchronous_commit off for these sessions only): on this shared machine a flush takes
    // milliseconds and would hide the difference between the sides, which all pay one.
    const inRequest: Record<string, PgbenchResult[]> = {};
    const costCells = cells.filter((cell) => cell.design !== 'striped');
    for (const order of [costCells, [...costCells].reverse(), costCells, [...costCells].reverse()]) {
      for (const cell of order) {
        const result = await pgbenchSlice(databases[cell.design].url, cell.side, 1, SECONDS, DEV_WORKSPACE_ID, '-c synchronous_commit=off');
        (inRequest[label(cell)] ??= []).push(result);
      }
    }
    const inRequestMs = Object.fromEntries(Object.entries(inRequest).map(([key, list]) => [key, combinePgbench(list).latencyMs]));

    // Lag from commit to counted, at a fixed rate to the one hot variant (pgbench -R, 16 senders).
    const [mark] = await databases.deferred.db.query<{ at: string }>(`select now()::text as at`);
    const dir = mkdtempSync(path.join(tmpdir(), 'metrics-pgbench-'));
    let lagRun: string;
    try {
      writeFileSync(path.join(dir, 'hot.sql'), PGBENCH_SCRIPTS.hot);
      const url = new URL(databases.deferred.url);
      url.searchParams.set('application_name', `${BENCH_APPLICATION_NAME}-pgbench`);
      const args = ['-n', '-M', 'prepared', '-c', '16', '-j', '4', '-R', String(LAG_RATE), '-T', String(LAG_SECONDS)];
      const { stdout } = await run(PGBENCH, [...args, '-D', `ws=${DEV_WORKSPACE_ID}`, '-f', path.join(dir, 'hot.sql'), url.toString()]);
      lagRun = /tps = ([\d.]+)/.exec(stdout)?.[1] ?? '?';
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const applierRun = await applier.stop();
    // applied_at is the applier transaction's start: its commit follows within that pass.
    const [lag] = await databases.deferred.db.query<{ n: number; uncounted: number; p50: number; p95: number; max: number }>(
      `select count(*)::int as n, (count(*) filter (where applied_at is null))::int as uncounted,
              percentile_cont(0.5) within group (order by extract(epoch from applied_at - received_at)) as p50,
              percentile_cont(0.95) within group (order by extract(epoch from applied_at - received_at)) as p95,
              max(extract(epoch from applied_at - received_at))::float8 as max
       from metrics_webhook_events where received_at > $1::timestamptz and provider_event_id not like 'bare-%'`,
      [mark!.at],
    );

    console.log(`\nDeliveries/s (mean ms per delivery), pgbench, ${SECONDS} s slices, interleaved:`);
    const keys = cells.map(label);
    const rate = (result: PgbenchResult) => result.transactions / result.seconds;
    printTable(
      ['senders', ...keys],
      SENDERS.map((senders) => [
        String(senders),
        ...keys.map((key) => `${fmt(rate(figures[senders]![key]!))} (${fmt(figures[senders]![key]!.latencyMs, 2)})`),
      ]),
    );
    console.log('\nOne variant as a share of spread over 100, each design against its own spread and against the current spread:');
    printTable(
      ['senders', 'current', 'striped', 'deferred', 'deferred one variant / current spread'],
      SENDERS.map((senders) => {
        const row = figures[senders]!;
        const share = (design: Design) => `${fmt((100 * rate(row[`${design}/hot`]!)) / rate(row[`${design}/spread`]!))} %`;
        return [
          String(senders),
          share('current'),
          share('striped'),
          share('deferred'),
          `${fmt((100 * rate(row['deferred/hot']!)) / rate(row['current/spread']!))} %`,
        ];
      }),
    );
    console.log('\nIn-request database cost, one sender, without the commit flush (ms per delivery, × the bare insert):');
    printTable(
      ['side', 'ms', '× bare'],
      costCells.map((cell) => [
        label(cell),
        fmt(inRequestMs[label(cell)]!, 3),
        fmt(inRequestMs[label(cell)]! / inRequestMs['current/bare']!, 2),
      ]),
    );
    console.log(
      `\nDeferred, ${fmt(LAG_SECONDS)} s at ${fmt(LAG_RATE)} deliveries/s to one variant (measured ${fmt(Number(lagRun))}/s): commit → counted` +
        ` p50 ${fmt(lag!.p50 * 1000)} ms, p95 ${fmt(lag!.p95 * 1000)} ms, max ${fmt(lag!.max * 1000)} ms over ${fmt(lag!.n)} events` +
        ` (${lag!.uncounted} left uncounted); applier: ${fmt(applierRun.passes)} passes, ${fmt(applierRun.applied)} events.`,
    );
    for (const [design, scratch] of Object.entries(databases)) {
      const [check] = await scratch.db.query<{ ledger: number; counted: number }>(
        `select (select count(*)::int from metrics_webhook_events where provider_event_id not like 'bare-%') as ledger,
                (select coalesce(sum(email_delivered), 0)::int from metrics_rollups) as counted`,
      );
      const ok = check!.ledger === check!.counted;
      (ok ? console.log : console.error)(
        `Check (${design}): ${fmt(check!.ledger)} ledger rows; counters sum to ${fmt(check!.counted)}${ok ? '' : ' — CHECK FAILED'}.`,
      );
      if (!ok) process.exitCode = 1;
    }
  } finally {
    for (const scratch of Object.values(databases)) await scratch.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
