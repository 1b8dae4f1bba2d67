// Faults, reproduced on this machine against the real server (`next start`) and a PRIVATE
// PostgreSQL 15 cluster on loopback (the shared one on 5432 is never stopped):
//   1. the database crashes (pg_ctl stop -m immediate) mid-load and comes back;
//   2. the app is killed with SIGKILL mid-batch and a new one starts on the same database;
//   3. the connection pool is exhausted: 503 + Retry-After at once, no queue in memory.
// The sender behaves like a provider: every non-2xx and every connection error is retried, with
// a short backoff, until a bounded deadline. Final counts are read from the database itself.
//
//   NEXT_DIST_DIR=.next-rel npx vitest run tests/reliability/faults.test.ts
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_WORKSPACE_ID, type Database } from '../../src/lib/db';
import { ROLLUP_COUNTERS, UNIQUE_COUNTER_OF, type RollupCounter } from '../../src/lib/decision-circuits/metrics/metrics-types';
import { generateSendGridKeyPair, signSendGridEcdsa } from '../../tooling/signing';
import {
  SENDGRID_COUNTER,
  newSendGridMessage,
  sendGridBatchBody,
  sendGridEvent,
  type SendGridEventKind,
} from '../../tooling/simulator/provider-payloads';
import { createRng, hourBucket, type Rng } from '../../src/lib/random/seeded-rng';
import { privatePostgresUnavailableReason, startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres';
import { startServer, type TestServer } from '../helpers/server';

const SKIP_REASON = privatePostgresUnavailableReason();
const keys = generateSendGridKeyPair();
const WEBHOOK_PATH = `/api/webhooks/metrics?provider=sendgrid&workspace_id=${DEV_WORKSPACE_ID}`;

// ---------- a campaign with a known answer ----------

interface Delivery {
  body: string;
  headers: Record<string, string>;
  eventIds: string[];
}

interface Campaign {
  abTestId: string;
  deliveries: Delivery[];
  eventIds: Set<string>;
  /** `${variant}|${hour}` → counters the rollups must hold. */
  expected: Map<string, Record<RollupCounter, number>>;
}

const emptyCounters = () => Object.fromEntries(ROLLUP_COUNTERS.map((c) => [c, 0])) as Record<RollupCounter, number>;

/** SendGrid traffic for `messages` self-attributed messages over three hours, shuffled into batches. */
const HUMAN_UNIQUE_OF: Partial<Record<RollupCounter, RollupCounter>> = {
  email_opened: 'email_unique_human_opened',
  email_clicked: 'email_unique_human_clicked',
};

function sendGridCampaign(rng: Rng, messages: number, batchSize: number): Campaign {
  const abTestId = rng.uuid();
  const variants = [rng.uuid(), rng.uuid()];
  const startMs = Date.UTC(2025, 5, 2, 8);
  const events: Record<string, unknown>[] = [];
  const expected = new Map<string, Record<RollupCounter, number>>();
  for (let m = 0; m < messages; m += 1) {
    const variant = variants[m % variants.length]!;
    const message = newSendGridMessage(rng, `r${m}@example.com`, {
      circuit_execution_id: `exec-faults-${variant.slice(0, 8)}`,
      ab_test_id: abTestId,
      variant_id: variant,
    });
    const sentAt = startMs + rng.int(0, 3 * 3_600_000);
    const kinds: SendGridEventKind[] = ['processed', rng.chance(0.05) ? 'bounce' : 'delivered'];
    if (rng.chance(0.1)) kinds.push('deferred');
    if (kinds[1] === 'delivered') {
      for (let o = rng.int(0, 3); o > 0; o -= 1) kinds.push('open');
      if (kinds.includes('open') && rng.chance(0.4)) kinds.push('click');
      if (rng.chance(0.02)) kinds.push('spamreport');
      if (rng.chance(0.03)) kinds.push('unsubscribe');
    }
    // Unique opens and clicks: the message once, in the hour of its earliest open (click).
    const earliest = new Map<RollupCounter, number>();
    kinds.forEach((kind, i) => {
      const event = sendGridEvent(rng, message, kind, sentAt + i * rng.int(1_000, 900_000));
      events.push(event);
      const counter = SENDGRID_COUNTER[kind];
      if (counter === null) return;
      const atMs = Number(event.timestamp) * 1000;
      const key = `${variant}|${hourBucket(atMs)}`;
      const row = expected.get(key) ?? emptyCounters();
      row[counter] += 1;
      expected.set(key, row);
      const unique = UNIQUE_COUNTER_OF[counter];
      if (unique) earliest.set(unique, Math.min(earliest.get(unique) ?? Infinity, atMs));
      // Every open and click here is a person's (sg_machine_open false, a mail client's agent).
      const human = HUMAN_UNIQUE_OF[counter];
      if (human) earliest.set(human, Math.min(earliest.get(human) ?? Infinity, atMs));
    });
    for (const [unique, atMs] of earliest) {
      const key = `${variant}|${hourBucket(atMs)}`;
      const row = expected.get(key) ?? emptyCounters();
      row[unique] += 1;
      expected.set(key, row);
    }
  }
  // Shuffled: a message's open may arrive before its processed, in another batch.
  const shuffled = rng.shuffle(events);
  const deliveries: Delivery[] = [];
  for (let i = 0; i < shuffled.length; i += batchSize) {
    const part = shuffled.slice(i, i + batchSize);
    const body = sendGridBatchBody(part);
    // Signed once: a provider's retry is the same bytes with the same signature.
    deliveries.push({
      body,
      headers: { 'content-type': 'application/json', ...signSendGridEcdsa({ privateKey: keys.privateKey, body }) },
      eventIds: part.map((e) => String(e.sg_event_id)),
    });
  }
  return { abTestId, deliveries, eventIds: new Set(events.map((e) => String(e.sg_event_id))), expected };
}

// ---------- a sender that retries like a provider ----------

interface SendOutcome {
  acked: number;
  failed: number;
  attempts: number;
  /** HTTP status → count; 0 = connection error. */
  statuses: Record<number, number>;
  /** 503s without a usable Retry-After header. */
  missingRetryAfter: number;
  /** First few connection-level errors, for the failure message. */
  errors: string[];
  /** Slowest single answer (ms): a fault must cost a retry, not a request held open. */
  maxLatencyMs: number;
}

interface SendControl {
  inFlight: number;
  acked: number;
}

async function sendWithRetries(
  deliveries: readonly Delivery[],
  options: { target: () => string; concurrency: number; deadlineMs: number; control: SendControl },
): Promise<SendOutcome> {
  const outcome: SendOutcome = { acked: 0, failed: 0, attempts: 0, statuses: {}, missingRetryAfter: 0, errors: [], maxLatencyMs: 0 };
  const deadline = Date.now() + options.deadlineMs;
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      if (index >= deliveries.length) return;
      const delivery = deliveries[index]!;
      for (;;) {
        if (Date.now() > deadline) {
          outcome.failed += 1;
          break;
        }
        outcome.attempts += 1;
        options.control.inFlight += 1;
        let status = 0;
        const t0 = performance.now();
        try {
          const response = await fetch(`${options.target()}${WEBHOOK_PATH}`, {
            method: 'POST',
            headers: delivery.headers,
            body: delivery.body,
            signal: AbortSignal.timeout(40_000),
          });
          status = response.status;
          if (status === 503 && !/^\d+$/.test(response.headers.get('retry-after') ?? '')) outcome.missingRetryAfter += 1;
          await response.arrayBuffer();
        } catch (error) {
          status = 0;
          if (outcome.errors.length < 20)
            outcome.errors.push(
              error instanceof Error ? `${error.message} ${String((error.cause as Error | undefined)?.message ?? '')}` : String(error),
            );
        } finally {
          options.control.inFlight -= 1;
          outcome.maxLatencyMs = Math.max(outcome.maxLatencyMs, performance.now() - t0);
        }
        outcome.statuses[status] = (outcome.statuses[status] ?? 0) + 1;
        if (status >= 200 && status < 300) {
          outcome.acked += 1;
          options.control.acked += 1;
          break;
        }
        // Providers back off for minutes; a test backs off for 50–200 ms.
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.floor(Math.random() * 150)));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return outcome;
}

// ---------- what the database holds ----------

async function verifyExactlyOnce(db: Database, campaign: Campaign): Promise<void> {
  const ledger = await db.query<{ provider_event_id: string; counted: boolean }>(
    `select provider_event_id, (applied_at is not null or event_type = 'provider_only') as counted
     from metrics_webhook_events where workspace_id = $1 and provider = 'sendgrid'`,
    [DEV_WORKSPACE_ID],
  );
  // None lost, none doubled: exactly the events sent, each once, each applied.
  expect(ledger.length).toBe(campaign.eventIds.size);
  expect(new Set(ledger.map((row) => row.provider_event_id))).toEqual(campaign.eventIds);
  expect(ledger.filter((row) => !row.counted)).toEqual([]);

  const rollups = await db.query<Record<string, unknown>>(
    `select variant_id, time_bucket, ${ROLLUP_COUNTERS.map((c) => `sum(${c})::int as ${c}`).join(', ')}
     from metrics_rollups where workspace_id = $1 and ab_test_id = $2 group by variant_id, time_bucket`,
    [DEV_WORKSPACE_ID, campaign.abTestId],
  );
  const actual = new Map(
    rollups.map((row) => [
      `${String(row.variant_id)}|${new Date(row.time_bucket as string).toISOString()}`,
      Object.fromEntries(ROLLUP_COUNTERS.map((c) => [c, Number(row[c])])) as Record<RollupCounter, number>,
    ]),
  );
  expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(campaign.expected));
}

function vmRssMb(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(SKIP_REASON !== null)(`faults on a private PostgreSQL 15${SKIP_REASON ? ` (skipped: ${SKIP_REASON})` : ''}`, () => {
  let cluster: PrivatePostgres;
  const servers: TestServer[] = [];
  const databases: Database[] = [];

  async function server(env: Record<string, string>): Promise<TestServer> {
    const started = await startServer({ SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicKey, ...env });
    servers.push(started);
    return started;
  }

  beforeAll(async () => {
    cluster = await startPrivatePostgres();
  });

  afterAll(async () => {
    for (const s of servers) await s.stop('SIGKILL').catch(() => undefined);
    for (const db of databases) await db.close().catch(() => undefined);
    await cluster?.destroy();
  });

  it('the database crashes mid-load and restarts: every event counted once, none lost, none doubled', { timeout: 150_000 }, async () => {
    const { url, db } = await cluster.createDatabase('faults_restart');
    databases.push(db);
    const app = await server({ DATABASE_URL: url, DATABASE_POOL_MAX: '4' });
    const campaign = sendGridCampaign(createRng('faults-restart'), 500, 40);
    const control: SendControl = { inFlight: 0, acked: 0 };
    const threshold = Math.floor(campaign.deliveries.length / 4);

    let inFlightAtCrash = -1;
    let outageMs = 0;
    const fault = (async () => {
      const until = Date.now() + 60_000;
      while (control.acked < threshold && Date.now() < until) await sleep(5);
      inFlightAtCrash = control.inFlight;
      const down = Date.now();
      await cluster.stop('immediate');
      await sleep(2_000);
      await cluster.start();
      outageMs = Date.now() - down;
    })();
    const outcome = await sendWithRetries(campaign.deliveries, { target: () => app.url, concurrency: 4, deadlineMs: 100_000, control });
    await fault;
    console.info(
      `[faults] database crash: ${campaign.eventIds.size} events in ${campaign.deliveries.length} batches; ${inFlightAtCrash} in flight at the crash; outage ${outageMs} ms; attempts ${outcome.attempts}; statuses ${JSON.stringify(outcome.statuses)}; slowest answer ${outcome.maxLatencyMs.toFixed(0)} ms ${outcome.errors.join(' | ')}`,
    );

    expect(outcome.failed).toBe(0);
    expect(outcome.acked).toBe(campaign.deliveries.length);
    expect(inFlightAtCrash).toBeGreaterThan(0);
    // The outage was seen (as 503s, each with Retry-After) and nothing else went wrong.
    expect(outcome.statuses[503] ?? 0).toBeGreaterThan(0);
    expect(outcome.missingRetryAfter).toBe(0);
    expect(Object.keys(outcome.statuses).sort()).toEqual(['202', '503']);
    await verifyExactlyOnce(db, campaign);
    // No request is held open across the outage: a provider (Svix: 15 s) would time out and the
    // process would sit on the connection. Fails today: postgres.js's default reconnect backoff
    // (3^n/100 s, up to 20 s, shared by the pool) parks queries for up to ~20 s after the
    // database is back. Fix: `backoff` capped at ~1 s in src/lib/db/postgres.ts.
    expect(outcome.maxLatencyMs).toBeLessThan(10_000);
  });

  it(
    'the app is SIGKILLed mid-batch and a new one starts: every event counted once, no transaction left open',
    { timeout: 150_000 },
    async () => {
      const { url, db } = await cluster.createDatabase('faults_sigkill');
      databases.push(db);
      const env = { DATABASE_URL: url, DATABASE_POOL_MAX: '4' };
      const first = await server(env);
      let target = first.url;
      const campaign = sendGridCampaign(createRng('faults-sigkill'), 500, 40);
      const control: SendControl = { inFlight: 0, acked: 0 };
      const threshold = Math.floor(campaign.deliveries.length / 3);

      let inFlightAtKill = -1;
      const fault = (async () => {
        const until = Date.now() + 60_000;
        while (control.acked < threshold && Date.now() < until) await sleep(2);
        inFlightAtKill = control.inFlight;
        first.process.kill('SIGKILL');
        const second = await server(env);
        target = second.url;
      })();
      const outcome = await sendWithRetries(campaign.deliveries, { target: () => target, concurrency: 4, deadlineMs: 110_000, control });
      await fault;
      console.info(
        `[faults] SIGKILL: ${inFlightAtKill} requests in flight at the kill; attempts ${outcome.attempts}; statuses ${JSON.stringify(outcome.statuses)}`,
      );

      expect(first.process.signalCode).toBe('SIGKILL');
      expect(inFlightAtKill).toBeGreaterThan(0);
      expect(outcome.failed).toBe(0);
      expect(outcome.acked).toBe(campaign.deliveries.length);
      expect(outcome.statuses[0] ?? 0).toBeGreaterThan(0);
      expect(Object.keys(outcome.statuses).filter((s) => s !== '0' && s !== '202' && s !== '503')).toEqual([]);
      await verifyExactlyOnce(db, campaign);
      // The killed process's transactions were rolled back by the server, not left holding locks.
      const [open] = await db.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity
       where datname = current_database() and pid <> pg_backend_pid() and state like 'idle in transaction%'`,
      );
      expect(open?.n).toBe(0);
    },
  );

  it(
    'the connection pool is exhausted: 503 + Retry-After at once, no unbounded queue, nothing half-written',
    { timeout: 120_000 },
    async () => {
      const { url, db } = await cluster.createDatabase('faults_pool');
      databases.push(db);
      // Two ingest calls at once for one workspace and provider, so one provider's burst can hold
      // both pooled connections (the default of one call in flight never would).
      const app = await server({
        DATABASE_URL: url,
        DATABASE_POOL_MAX: '2',
        METRICS_DB_QUEUE_MAX: '2',
        METRICS_DB_QUEUE_TIMEOUT_MS: '1000',
        METRICS_INGEST_MAX_IN_FLIGHT: '2',
      });
      const rng = createRng('faults-pool');
      const campaign = sendGridCampaign(rng, 400, 1);
      const post = async (delivery: Delivery) => {
        const t0 = performance.now();
        const response = await fetch(`${app.url}${WEBHOOK_PATH}`, {
          method: 'POST',
          headers: delivery.headers,
          body: delivery.body,
          signal: AbortSignal.timeout(60_000),
        });
        await response.arrayBuffer();
        return { status: response.status, retryAfter: response.headers.get('retry-after'), ms: performance.now() - t0, delivery };
      };
      expect((await post(campaign.deliveries[0]!)).status).toBe(202);

      // Every ingest now waits on this lock, holding its pooled connection: the pool is exhausted.
      const blocker = postgres(url, { max: 1, onnotice: () => undefined });
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const holding = blocker.begin(async (tx) => {
        await tx`lock table metrics_webhook_events in access exclusive mode`;
        await released;
      });
      try {
        await sleep(200);
        const rssBefore = vmRssMb(app.process.pid);
        const burst = campaign.deliveries.slice(1, 41);
        const settled: Awaited<ReturnType<typeof post>>[] = [];
        const inFlight = burst.map((delivery) => post(delivery).then((answer) => (settled.push(answer), answer)));
        // 2 in flight (blocked in Postgres) + 2 queued (503 after 1 s) + 36 turned away at once.
        const waitUntil = Date.now() + 15_000;
        while (settled.length < burst.length - 2 && Date.now() < waitUntil) await sleep(20);
        await sleep(300);
        const rejected = settled.filter((a) => a.status === 503);
        expect(rejected.length).toBe(settled.length);
        expect(rejected.length).toBe(burst.length - 2);
        for (const answer of rejected) expect(answer.retryAfter).toMatch(/^\d+$/);
        const fast = rejected.filter((a) => a.ms < 1_000);
        expect(fast.length).toBeGreaterThanOrEqual(burst.length - 4);
        const sortedMs = fast.map((a) => a.ms).sort((a, b) => a - b);
        console.info(
          `[faults] pool exhausted: ${rejected.length}/${burst.length} answered 503 while 2 held the pool; immediate ones p50 ${sortedMs[Math.floor(sortedMs.length / 2)]?.toFixed(1)} ms, max ${sortedMs.at(-1)?.toFixed(1)} ms; queued ones after ${rejected
            .filter((a) => a.ms >= 1_000)
            .map((a) => a.ms.toFixed(0))
            .join(', ')} ms`,
        );

        // One request at a time past capacity (pool busy, queue full): how fast a 503 comes back.
        const fillers = campaign.deliveries.slice(41, 43).map(post);
        await sleep(150);
        const lone: number[] = [];
        for (const delivery of campaign.deliveries.slice(43, 53)) {
          const answer = await post(delivery);
          expect(answer.status).toBe(503);
          expect(answer.retryAfter).toMatch(/^\d+$/);
          lone.push(answer.ms);
        }
        for (const filler of await Promise.all(fillers)) expect(filler.status).toBe(503);
        lone.sort((a, b) => a - b);
        console.info(`[faults] a lone request past capacity: 503 in p50 ${lone[5]!.toFixed(1)} ms, max ${lone[9]!.toFixed(1)} ms`);
        expect(lone[5]!).toBeLessThan(250);

        // Floods while blocked: the process does not grow with the number of requests turned away.
        const flood = campaign.deliveries.slice(53, 399);
        const floodRound = async (total: number) => {
          let cursor = 0;
          const statuses: Record<number, number> = {};
          const t0 = performance.now();
          await Promise.all(
            Array.from({ length: 30 }, async () => {
              for (;;) {
                const i = cursor++;
                if (i >= total) return;
                const answer = await post(flood[i % flood.length]!);
                statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
              }
            }),
          );
          return { statuses, seconds: (performance.now() - t0) / 1000, rssMb: vmRssMb(app.process.pid) };
        };
        const rounds = [];
        for (let round = 0; round < 3; round += 1) rounds.push(await floodRound(600));
        console.info(
          `[faults] three floods of 600 requests at c=30 while blocked: ${rounds.map((r) => `${JSON.stringify(r.statuses)} in ${r.seconds.toFixed(1)} s`).join(', ')}; server RSS ${[rssBefore, ...rounds.map((r) => r.rssMb)].map((mb) => mb.toFixed(0)).join(' → ')} MB`,
        );
        for (const round of rounds) expect(round.statuses[503]).toBe(600);
        // RSS moves with garbage collection (±50 MB in the soak), so only gross growth is caught
        // here: a leak of 100 KB per turned-away request would add 120 MB over rounds two and three.
        // The bound itself is structural (pool + queue); `npm run bench:soak` shows the trend.
        expect(Math.max(...rounds.map((r) => r.rssMb)) - rssBefore).toBeLessThan(200);
        expect(rounds[2]!.rssMb - rounds[0]!.rssMb).toBeLessThan(100);

        release();
        await holding;
        const answers = await Promise.all(inFlight);
        const late = answers.filter((a) => a.status !== 503);
        expect(late.length).toBe(2);
        for (const answer of late) expect(answer.status).toBe(202);
        // Only what was answered 2xx is in the ledger: every 503 wrote nothing.
        const acceptedIds = new Set([...campaign.deliveries[0]!.eventIds, ...late.flatMap((a) => a.delivery.eventIds)]);
        const rows = await db.query<{ provider_event_id: string }>(
          'select provider_event_id from metrics_webhook_events where workspace_id = $1',
          [DEV_WORKSPACE_ID],
        );
        expect(new Set(rows.map((r) => r.provider_event_id))).toEqual(acceptedIds);
        // And the app recovers at once.
        expect((await post(campaign.deliveries[399]!)).status).toBe(202);
      } finally {
        release();
        await holding.catch(() => undefined);
        await blocker.end({ timeout: 5 });
      }
    },
  );
});
