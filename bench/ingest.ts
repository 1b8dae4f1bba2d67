// npm run bench:ingest — ingestion throughput against `next start` + PostgreSQL (and PGlite),
// with two ceilings measured in the same run: a bare route (framework) and a bare bulk INSERT
// of the same ledger rows (database). Prints a table; not a test.
import { randomUUID } from 'node:crypto';
import { DEV_WORKSPACE_ID } from '../src/lib/db';
import { generateSendGridKeyPair } from '../src/lib/decision-circuits/metrics/providers/signing';
import { normalizeProviderEvents } from '../src/lib/decision-circuits/metrics/metrics-normalize';
import { createRng } from '../src/lib/random/seeded-rng';
import { startServer } from '../tests/helpers/server';
import { combineResults, fmt, printTable, runCount, runFor, type LoadResult } from './lib/load';
import { freshDatabase } from './lib/postgres-scratch';
import { combineCpu, cpuPerUnit, type CpuSplit } from './lib/cpu';
import { makeSendGridBatch, poster, signBatch } from './lib/sendgrid-batches';

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
  console.log(`  slice ${name}: ${fmt(result.perSecond * eventsPerRequest)} /s over ${fmt(result.seconds, 1)} s`);
  return result;
}

const webhookPath = `/api/webhooks/metrics?provider=sendgrid&workspace_id=${DEV_WORKSPACE_ID}`;

async function main(): Promise<void> {
  const results: { name: string; result: LoadResult; unit: 'events/s' | 'req/s'; eventsPerRequest: number }[] = [];
  const cpu: { name: string; split: CpuSplit }[] = [];
  const batches = Array.from({ length: BATCHES }, () => sign(makeBatch(BATCH_SIZE)));
  const singles = Array.from({ length: 20_000 }, () => sign(makeBatch(1)));

  // --- PostgreSQL ---
  const pg = await freshDatabase('metrics_bench_ingest');
  const server = await startServer({
    DATABASE_URL: pg.url,
    SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicKey,
    METRICS_BENCH_ROUTES: 'true',
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
    // Ceiling rows get their own event and object ids: with the webhook's object ids they would be
    // pending events of objects the webhook maps later, which it would then claim and count.
    const normalized = batches.map((b) =>
      normalizeProviderEvents('sendgrid', JSON.parse(b.body), { receivedAt: new Date(), storeRawEmail: false }).events.map((e) => ({
        ...e,
        provider_event_id: `ceiling-${e.provider_event_id}`,
        provider_object_id: `ceiling-${e.provider_object_id}`,
      })),
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
    const batchRounds: LoadResult[] = [];
    const ceilingRounds: LoadResult[] = [];
    const perRound = Math.ceil(BATCHES / BATCH_ROUNDS);
    for (let round = 0; round < BATCH_ROUNDS; round += 1) {
      const first = round * perRound;
      const count = Math.max(0, Math.min(perRound, BATCHES - first));
      const webhookSide = async () =>
        batchRounds.push(slice('webhook batches', await runCount(count, CONCURRENCY, (i) => postWebhook(batches[first + i]!)), BATCH_SIZE));
      const ceilingSide = async () =>
        ceilingRounds.push(
          slice('bulk INSERT', await runCount(count, CONCURRENCY, (i) => insertCeiling(normalized[first + i]!)), BATCH_SIZE),
        );
      for (const side of round % 2 === 0 ? [webhookSide, ceilingSide] : [ceilingSide, webhookSide]) await side();
    }
    results.push({
      name: `webhook: SendGrid batches of ${BATCH_SIZE}, c=${CONCURRENCY} (PostgreSQL)`,
      result: combineResults(batchRounds),
      unit: 'events/s',
      eventsPerRequest: BATCH_SIZE,
    });
    results.push({
      name: `ceiling: bare bulk INSERT of ${BATCH_SIZE} ledger rows, c=${CONCURRENCY}`,
      result: combineResults(ceilingRounds),
      unit: 'events/s',
      eventsPerRequest: BATCH_SIZE,
    });

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
  const batchPg = results[0]!.result.perSecond * BATCH_SIZE;
  const ceilingDb = results[1]!.result.perSecond * BATCH_SIZE;
  const single = results[2]!.result;
  const bare = results[3]!.result;
  console.log('\nAgainst the targets:');
  console.log(
    `  batches (PostgreSQL): ${fmt(batchPg)} events/s — target ≥ 10,000 and ≥ 50 % of the database ceiling (${fmt((100 * batchPg) / ceilingDb)} %)`,
  );
  console.log(
    `  single events: ${fmt(single.perSecond)} req/s = ${fmt((100 * single.perSecond) / bare.perSecond)} % of the bare route — target ≥ 70 %; p99 ${fmt(single.p99, 1)} ms — target < 50 ms`,
  );
  console.log(`  batches (PGlite): ${fmt(rate('webhook: SendGrid batches of 500, c=4 (PGlite)'))} events/s — target ≥ 2,000`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
