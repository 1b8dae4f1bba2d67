// npm run bench:soak — a bounded soak run against `next start` + PostgreSQL (a private
// PostgreSQL 15 cluster with stock settings when the server binaries are installed, else a
// scratch database on BENCH_DATABASE_URL): measures the webhook's capacity (closed loop), then
// offers a steady open-loop load at a fraction of it (default: half, for 5 minutes) and prints,
// per interval, the server's RSS and the latency percentiles, so a leak or a slow build-up shows
// as a trend. Ends with an exactly-once check. Not a test: it prints figures.
//
//   npm run bench:soak                                  5 minutes at 50 % of capacity
//   npm run bench:soak -- --duration 90s --load 0.3     or SOAK_DURATION=90s SOAK_LOAD=0.3
//   options: --duration (s|m), --load (0..1], --interval (s), --batch (events per request)
import { readFileSync } from 'node:fs';
import { DEV_WORKSPACE_ID } from '../src/lib/db';
import { generateSendGridKeyPair, signSendGridEcdsa } from '../tooling/signing';
import { createRng } from '../src/lib/random/seeded-rng';
import { newSendGridMessage, sendGridBatchBody, sendGridEvent, type SendGridEventKind } from '../tooling/simulator/provider-payloads';
import { privatePostgresUnavailableReason, startPrivatePostgres } from '../tests/helpers/private-postgres';
import { startServer } from '../tests/helpers/server';
import { fmt, printTable, runFor } from './lib/load';
import { freshDatabase } from './lib/postgres-scratch';
import { ensureBuild, parseCommandLine, usageError } from './lib/cli';

const SOAK_USAGE = `Usage: npm run bench:soak [-- options]

A bounded soak run against next start + PostgreSQL: measures the webhook's capacity, then offers
a steady open-loop load at a fraction of it and prints RSS and latency percentiles per interval,
ending with an exactly-once check. Builds the app first when stale.

  --duration <s|m>   how long the steady load runs (300s; or SOAK_DURATION)
  --load <0..1>      share of the measured capacity offered (0.5; or SOAK_LOAD)
  --interval <s>     report interval (15s, 5s for runs under 2 minutes; or SOAK_INTERVAL)
  --batch <n>        SendGrid events per request (50; or SOAK_BATCH_SIZE)
  -h, --help         this text`;
const { values: flags } = parseCommandLine(SOAK_USAGE, {
  duration: { type: 'string' },
  load: { type: 'string' },
  interval: { type: 'string' },
  batch: { type: 'string' },
});

/** "300", "300s", "5m" → seconds. */
function seconds(value: string | undefined, fallback: number): number {
  if (!value) return fallback;
  const match = /^(\d+(?:\.\d+)?)\s*(s|m|min)?$/.exec(value.trim());
  if (!match) usageError(SOAK_USAGE, `Not a duration: ${value} (use e.g. 300, 90s or 5m)`);
  return Number(match[1]) * (match[2]?.startsWith('m') ? 60 : 1);
}

const DURATION_S = seconds(flags.duration ?? process.env.SOAK_DURATION, 300);
const LOAD = Number(flags.load ?? process.env.SOAK_LOAD ?? 0.5);
const INTERVAL_S = seconds(flags.interval ?? process.env.SOAK_INTERVAL, DURATION_S >= 120 ? 15 : 5);
const BATCH = Number(flags.batch ?? process.env.SOAK_BATCH_SIZE ?? 50);
const CAPACITY_S = seconds(process.env.SOAK_CAPACITY_SECONDS, 15);
const POOL_MAX = process.env.SOAK_POOL_MAX ?? '8';
/** Open-loop sender bound: past this many outstanding requests a send is skipped (and counted). */
const MAX_OUTSTANDING = 128;
/** Share of requests that redeliver an earlier batch, as providers do. */
const REDELIVERY_SHARE = 0.05;

if (!(LOAD > 0 && LOAD <= 1)) usageError(SOAK_USAGE, '--load must be in (0, 1]');
if (!(DURATION_S > 0 && DURATION_S <= 24 * 3600)) usageError(SOAK_USAGE, '--duration must be in (0, 24h]');

const keys = generateSendGridKeyPair();
const rng = createRng('bench-soak');
const AB_TEST = rng.uuid();
const VARIANTS = [rng.uuid(), rng.uuid()];
const KINDS: SendGridEventKind[] = ['processed', 'delivered', 'open', 'open', 'click', 'deferred'];
let messageCount = 0;

interface Batch {
  id: number;
  body: string;
  headers: Record<string, string>;
  events: number;
}
let batchCount = 0;

function makeBatch(): Batch {
  const events: Record<string, unknown>[] = [];
  const t = Date.UTC(2025, 5, 4, 9) + rng.int(0, 6 * 3_600_000);
  while (events.length < BATCH) {
    const variant = rng.pick(VARIANTS);
    const message = newSendGridMessage(rng, `soak${messageCount++}@example.com`, {
      circuit_execution_id: 'exec-soak',
      ab_test_id: AB_TEST,
      variant_id: variant,
    });
    for (const kind of KINDS) if (events.length < BATCH) events.push(sendGridEvent(rng, message, kind, t + rng.int(0, 600_000)));
  }
  const body = sendGridBatchBody(events);
  return {
    id: batchCount++,
    body,
    headers: { 'content-type': 'application/json', ...signSendGridEcdsa({ privateKey: keys.privateKey, body }) },
    events: events.length,
  };
}

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * A private PostgreSQL 15 cluster with stock settings (autovacuum on, fsync on), so the run
 * measures this app and not a shared server's load or settings; SOAK_DATABASE_URL (or a missing
 * initdb) uses a scratch database on that server instead.
 */
async function soakDatabase(): Promise<Awaited<ReturnType<typeof freshDatabase>>> {
  const unavailable = privatePostgresUnavailableReason();
  if (process.env.SOAK_DATABASE_URL || unavailable) {
    if (process.env.SOAK_DATABASE_URL) process.env.BENCH_DATABASE_URL = process.env.SOAK_DATABASE_URL;
    else console.log(`Private PostgreSQL unavailable (${unavailable}): using a scratch database on the shared server.`);
    const scratch = await freshDatabase('metrics_bench_soak');
    const [setting] = await scratch.db.query<{ autovacuum: string }>('select current_setting($1) as autovacuum', ['autovacuum']);
    if (setting?.autovacuum !== 'on') {
      console.log(
        'Warning: autovacuum is off on that server, so planner statistics go stale as the ledger grows and latency climbs for that reason.',
      );
    }
    return scratch;
  }
  const cluster = await startPrivatePostgres({ durable: true, maxConnections: 40 });
  try {
    const { url, db } = await cluster.createDatabase('metrics_bench_soak');
    console.log(`Private PostgreSQL 15 on 127.0.0.1:${cluster.port} (stock settings, autovacuum on).`);
    return {
      url,
      db,
      async drop() {
        await db.close();
        await cluster.destroy();
      },
    };
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
}

async function main(): Promise<void> {
  ensureBuild();
  console.log(
    `Soak: ${DURATION_S} s at ${Math.round(LOAD * 100)} % of measured capacity, SendGrid batches of ${BATCH}, report every ${INTERVAL_S} s, DATABASE_POOL_MAX=${POOL_MAX}.`,
  );
  const pg = await soakDatabase();
  const server = await startServer({ DATABASE_URL: pg.url, SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicKey, DATABASE_POOL_MAX: POOL_MAX });
  const url = `${server.url}/api/webhooks/metrics?provider=sendgrid&workspace_id=${DEV_WORKSPACE_ID}`;
  const post = async (batch: Batch): Promise<number> => {
    const response = await fetch(url, { method: 'POST', headers: batch.headers, body: batch.body, signal: AbortSignal.timeout(30_000) });
    await response.arrayBuffer();
    return response.status;
  };
  // Ids of batches answered 2xx at least once (a redelivery may be the one that got through).
  const acked = new Set<number>();
  let eventsAcked = 0;
  const ack = (batch: Batch) => {
    if (acked.has(batch.id)) return;
    acked.add(batch.id);
    eventsAcked += batch.events;
  };
  let clientErrors = 0;
  try {
    // 1. Capacity: closed loop, 8 senders, fresh batches; warm-up first.
    for (let i = 0; i < 8; i += 1) {
      const batch = makeBatch();
      if ((await post(batch)) === 202) ack(batch);
    }
    const capacity = await runFor(CAPACITY_S, 8, async () => {
      const batch = makeBatch();
      const status = await post(batch);
      if (status === 202) ack(batch);
      return status;
    });
    const targetRps = capacity.perSecond * LOAD;
    console.log(
      `Capacity (closed loop, c=8): ${fmt(capacity.perSecond, 1)} req/s = ${fmt(capacity.perSecond * BATCH)} events/s, p99 ${fmt(capacity.p99, 1)} ms, statuses ${JSON.stringify(capacity.statuses)}.`,
    );
    console.log(`Soak target: ${fmt(targetRps, 1)} req/s (${fmt(targetRps * BATCH)} events/s), open loop.\n`);

    // 2. Soak: requests on a fixed schedule, whatever the answers; bounded outstanding.
    const windows: { rss: number; p99: number }[] = [];
    const recent: Batch[] = [];
    let outstanding = 0;
    let skipped = 0;
    let window = { latencies: [] as number[], statuses: {} as Record<number, number> };
    const totals: Record<number, number> = {};
    const started = performance.now();
    const endAt = started + DURATION_S * 1000;
    let nextReport = started + INTERVAL_S * 1000;
    let sent = 0;
    const inFlight = new Set<Promise<void>>();

    const report = (now: number) => {
      const sorted = [...window.latencies].sort((a, b) => a - b);
      const rss = rssMb(server.process.pid);
      const p99 = percentile(sorted, 99);
      windows.push({ rss, p99 });
      const non2xx = Object.entries(window.statuses)
        .filter(([s]) => !s.startsWith('2'))
        .reduce((n, [, c]) => n + c, 0);
      const row = [
        fmt((now - started) / 1000, 0),
        fmt(sorted.length / INTERVAL_S, 1),
        fmt(percentile(sorted, 50), 1),
        fmt(p99, 1),
        fmt(sorted.at(-1) ?? NaN, 1),
        fmt(non2xx),
        fmt(outstanding),
        fmt(rss, 0),
      ];
      console.log(
        `  t=${row[0]!.padStart(4)} s  ${row[1]!.padStart(6)} req/s  p50 ${row[2]!.padStart(7)} ms  p99 ${row[3]!.padStart(7)} ms  max ${row[4]!.padStart(7)} ms  non-2xx ${row[5]!.padStart(4)}  outstanding ${row[6]!.padStart(3)}  server RSS ${row[7]!.padStart(5)} MB`,
      );
      window = { latencies: [], statuses: {} };
    };

    while (performance.now() < endAt) {
      const now = performance.now();
      const due = Math.floor(((now - started) / 1000) * targetRps);
      while (sent < due) {
        sent += 1;
        if (outstanding >= MAX_OUTSTANDING) {
          skipped += 1;
          continue;
        }
        const redelivery = recent.length > 0 && rng.chance(REDELIVERY_SHARE);
        const batch = redelivery ? rng.pick(recent) : makeBatch();
        if (!redelivery) {
          recent.push(batch);
          if (recent.length > 50) recent.shift();
        }
        outstanding += 1;
        const t0 = performance.now();
        const task = post(batch)
          .catch(() => {
            clientErrors += 1;
            return 0;
          })
          .then((status) => {
            window.latencies.push(performance.now() - t0);
            window.statuses[status] = (window.statuses[status] ?? 0) + 1;
            totals[status] = (totals[status] ?? 0) + 1;
            if (status === 202) ack(batch);
          })
          .finally(() => {
            outstanding -= 1;
            inFlight.delete(task);
          });
        inFlight.add(task);
      }
      if (now >= nextReport) {
        report(now);
        nextReport += INTERVAL_S * 1000;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await Promise.all(inFlight);
    if (window.latencies.length > 0) report(performance.now());

    // 3. Verdict and exactly-once check.
    const [check] = await pg.db.query<{ n: number }>(`select count(*)::int as n from metrics_webhook_events where workspace_id = $1`, [
      DEV_WORKSPACE_ID,
    ]);
    const settled = windows.slice(Math.min(2, Math.max(0, windows.length - 2)));
    const firstRss = settled[0]?.rss ?? NaN;
    const lastRss = settled.at(-1)?.rss ?? NaN;
    const maxRss = Math.max(...windows.map((w) => w.rss));
    console.log('');
    printTable(
      ['figure', 'value'],
      [
        ['duration', `${fmt(DURATION_S)} s at ${fmt(targetRps, 1)} req/s (${Math.round(LOAD * 100)} % of ${fmt(capacity.perSecond, 1)})`],
        ['requests answered', `${fmt(Object.values(totals).reduce((a, b) => a + b, 0))} ${JSON.stringify(totals)}`],
        ['sends skipped (sender bound)', fmt(skipped)],
        [
          'server RSS after warm-up → end (max)',
          `${fmt(firstRss, 0)} → ${fmt(lastRss, 0)} MB (${fmt(maxRss, 0)} MB), drift ${fmt(lastRss - firstRss, 0)} MB`,
        ],
        [
          'p99 per interval: first → last (worst)',
          `${fmt(windows[0]?.p99 ?? NaN, 1)} → ${fmt(windows.at(-1)?.p99 ?? NaN, 1)} ms (${fmt(Math.max(...windows.map((w) => w.p99).filter(Number.isFinite)), 1)} ms)`,
        ],
        [
          'ledger rows vs distinct events acknowledged',
          `${fmt(check!.n)} vs ${fmt(eventsAcked)} ${check!.n === eventsAcked ? '(exactly once)' : clientErrors > 0 && check!.n > eventsAcked ? `(+${check!.n - eventsAcked}: committed, answer lost to ${clientErrors} client errors)` : '(MISMATCH)'}`,
        ],
      ],
    );
    if (check!.n < eventsAcked || (clientErrors === 0 && check!.n !== eventsAcked)) process.exitCode = 1;
  } finally {
    await server.stop();
    await pg.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
