// npm run bench:scale — the ledger at production volume. Prints tables; not a test.
//  1. At each ledger size (--rows, default 1 M and 10 M, filled set-based) next to a year of hourly
//     rollups for 500 variants: ingest of 500-event SendGrid batches over HTTP (`next start`) and
//     the same normalised batches straight to metrics_ingest_events, interleaved A B B A at the
//     same concurrency; then the read APIs bench:read exercises, plus the ingestion health route
//     (the one read that scans a workspace's ledger).
//  2. A simulated steady state (--days, default 7, at --events-per-day, default 3 M): the ledger
//     starts full (--retention-days of rows, default the product's 30), each simulated hour
//     ingests its events (event times in that hour) and then runs the retention batches as an
//     hourly cron would; VACUUM and ANALYZE run when autovacuum's thresholds for the ledger say
//     they would. Prints per simulated day: ingest rate, rows deleted, vacuum time, sizes.
// Time is compressed: the ingest function stamps received_at with the real clock, so the run
// records the real instant each simulated hour began and hands retention the real cutoff that
// corresponds to "simulated now − retention" (retention reads age from received_at).
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DEV_USER_ID, DEV_WORKSPACE_ID, type Database } from '../src/lib/db';
import { mintAccessToken } from '../tooling/auth/tokens';
import { generateSendGridKeyPair } from '../tooling/signing';
import { createRng } from '../src/lib/random/seeded-rng';
import { LEDGER_RETENTION_DAYS, RETENTION_BATCH_SIZE } from '../src/lib/decision-circuits/metrics/ops/retention';
import { startServer, TEST_SECRETS } from '../tests/helpers/server';
import { combineResults, fmt, printTable, runCount, runFor, type LoadResult } from './lib/load';
import { freshDatabase } from './lib/postgres-scratch';
import { abTestUuid, fillLedger, fillRollups, tableSizes, variantUuid } from './lib/scale-fill';
import { makeSendGridBatch, normalizedRows, poster, signBatch, type BatchShape } from './lib/sendgrid-batches';
import { ensureBuild, parseCommandLine, usageError } from './lib/cli';

const PHASES = ['ingest', 'reads', 'week'] as const;
const HOUR_MS = 3_600_000;
const BATCH_SIZE = 500;

const count = z.coerce.number().int().positive();
const optionsSchema = z.object({
  rows: z.string().transform((s, ctx) => {
    const sizes = s.split(',').map(Number);
    if (sizes.some((n) => !Number.isInteger(n) || n < 0))
      ctx.addIssue({ code: 'custom', message: '--rows takes ledger sizes separated by commas' });
    return [...sizes].sort((a, b) => a - b);
  }),
  days: count,
  eventsPerDay: count,
  retentionDays: count,
  variants: count,
  batches: count,
  concurrency: count,
  readSeconds: count,
  phases: z
    .string()
    .transform((s) => s.split(','))
    .pipe(z.array(z.enum(PHASES)).min(1)),
});
type Options = z.infer<typeof optionsSchema>;

const USAGE = `Usage: npm run bench:scale [-- options]

The ledger at production volume on fresh PostgreSQL databases: ingest and reads at each ledger
size, then a simulated steady state with hourly retention. Prints tables; builds the app first
when stale. A full run takes hours; --quick is a smoke run of every phase in a few minutes.

  --rows <n,n,…>          ledger sizes (1000000,10000000)
  --days <n>              simulated days of the steady state (7)
  --events-per-day <n>    events per simulated day (3000000)
  --retention-days <n>    ledger retention of the steady state (${LEDGER_RETENTION_DAYS})
  --variants <n>          variants with a year of rollups (500)
  --batches <n>           batches per ingest slice (60)
  --concurrency <n>       concurrent senders (4)
  --read-seconds <n>      seconds per read scenario (10)
  --phases <list>         any of ${PHASES.join(',')} (all)
  --quick                 small sizes for every phase
  -h, --help              this text`;

function readOptions(): Options {
  const { values } = parseCommandLine(USAGE, {
    rows: { type: 'string' },
    days: { type: 'string' },
    'events-per-day': { type: 'string' },
    'retention-days': { type: 'string' },
    variants: { type: 'string' },
    batches: { type: 'string' },
    concurrency: { type: 'string' },
    'read-seconds': { type: 'string' },
    phases: { type: 'string' },
    quick: { type: 'boolean', default: false },
  });
  // --quick: a smoke run of every phase in a few minutes; explicit flags still win.
  const defaults = values.quick
    ? { rows: '20000,60000', days: '2', eventsPerDay: '24000', retentionDays: '1', variants: '20', batches: '8', readSeconds: '2' }
    : {
        rows: '1000000,10000000',
        days: '7',
        eventsPerDay: '3000000',
        retentionDays: String(LEDGER_RETENTION_DAYS),
        variants: '500',
        batches: '60',
        readSeconds: '10',
      };
  const parsed = optionsSchema.safeParse({
    rows: values.rows ?? defaults.rows,
    days: values.days ?? defaults.days,
    eventsPerDay: values['events-per-day'] ?? defaults.eventsPerDay,
    retentionDays: values['retention-days'] ?? defaults.retentionDays,
    variants: values.variants ?? defaults.variants,
    batches: values.batches ?? defaults.batches,
    concurrency: values.concurrency ?? '4',
    readSeconds: values['read-seconds'] ?? defaults.readSeconds,
    phases: values.phases ?? PHASES.join(','),
  });
  if (!parsed.success) usageError(USAGE, parsed.error.issues.map((i) => `--${String(i.path[0] ?? '')}: ${i.message}`).join('\n'));
  return parsed.data;
}

const mb = (bytes: number) => fmt(bytes / 1024 / 1024);
const seconds = (ms: number) => fmt(ms / 1000, 1);

async function ledgerSummary(db: Database): Promise<string> {
  const sizes = await tableSizes(db, 'metrics_webhook_events');
  const indexes = sizes.indexes.reduce((n, i) => n + i.bytes, 0);
  return `ledger heap ${mb(sizes.heap)} MB, indexes ${mb(indexes)} MB (${sizes.indexes.map((i) => `${i.name} ${mb(i.bytes)}`).join(', ')})`;
}

async function callIngest(db: Database, rows: unknown): Promise<number> {
  await db.query('select count(*) from metrics_ingest_events($1, $2, $3::jsonb, true)', [DEV_WORKSPACE_ID, 'sendgrid', rows]);
  return 202;
}

// --- 1. ingest and reads at each ledger size ---------------------------------------------------

async function atLedgerSizes(options: Options): Promise<void> {
  const pg = await freshDatabase('metrics_scale_sizes');
  const keys = generateSendGridKeyPair();
  const rng = createRng('bench-scale-sizes');
  const shape: BatchShape = { abTestId: randomUUID(), variantIds: [randomUUID(), randomUUID()], hourStartMs: Date.now() - HOUR_MS };
  const now = new Date();
  const ledgerSpanMs = LEDGER_RETENTION_DAYS * 24 * HOUR_MS;
  const largest = options.rows.at(-1)!;
  const summary: string[][] = [];
  try {
    let t0 = performance.now();
    const rollupHours = 24 * 365;
    await fillRollups(pg.db, {
      workspaceId: DEV_WORKSPACE_ID,
      variants: options.variants,
      variantsPerTest: 50,
      hours: rollupHours,
      lastHour: new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS),
    });
    console.log(
      `Rollups: ${fmt(options.variants * rollupHours)} rows (${options.variants} variants x ${fmt(rollupHours)} hours) in ${seconds(performance.now() - t0)} s`,
    );

    let filled = 0;
    for (const rows of options.rows) {
      t0 = performance.now();
      // Received times spread over the retention window as the largest size would fill it.
      await fillLedger(pg.db, {
        workspaceId: DEV_WORKSPACE_ID,
        from: filled,
        to: rows,
        firstReceivedAt: new Date(now.getTime() - ledgerSpanMs + (filled * ledgerSpanMs) / largest),
        stepMs: ledgerSpanMs / largest,
        variants: options.variants,
        abTestId: abTestUuid(1),
      });
      filled = rows;
      const fillMs = performance.now() - t0;
      t0 = performance.now();
      await pg.db.query('vacuum analyze');
      console.log(
        `\n== Ledger at ${fmt(rows)} rows (filled in ${seconds(fillMs)} s, vacuum analyze ${seconds(performance.now() - t0)} s); ${await ledgerSummary(pg.db)}`,
      );
      if (options.phases.includes('ingest')) summary.push(...(await ingestAtSize(options, pg, keys, rng, shape, rows)));
      if (options.phases.includes('reads')) summary.push(...(await readsAtSize(options, pg.url, rows)));
    }
  } finally {
    await pg.drop();
  }
  console.log('');
  printTable(['ledger rows', 'scenario', 'rate', 'unit', 'p50 ms', 'p99 ms', 'non-2xx'], summary);
}

async function ingestAtSize(
  options: Options,
  pg: { url: string; db: Database },
  keys: { publicKey: string; privateKey: string },
  rng: ReturnType<typeof createRng>,
  shape: BatchShape,
  rows: number,
): Promise<string[][]> {
  const events = Array.from({ length: options.batches * 2 }, () => makeSendGridBatch(rng, BATCH_SIZE, shape));
  const signed = events.slice(0, options.batches).map((e) => signBatch(keys.privateKey, e));
  const direct = events.slice(options.batches).map(normalizedRows);
  const server = await startServer({ DATABASE_URL: pg.url, SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicKey, DATABASE_POOL_MAX: '8' });
  try {
    const post = poster(server, `/api/webhooks/metrics?provider=sendgrid&workspace_id=${DEV_WORKSPACE_ID}`);
    await runCount(2, 2, () => post(signBatch(keys.privateKey, makeSendGridBatch(rng, BATCH_SIZE, shape)))); // warm-up
    await runCount(2, 2, () => callIngest(pg.db, normalizedRows(makeSendGridBatch(rng, BATCH_SIZE, shape))));
    const http: LoadResult[] = [];
    const database: LoadResult[] = [];
    const half = Math.ceil(options.batches / 2);
    for (let round = 0; round < 2; round += 1) {
      const first = round * half;
      const n = Math.max(0, Math.min(half, options.batches - first));
      const httpSide = async () => http.push(await runCount(n, options.concurrency, (i) => post(signed[first + i]!)));
      const dbSide = async () => database.push(await runCount(n, options.concurrency, (i) => callIngest(pg.db, direct[first + i]!)));
      for (const side of round % 2 === 0 ? [httpSide, dbSide] : [dbSide, httpSide]) await side();
    }
    const line = (name: string, r: LoadResult) => [
      fmt(rows),
      name,
      fmt(r.perSecond * BATCH_SIZE),
      'events/s',
      fmt(r.p50, 1),
      fmt(r.p99, 1),
      fmt(r.errors),
    ];
    const result = [
      line(`ingest over HTTP, batches of ${BATCH_SIZE}, c=${options.concurrency}`, combineResults(http)),
      line(`ingest SQL function only, same batches, c=${options.concurrency}`, combineResults(database)),
    ];
    for (const r of result) console.log(`  ${r[1]}: ${r[2]} events/s`);
    return result;
  } finally {
    await server.stop();
  }
}

async function readsAtSize(options: Options, url: string, rows: number): Promise<string[][]> {
  const server = await startServer({ DATABASE_URL: url, DATABASE_POOL_MAX: '8' });
  const token = await mintAccessToken({ sub: DEV_USER_ID }, { secret: TEST_SECRETS.SUPABASE_JWT_SECRET });
  const headers = { authorization: `Bearer ${token}` };
  const ws = DEV_WORKSPACE_ID;
  const get = (path: string) => async (i: number) => {
    const v = (i % options.variants) + 1;
    const response = await fetch(
      `${server.url}${path.replaceAll('{v}', variantUuid(v)).replaceAll('{t}', abTestUuid(Math.floor((v - 1) / 50) + 1))}`,
      { headers },
    );
    await response.arrayBuffer();
    return response.status;
  };
  const day = (offset: number) => new Date(Date.now() - offset * 24 * HOUR_MS).toISOString();
  const scenarios: [string, string][] = [
    ['bare route (GET, 200)', '/api/bench/bare'],
    ['rollups: one variant, newest 100', `/api/circuits/metrics/rollups?workspaceId=${ws}&abTestId={t}&variantId={v}`],
    [
      'rollups: one variant, one week',
      `/api/circuits/metrics/rollups?workspaceId=${ws}&variantId={v}&timeStart=${day(60)}&timeEnd=${day(53)}&limit=500`,
    ],
    ['rollups: whole workspace, newest 100', `/api/circuits/metrics/rollups?workspaceId=${ws}`],
    [
      'summary: one variant, 30 days',
      `/api/circuits/metrics/summary?workspaceId=${ws}&variantId={v}&timeStart=${day(90)}&timeEnd=${day(60)}`,
    ],
    ['health (counts the workspace ledger)', `/api/circuits/metrics/health?workspaceId=${ws}`],
  ];
  try {
    for (const [, path] of scenarios) await runFor(1, 8, get(path));
    const result: string[][] = [];
    for (const [name, path] of scenarios) {
      const r = await runFor(options.readSeconds, 8, get(path));
      result.push([fmt(rows), `read, c=8: ${name}`, fmt(r.perSecond), 'req/s', fmt(r.p50, 1), fmt(r.p99, 1), fmt(r.errors)]);
      console.log(`  ${name}: ${fmt(r.perSecond)} req/s, p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms`);
    }
    return result;
  } finally {
    await server.stop();
  }
}

// --- 2. a simulated steady state -----------------------------------------------------------------

interface LedgerStats {
  reltuples: number;
  dead: number;
  modifiedSinceAnalyze: number;
  insertedSinceVacuum: number;
}

async function ledgerStats(db: Database): Promise<LedgerStats> {
  const [row] = await db.query<{ reltuples: number; dead: string; modified: string; inserted: string }>(
    `select c.reltuples::float8 as reltuples, s.n_dead_tup::text as dead, s.n_mod_since_analyze::text as modified,
            s.n_ins_since_vacuum::text as inserted
     from pg_class c join pg_stat_user_tables s on s.relid = c.oid where c.oid = 'metrics_webhook_events'::regclass`,
  );
  return {
    reltuples: Math.max(0, row!.reltuples),
    dead: Number(row!.dead),
    modifiedSinceAnalyze: Number(row!.modified),
    insertedSinceVacuum: Number(row!.inserted),
  };
}

/** Autovacuum's rules for the ledger (its reloptions: vacuum 5 %, analyze 2 %; PostgreSQL's insert rule). */
async function autovacuumAsItWould(db: Database): Promise<{ vacuumMs: number; analyzeMs: number; vacuums: number; analyzes: number }> {
  const stats = await ledgerStats(db);
  const out = { vacuumMs: 0, analyzeMs: 0, vacuums: 0, analyzes: 0 };
  if (stats.dead > 50 + 0.05 * stats.reltuples || stats.insertedSinceVacuum > 1000 + 0.2 * stats.reltuples) {
    const t0 = performance.now();
    await db.query('vacuum metrics_webhook_events');
    out.vacuumMs = performance.now() - t0;
    out.vacuums = 1;
  }
  if (stats.modifiedSinceAnalyze > 50 + 0.02 * stats.reltuples) {
    const t0 = performance.now();
    await db.query('analyze metrics_webhook_events');
    out.analyzeMs = performance.now() - t0;
    out.analyzes = 1;
  }
  return out;
}

async function steadyState(options: Options): Promise<void> {
  const pg = await freshDatabase('metrics_scale_week');
  const rng = createRng('bench-scale-week');
  const perHour = Math.round(options.eventsPerDay / 24);
  const retentionMs = options.retentionDays * 24 * HOUR_MS;
  const simStart = Date.UTC(2026, 0, 1);
  const abTestId = randomUUID();
  const variantIds = Array.from({ length: 10 }, () => randomUUID());
  const rows: string[][] = [];
  try {
    // The ledger starts full: retention-days of events, received (real clock) before the first hour.
    const [clock] = await pg.db.query<{ now: Date }>('select clock_timestamp() as now');
    const realStart = new Date(clock!.now).getTime() - 1000;
    const prefill = options.retentionDays * options.eventsPerDay;
    let t0 = performance.now();
    await fillLedger(pg.db, {
      workspaceId: DEV_WORKSPACE_ID,
      from: 0,
      to: prefill,
      firstReceivedAt: new Date(realStart - retentionMs),
      stepMs: retentionMs / prefill,
      variants: 10,
      abTestId: abTestUuid(1),
    });
    await pg.db.query('vacuum analyze');
    console.log(
      `\n== Steady state: ${fmt(options.eventsPerDay)} events/day (${fmt(perHour)}/hour), ledger retention ${options.retentionDays} days, ${options.days} simulated days, c=${options.concurrency}`,
    );
    console.log(`Prefilled ${fmt(prefill)} ledger rows in ${seconds(performance.now() - t0)} s; ${await ledgerSummary(pg.db)}`);

    // Real instant each simulated hour's ingest began: received_at of its rows is at or after it.
    const hourStarts: number[] = [];
    const realCutoff = (simCutoff: number) =>
      simCutoff <= simStart ? realStart + (simCutoff - simStart) : hourStarts[(simCutoff - simStart) / HOUR_MS]!;
    for (let day = 0; day < options.days; day += 1) {
      const totals = { events: 0, ingestMs: 0, deleted: 0, retentionMs: 0, vacuumMs: 0, analyzeMs: 0, vacuums: 0, analyzes: 0 };
      for (let hour = 0; hour < 24; hour += 1) {
        const h = day * 24 + hour;
        const shape: BatchShape = { abTestId, variantIds, hourStartMs: simStart + h * HOUR_MS };
        const batches: unknown[] = [];
        for (let left = perHour; left > 0; left -= BATCH_SIZE)
          batches.push(normalizedRows(makeSendGridBatch(rng, Math.min(BATCH_SIZE, left), shape)));
        const [started] = await pg.db.query<{ now: Date }>('select clock_timestamp() as now');
        hourStarts[h] = new Date(started!.now).getTime();
        t0 = performance.now();
        const result = await runCount(batches.length, options.concurrency, (i) => callIngest(pg.db, batches[i]));
        if (result.errors > 0) throw new Error(`${result.errors} ingest calls failed in simulated hour ${h}`);
        totals.ingestMs += performance.now() - t0;
        totals.events += perHour;

        // The hourly retention run: batches until one comes back short, as runMetricsRetention does.
        const cutoff = new Date(realCutoff(simStart + (h + 1) * HOUR_MS - retentionMs)).toISOString();
        t0 = performance.now();
        for (;;) {
          const [deleted] = await pg.db.query<{ n: number }>(
            `select metrics_retention_batch('metrics_webhook_events', now() - $1::timestamptz, $2) as n`,
            [cutoff, RETENTION_BATCH_SIZE],
          );
          totals.deleted += Number(deleted!.n);
          if (Number(deleted!.n) < RETENTION_BATCH_SIZE) break;
        }
        totals.retentionMs += performance.now() - t0;
        const maintenance = await autovacuumAsItWould(pg.db);
        totals.vacuumMs += maintenance.vacuumMs;
        totals.analyzeMs += maintenance.analyzeMs;
        totals.vacuums += maintenance.vacuums;
        totals.analyzes += maintenance.analyzes;
      }
      const sizes = await tableSizes(pg.db, 'metrics_webhook_events');
      const [live] = await pg.db.query<{ n: string }>('select count(*)::text as n from metrics_webhook_events');
      const indexBytes = sizes.indexes.reduce((n, i) => n + i.bytes, 0);
      const row = [
        String(day + 1),
        fmt(totals.events),
        fmt((totals.events * 1000) / totals.ingestMs),
        fmt(totals.deleted),
        seconds(totals.retentionMs),
        `${totals.vacuums} / ${seconds(totals.vacuumMs)}`,
        `${totals.analyzes} / ${seconds(totals.analyzeMs)}`,
        fmt(Number(live!.n)),
        mb(sizes.heap),
        mb(indexBytes),
      ];
      rows.push(row);
      console.log(
        `  day ${row[0]}: ${row[2]} events/s, deleted ${row[3]} in ${row[4]} s, vacuums ${row[5]} s, ledger ${row[7]} rows, heap ${row[8]} MB, indexes ${row[9]} MB`,
      );
    }
    console.log('');
    printTable(
      [
        'day',
        'ingested',
        'ingest events/s',
        'deleted',
        'retention s',
        'vacuums / s',
        'analyzes / s',
        'ledger rows',
        'heap MB',
        'indexes MB',
      ],
      rows,
    );
    console.log(`\n${await ledgerSummary(pg.db)}`);
  } finally {
    await pg.drop();
  }
}

async function main(): Promise<void> {
  const options = readOptions();
  ensureBuild();
  console.log(`bench:scale ${JSON.stringify(options)}`);
  if (options.phases.includes('ingest') || options.phases.includes('reads')) await atLedgerSizes(options);
  if (options.phases.includes('week')) await steadyState(options);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
