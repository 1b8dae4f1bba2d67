// npm run bench:ingest — ingestion throughput against `next start` + PostgreSQL (and PGlite),
// with baselines measured in the same run: the database-only path (the same batches, normalised
// here, sent straight to metrics_ingest_events), a bare bulk INSERT of the same ledger rows and
// a bare route (framework). Prints a table; not a test.
import { randomUUID } from 'node:crypto';
import { DEV_WORKSPACE_ID } from '../src/lib/db';
import { generateSendGridKeyPair } from '../tooling/signing';
import { createRng } from '../src/lib/random/seeded-rng';
import { startServer } from '../tests/helpers/server';
import { combineResults, fmt, printTable, runCount, runFor, type LoadResult } from './lib/load';
import { BENCH_APPLICATION_NAME, BENCH_DIRECT_APPLICATION_NAME, freshDatabase, openDirectPool } from './lib/postgres-scratch';
import { combineCpu, cpuPerUnit, type CpuSplit } from './lib/cpu';
import { makeSendGridBatch, normalizedRows, poster, signBatch } from './lib/sendgrid-batches';
import { ensureBuild, parseCommandLine, usageError } from './lib/cli';
import { runHotRowCase } from './lib/hot-row-run';

const USAGE = `Usage: npm run bench:ingest [-- --case batches|hot]

Ingestion throughput: signed SendGrid batches and single events over HTTP (next start on a fresh
PostgreSQL database, and on PGlite), against the database-only path, a bare bulk INSERT and a bare
route measured in the same run; then the hot-row case: single-event deliveries, each its own
transaction, to one variant-hour vs spread over 100 variants vs a bare one-row ledger insert, at
1, 4, 16 and 64 senders, at the database (pgbench) and over HTTP (several next start processes on
one PostgreSQL database). Prints tables; builds the app first when the build is stale.

Environment:
  BENCH_DATABASE_URL          PostgreSQL server to create the scratch database on (else TEST_DATABASE_URL, else local 5432)
  BENCH_BATCH_SIZE            events per batch (500)
  BENCH_BATCHES               batches per HTTP slice (120)
  BENCH_PGLITE_BATCHES        batches on PGlite (16)
  BENCH_SINGLE_SECONDS        seconds per single-event slice (10)
  BENCH_SINGLE_CONCURRENCY    senders for single events (8)
  BENCH_SINGLE_ROUNDS         interleaved single-event rounds (2)
  BENCH_HOT_SENDERS           hot-row sender counts (1,4,16,64)
  BENCH_HOT_DB_SECONDS        seconds per hot-row pgbench slice (4)
  BENCH_HOT_HTTP_SECONDS      seconds per hot-row HTTP slice (3)
  BENCH_HOT_SERVERS           next start processes for the hot-row case (4)
  BENCH_HOT_POOL              DATABASE_POOL_MAX of each of them (12)
  BENCH_PGBENCH               pgbench binary (/usr/lib/postgresql/15/bin/pgbench)

  --case batches|hot   run only that part (default: both)
  -h, --help           this text`;
const { values: cli } = parseCommandLine(USAGE, { case: { type: 'string' } });
if (cli.case !== undefined && cli.case !== 'batches' && cli.case !== 'hot')
  usageError(USAGE, `--case must be batches or hot, not ${cli.case}`);
const HOT_SENDERS = (process.env.BENCH_HOT_SENDERS ?? '1,4,16,64').split(',').map(Number);
if (HOT_SENDERS.some((n) => !Number.isInteger(n) || n < 1))
  usageError(USAGE, 'BENCH_HOT_SENDERS must be positive integers, comma-separated');

const BATCH_SIZE = Number(process.env.BENCH_BATCH_SIZE ?? 500);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 120);
const PGLITE_BATCHES = Number(process.env.BENCH_PGLITE_BATCHES ?? 16);
const CONCURRENCY = 4;
const SINGLE_SECONDS = Number(process.env.BENCH_SINGLE_SECONDS ?? 10);
const SINGLE_CONCURRENCY = Number(process.env.BENCH_SINGLE_CONCURRENCY ?? 8);
/** Interleaved rounds per comparison; the order alternates (A B B A …), which cancels steady drift. */
const BATCH_ROUNDS = 2; // 60 batches per slice at c=4 keeps the ramp-down tail of each slice small
const SINGLE_ROUNDS = Number(process.env.BENCH_SINGLE_ROUNDS ?? 2);

const rng = createRng('bench-ingest');
const keys = generateSendGridKeyPair();
const AB_TEST = randomUUID();
const VARIANTS = [randomUUID(), randomUUID()];

const shape = { abTestId: AB_TEST, variantIds: VARIANTS, hourStartMs: Date.UTC(2025, 5, 1, 9) };
const makeBatch = (size: number) => makeSendGridBatch(rng, size, shape);
const sign = (events: Record<string, unknown>[]) => signBatch(keys.privateKey, events);

/** Each interleaved slice's rate, printed as it finishes (the drift it cancels is visible). */
function slice(name: string, result: LoadResult, eventsPerRequest: number): LoadResult {
  const failed = Object.entries(result.statuses).filter(([status]) => Number(status) < 200 || Number(status) >= 300);
  const failures =
    failed.length > 0 ? ` (non-2xx: ${failed.map(([status, n]) => `${n} × ${status === '0' ? 'no answer' : status}`).join(', ')})` : '';
  console.log(`  slice ${name}: ${fmt(result.perSecond * eventsPerRequest)} /s over ${fmt(result.seconds, 1)} s${failures}`);
  return result;
}

const webhookPath = `/api/webhooks/metrics?provider=sendgrid&workspace_id=${DEV_WORKSPACE_ID}`;

async function main(): Promise<void> {
  ensureBuild();
  if (cli.case !== 'hot') await batchesAndSingles();
  if (cli.case !== 'batches') {
    await runHotRowCase(rng, keys, {
      senders: HOT_SENDERS,
      dbSeconds: Number(process.env.BENCH_HOT_DB_SECONDS ?? 4),
      httpSeconds: Number(process.env.BENCH_HOT_HTTP_SECONDS ?? 3),
      servers: Number(process.env.BENCH_HOT_SERVERS ?? 4),
      poolPerServer: Number(process.env.BENCH_HOT_POOL ?? 12),
    });
  }
}

async function batchesAndSingles(): Promise<void> {
  const results: { name: string; result: LoadResult; unit: 'events/s' | 'req/s'; eventsPerRequest: number }[] = [];
  const cpu: { name: string; split: CpuSplit }[] = [];
  const batchCpuRows: { name: string; split: CpuSplit }[] = [];
  const batchEvents = Array.from({ length: BATCHES }, () => makeBatch(BATCH_SIZE));
  const batches = batchEvents.map(sign);
  const singles = Array.from({ length: 20_000 }, () => sign(makeBatch(1)));

  // --- PostgreSQL ---
  const pg = await freshDatabase('metrics_bench_ingest');
  const server = await startServer({
    DATABASE_URL: pg.url,
    SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicKey,

    DATABASE_POOL_MAX: '8',
  });
  try {
    const postWebhook = poster(server, webhookPath);
    const postBare = poster(server, '/api/bench/bare');
    // Warm-up (JIT, connection pool, plan cache) on throwaway data, then fresh planner statistics:
    // a table that grew from empty in seconds still has "empty table" stats until autovacuum
    // analyzes it, which production tables (analyzed at 2 % growth, see the migration) do not.
    await runCount(4, 2, () => postWebhook(sign(makeBatch(BATCH_SIZE))));
    await runFor(1, SINGLE_CONCURRENCY, (i) => postBare(singles[i % singles.length]!));
    await pg.db.query('analyze');

    // Each comparison runs interleaved, in rounds that alternate which side goes first, so both
    // sides see the same machine: on this shared VM speed drifts by tens of percent within a
    // minute, which made a ratio of two back-to-back phases swing by as much as the gap measured.
    // Rows of the other paths get their own event and object ids (a prefix): with the webhook's
    // they would be duplicates, or pending events of objects the webhook maps later, which it
    // would then claim and count.
    const renamed = (prefix: string) =>
      batchEvents.map((events) =>
        normalizedRows(events).map((row) => ({
          ...row,
          provider_event_id: `${prefix}-${String(row.provider_event_id)}`,
          provider_object_id: `${prefix}-${String(row.provider_object_id)}`,
        })),
      );
    const ceilingRows = renamed('ceiling');
    const directRows = renamed('direct');
    // Database-only path: what the route hands to metrics_ingest_events, sent from here on a pool
    // of its own (its sessions are named, so their CPU is told apart from the server's).
    const direct = openDirectPool(pg.url, CONCURRENCY);
    const callDirect = async (rows: unknown): Promise<number> => {
      await direct.query('select count(*) from metrics_ingest_events($1, $2, $3::jsonb, true)', [DEV_WORKSPACE_ID, 'sendgrid', rows]);
      return 202;
    };
    await runCount(2, 2, () =>
      callDirect(normalizedRows(makeBatch(BATCH_SIZE)).map((row) => ({ ...row, provider_event_id: randomUUID() }))),
    );
    // Database ceiling: the same ledger rows, one bare bulk INSERT per batch, same concurrency.
    const insertCeiling = async (rows: unknown): Promise<number> => {
      await pg.db.query(
        `insert into metrics_webhook_events (workspace_id, provider, provider_event_id, event_type, provider_event_type, provider_object_id, channel, occurred_at, quantity, recipient_hash, raw_payload)
         select $1, 'sendgrid', x.provider_event_id, x.event_type, x.provider_event_type, x.provider_object_id, x.channel, x.occurred_at, x.quantity, x.recipient_hash, x.raw_payload
         from jsonb_to_recordset($2::jsonb) as x(provider_event_id text, event_type text, provider_event_type text, provider_object_id text, channel text, occurred_at timestamptz, quantity int, recipient_hash text, raw_payload jsonb)`,
        [DEV_WORKSPACE_ID, rows],
      );
      return 202;
    };
    type Side = 'webhook' | 'direct' | 'ceiling';
    const batchSlices: Record<Side, LoadResult[]> = { webhook: [], direct: [], ceiling: [] };
    const batchCpu: Record<Side, { split: CpuSplit; units: number }[]> = { webhook: [], direct: [], ceiling: [] };
    const perRound = Math.ceil(BATCHES / BATCH_ROUNDS);
    for (let round = 0; round < BATCH_ROUNDS; round += 1) {
      const first = round * perRound;
      const count = Math.max(0, Math.min(perRound, BATCHES - first));
      const sides: Side[] = round % 2 === 0 ? ['webhook', 'direct', 'ceiling'] : ['ceiling', 'direct', 'webhook'];
      for (const side of sides) {
        const send = {
          webhook: (i: number) => postWebhook(batches[first + i]!),
          direct: (i: number) => callDirect(directRows[first + i]!),
          ceiling: (i: number) => insertCeiling(ceilingRows[first + i]!),
        }[side];
        let result: LoadResult | undefined;
        // Per event: the server's CPU for the webhook, this process's for the other two, and the
        // database sessions doing each side's work.
        const split = await cpuPerUnit(
          side === 'webhook' ? server.process.pid : process.pid,
          pg.db,
          async () => {
            result = await runCount(count, CONCURRENCY, send);
            return result.requests * BATCH_SIZE;
          },
          side === 'webhook' ? undefined : side === 'direct' ? BENCH_DIRECT_APPLICATION_NAME : BENCH_APPLICATION_NAME,
        );
        batchSlices[side].push(slice(side, result!, BATCH_SIZE));
        batchCpu[side].push({ split, units: result!.requests * BATCH_SIZE });
      }
    }
    const batchNames: Record<Side, string> = {
      webhook: `webhook: SendGrid batches of ${BATCH_SIZE}, c=${CONCURRENCY} (PostgreSQL)`,
      direct: `database only: metrics_ingest_events, same batches, c=${CONCURRENCY}`,
      ceiling: `ceiling: bare bulk INSERT of ${BATCH_SIZE} ledger rows, c=${CONCURRENCY}`,
    };
    for (const side of ['webhook', 'direct', 'ceiling'] as const) {
      results.push({ name: batchNames[side], result: combineResults(batchSlices[side]), unit: 'events/s', eventsPerRequest: BATCH_SIZE });
      batchCpuRows.push({ name: batchNames[side], split: combineCpu(batchCpu[side]) });
    }
    await direct.close();

    await pg.db.query('analyze');
    // CPU per request of each side as well: all three share this machine's cores. Single events
    // never repeat across slices (each would otherwise count as a duplicate delivery).
    let nextSingle = 0;
    const slices = { webhook: [] as LoadResult[], bare: [] as LoadResult[] };
    const cpuSlices = { webhook: [] as { split: CpuSplit; units: number }[], bare: [] as { split: CpuSplit; units: number }[] };
    const measureSlice = async (side: 'webhook' | 'bare') => {
      const post = side === 'webhook' ? postWebhook : postBare;
      let result: LoadResult | undefined;
      const split = await cpuPerUnit(server.process.pid, pg.db, async () => {
        result = await runFor(SINGLE_SECONDS / SINGLE_ROUNDS, SINGLE_CONCURRENCY, () => post(singles[nextSingle++ % singles.length]!));
        return result.requests;
      });
      slices[side].push(slice(side, result!, 1));
      cpuSlices[side].push({ split, units: result!.requests });
    };
    // Warm-up of the single-event path itself (its own JIT shapes, the group-commit path).
    await runFor(3, SINGLE_CONCURRENCY, () => postWebhook(singles[nextSingle++ % singles.length]!));
    for (let round = 0; round < SINGLE_ROUNDS; round += 1) {
      for (const side of round % 2 === 0 ? (['webhook', 'bare'] as const) : (['bare', 'webhook'] as const)) await measureSlice(side);
    }
    const singleName = `webhook: single-event posts, c=${SINGLE_CONCURRENCY} (PostgreSQL)`;
    const bareName = `ceiling: bare route (reads body, 202), c=${SINGLE_CONCURRENCY}`;
    results.push({ name: singleName, result: combineResults(slices.webhook), unit: 'req/s', eventsPerRequest: 1 });
    results.push({ name: bareName, result: combineResults(slices.bare), unit: 'req/s', eventsPerRequest: 1 });
    cpu.push({ name: singleName, split: combineCpu(cpuSlices.webhook) }, { name: bareName, split: combineCpu(cpuSlices.bare) });

    // A failed answer is the server's to explain: its log lines of those requests, a few of them.
    const failedLines = server
      .logs()
      .split('\n')
      .filter((line) => /"status":(?!2\d\d)\d{3}/.test(line));
    if (failedLines.length > 0 || server.process.exitCode !== null) {
      console.log(`\nServer: ${failedLines.length} non-2xx log lines; exit code ${server.process.exitCode ?? 'none (running)'}`);
      for (const line of failedLines.slice(0, 3)) console.log(`  ${line.slice(0, 400)}`);
    }
    const [check] = await pg.db.query<{ n: number; sum: number }>(
      `select count(*)::int as n, (select coalesce(sum(email_sent + email_delivered + email_opened + email_clicked), 0)::int from metrics_rollups) as sum
       from metrics_webhook_events where provider_event_id not like 'ceiling-%'`,
    );
    if (check!.n === check!.sum) {
      console.log(`\nCheck: ${fmt(check!.n)} ledger rows; rollup counters sum to ${fmt(check!.sum)} (every event counted once).`);
    } else {
      console.error(`\nCHECK FAILED: ${fmt(check!.n)} ledger rows but rollup counters sum to ${fmt(check!.sum)}.`);
      process.exitCode = 1;
    }
  } finally {
    await server.stop();
    await pg.drop();
  }

  // --- PGlite (embedded) ---
  const embedded = await startServer({ SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicKey });
  try {
    const postWebhook = poster(embedded, webhookPath);
    await runCount(2, 2, () => postWebhook(sign(makeBatch(BATCH_SIZE))));
    results.push({
      name: `webhook: SendGrid batches of ${BATCH_SIZE}, c=${CONCURRENCY} (PGlite)`,
      result: await runCount(PGLITE_BATCHES, CONCURRENCY, (i) => postWebhook(batches[i]!)),
      unit: 'events/s',
      eventsPerRequest: BATCH_SIZE,
    });
  } finally {
    await embedded.stop();
  }

  console.log('');
  printTable(
    ['scenario', 'rate', 'unit', 'p50 ms', 'p99 ms', 'requests', 'non-2xx'],
    results.map(({ name, result, unit, eventsPerRequest }) => [
      name,
      fmt(result.perSecond * eventsPerRequest),
      unit,
      fmt(result.p50, 1),
      fmt(result.p99, 1),
      fmt(result.requests),
      fmt(result.errors),
    ]),
  );
  console.log('\nCPU per event in batches (µs), same run: the server (webhook) or this process (the others), and PostgreSQL:');
  printTable(
    ['scenario', 'server / client', 'PostgreSQL', 'total'],
    batchCpuRows.map(({ name, split }) => {
      const caller = name.startsWith('webhook') ? split.server : split.client;
      return [name, fmt(caller * 1000, 1), fmt(split.database * 1000, 1), fmt((caller + split.database) * 1000, 1)];
    }),
  );
  console.log('\nCPU per request (ms), load generator / server / PostgreSQL, same run:');
  printTable(
    ['scenario', 'client', 'server', 'PostgreSQL', 'total'],
    cpu.map(({ name, split }) => [
      name,
      fmt(split.client, 2),
      fmt(split.server, 2),
      fmt(split.database, 2),
      fmt(split.client + split.server + split.database, 2),
    ]),
  );
  const rate = (prefix: string) => {
    const found = results.find((r) => r.name.startsWith(prefix));
    return found ? found.result.perSecond * found.eventsPerRequest : NaN;
  };
  const batchPg = rate('webhook: SendGrid batches');
  const directDb = rate('database only');
  const ceilingDb = rate('ceiling: bare bulk INSERT');
  const serverUsPerEvent = batchCpuRows[0]!.split.server * 1000;
  const singleCpu = cpu[0]!.split.server;
  const bareCpu = cpu[1]!.split.server;
  const pglite = rate('webhook: SendGrid batches of 500, c=4 (PGlite)');
  console.log('\nAgainst the targets:');
  console.log(
    `  batches (PostgreSQL): ${fmt(batchPg)} events/s = ${fmt((100 * batchPg) / directDb)} % of the database-only path (${fmt(directDb)}) — target ≥ 75 %` +
      ` (${fmt((100 * batchPg) / ceilingDb)} % of the bare bulk INSERT)`,
  );
  console.log(`  server CPU per event, batches of ${BATCH_SIZE}: ${fmt(serverUsPerEvent, 1)} µs — target ≤ 20 µs`);
  console.log(
    `  single events: server CPU ${fmt(singleCpu, 2)} ms per request = ${fmt(singleCpu / bareCpu, 2)} × the bare route's (${fmt(bareCpu, 2)}) — target ≤ 1.3 ×`,
  );
  console.log(`  batches (PGlite): ${fmt(pglite)} events/s — target ≥ 8,000`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
