// npm run bench:live — live numbers in real Chromium against `next start` on PostgreSQL: how long
// from a webhook's 202 until the changed cell shows on an open A/B test page (at a slow and a fast
// event rate), and what open pages cost while nothing happens (polls, their answers, and the
// server's and PostgreSQL's CPU per page per minute). Prints tables; not a test.
import { existsSync } from 'node:fs';
import { chromium, type Page } from 'playwright-core';
import { LOCAL_SESSION_COOKIE } from '../src/lib/auth/request-auth';
import { DEV_USER_ID, DEV_WORKSPACE_ID } from '../src/lib/db';
import { mintAccessToken } from '../tooling/auth/tokens';
import { signSendGridHmac } from '../tooling/signing';
import { sendgridDelivered } from '../tests/helpers/factories';
import { startServer, TEST_SECRETS } from '../tests/helpers/server';
import { CHROMIUM, CHROMIUM_ARGS } from '../tests/browser/chromium';
import { backendPids, processCpuMs } from './lib/cpu';
import { fmt, printTable } from './lib/load';
import { freshDatabase } from './lib/postgres-scratch';
import { ensureBuild, parseCommandLine } from './lib/cli';

parseCommandLine(
  `Usage: npm run bench:live

Live numbers on a fresh PostgreSQL database, in Chromium (/usr/bin/chromium) against next start:
  1. latency: SendGrid deliveries to one A/B test variant at BENCH_LIVE_SLOW_RATE events/s (one
     event each) and BENCH_LIVE_FAST_RATE events/s (BENCH_LIVE_FAST_BATCH events each, as SendGrid
     batches them) while its page is open; for each event, the time from its delivery's 202 to the
     first time the page's delivered cell shows it (p50, p95, max);
  2. idle: BENCH_LIVE_PAGES open pages (A/B test page) and no events for BENCH_LIVE_IDLE_SECONDS:
     polls per page per minute, their answers, and the server's and PostgreSQL's CPU per page per minute.
Builds the app first when stale.

Environment:
  BENCH_DATABASE_URL        PostgreSQL server for the scratch database (else TEST_DATABASE_URL, else local 5432)
  BENCH_LIVE_SLOW_RATE      events per second of the slow case (1)
  BENCH_LIVE_FAST_RATE      events per second of the fast case (200)
  BENCH_LIVE_FAST_BATCH     events per delivery in the fast case (10; 1 = one request per event)
  BENCH_LIVE_SECONDS        seconds each rate is sent for (20)
  BENCH_LIVE_PAGES          open pages of the idle case (50)
  BENCH_LIVE_IDLE_SECONDS   seconds of the idle case (60)

  -h, --help    this text`,
  {},
);

const SLOW_RATE = Number(process.env.BENCH_LIVE_SLOW_RATE ?? 1);
const FAST_RATE = Number(process.env.BENCH_LIVE_FAST_RATE ?? 200);
const FAST_BATCH = Math.max(1, Math.floor(Number(process.env.BENCH_LIVE_FAST_BATCH ?? 10)));
const SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 20);
const PAGES = Number(process.env.BENCH_LIVE_PAGES ?? 50);
const IDLE_SECONDS = Number(process.env.BENCH_LIVE_IDLE_SECONDS ?? 60);
const TEST = '11fe0bec-0000-4000-8000-0000000000d1';
const VARIANT = '11fe0bec-aaaa-4000-8000-0000000000a1';
const MAX_IN_FLIGHT = 32;
const CELL = `[data-variant="${VARIANT}"] [data-col="email_delivered"]`;

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/** Records, in the page, each value the delivered cell takes and when (epoch ms, the same clock as Node's). */
async function watchCell(page: Page): Promise<void> {
  // A string, not a function: tsx would wrap named inner functions in a helper the page lacks.
  await page.evaluate(`(() => {
    const seen = [];
    window.cellValues = seen;
    const note = () => {
      const value = Number((document.querySelector(${JSON.stringify(CELL)})?.textContent ?? '').replace(/[^0-9]/g, ''));
      if (seen.length === 0 || seen[seen.length - 1][1] !== value) seen.push([Date.now(), value]);
    };
    note();
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true });
  })()`);
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install -y chromium)`);
  ensureBuild();
  const pg = await freshDatabase('metrics_bench_live');
  const server = await startServer({ DATABASE_URL: pg.url, DATABASE_POOL_MAX: '8', METRICS_LOCAL_SIGN_IN: 'true' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const post = async (events: object[]): Promise<number> => {
      const body = JSON.stringify(events);
      const response = await fetch(`${server.url}/api/webhooks/metrics?provider=sendgrid&workspace_id=${DEV_WORKSPACE_ID}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signSendGridHmac({ secret: TEST_SECRETS.SENDGRID_WEBHOOK_SECRET, body }) },
        body,
      });
      await response.arrayBuffer();
      if (response.status !== 202) throw new Error(`webhook answered ${response.status}`);
      return Date.now();
    };
    await post(sendgridDelivered(1, TEST, VARIANT, 'exec-bench-live'));
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const token = await mintAccessToken({ sub: DEV_USER_ID }, { secret: TEST_SECRETS.SUPABASE_JWT_SECRET });
    await context.addCookies([{ name: LOCAL_SESSION_COOKIE, value: token, url: server.url }]);
    const pageUrl = `${server.url}/dashboard/ab-tests?workspaceId=${DEV_WORKSPACE_ID}&abTestId=${TEST}`;

    // 1. From 202 to the cell, per event.
    const page = await context.newPage();
    await page.goto(pageUrl);
    let counted = 1;
    const latencyRows: string[][] = [];
    for (const [rate, batch] of [
      [SLOW_RATE, 1],
      [FAST_RATE, FAST_BATCH],
    ] as const) {
      await watchCell(page);
      const acknowledged: number[] = [];
      const started = Date.now();
      const deliveries = Math.round((rate * SECONDS) / batch);
      const total = deliveries * batch;
      // At most MAX_IN_FLIGHT deliveries open at once: past what the server sustains, the achieved rate says so.
      const inFlight = new Set<Promise<void>>();
      for (let i = 0; i < deliveries; i += 1) {
        const due = started + (i * batch * 1000) / rate;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
        // Each event's delivery's 202; the n-th event acknowledged brings the count to counted + n.
        const sent: Promise<void> = post(sendgridDelivered(batch, TEST, VARIANT, 'exec-bench-live')).then((at) => {
          for (let e = 0; e < batch; e += 1) acknowledged.push(at);
          inFlight.delete(sent);
        });
        inFlight.add(sent);
      }
      await Promise.all(inFlight);
      const sentSeconds = (Date.now() - started) / 1000;
      const target = counted + total;
      await page.waitForFunction(
        (n) => (window as unknown as { cellValues: [number, number][] }).cellValues.some(([, v]) => v >= n),
        target,
        {
          timeout: 60_000,
        },
      );
      const values = await page.evaluate(() => (window as unknown as { cellValues: [number, number][] }).cellValues);
      acknowledged.sort((a, b) => a - b);
      const latencies = acknowledged
        .map((at, index) => {
          const shown = values.find(([, value]) => value >= counted + index + 1);
          return shown ? Math.max(0, shown[0] - at) : NaN;
        })
        .sort((a, b) => a - b);
      counted = target;
      latencyRows.push([
        `${fmt(rate)} event/s${batch > 1 ? `, ${batch} per delivery` : ''}`,
        fmt(total / sentSeconds, 1),
        fmt(total),
        fmt(quantile(latencies, 0.5)),
        fmt(quantile(latencies, 0.95)),
        fmt(latencies.at(-1) ?? NaN),
        fmt(values.length - 1),
      ]);
      console.log(`${rate} event/s: p95 ${fmt(quantile(latencies, 0.95))} ms`);
    }
    await page.close();
    console.log('\nFrom a webhook 202 to the changed cell on the open A/B test page (ms)');
    printTable(['case', 'achieved/s', 'events', 'p50', 'p95', 'max', 'renders'], latencyRows);

    // 2. Open pages, no events.
    const pages: Page[] = [];
    const answers = new Map<number, number>();
    for (let i = 0; i < PAGES; i += 1) {
      const open = await context.newPage();
      open.on('response', (response) => {
        if (response.url().includes('/api/circuits/metrics/live?'))
          answers.set(response.status(), (answers.get(response.status()) ?? 0) + 1);
      });
      await open.goto(pageUrl);
      pages.push(open);
    }
    // Let every page settle into its poll rhythm, then measure a clean window.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    answers.clear();
    const pids = await backendPids(pg.db);
    const sum = (list: number[]) => list.reduce((total, pid) => total + (processCpuMs(pid) || 0), 0);
    const before = { server: processCpuMs(server.process.pid), database: sum(pids) };
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
    const after = {
      server: processCpuMs(server.process.pid),
      database: sum([...new Set([...pids, ...(await backendPids(pg.db))])]),
    };
    const minutes = IDLE_SECONDS / 60;
    const polls = [...answers.values()].reduce((a, b) => a + b, 0);
    console.log(`\n${PAGES} open A/B test pages, no events, ${IDLE_SECONDS} s`);
    printTable(
      ['polls/page/min', 'answers', 'server CPU ms/page/min', 'PostgreSQL CPU ms/page/min', 'server CPU ms/poll'],
      [
        [
          fmt(polls / PAGES / minutes, 1),
          [...answers.entries()].map(([status, n]) => `${status}: ${n}`).join(', '),
          fmt((after.server - before.server) / PAGES / minutes, 1),
          fmt((after.database - before.database) / PAGES / minutes, 1),
          fmt((after.server - before.server) / polls, 2),
        ],
      ],
    );
    for (const open of pages) await open.close();
    await context.close();
  } finally {
    await browser.close();
    await server.stop();
    await pg.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
