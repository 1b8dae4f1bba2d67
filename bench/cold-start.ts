// npm run bench:cold-start — a fresh `next start` process, from spawn to its first answered
// request: the bare health GET (no database work) against the first signed webhook answered 2xx
// (the database opened, migrated on the embedded one, the delivery stored). Prints a table; not a test.
// BENCH_COLD_DATABASE=postgres uses a fresh migrated PostgreSQL database (BENCH_DATABASE_URL).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEV_WORKSPACE_ID } from '../src/lib/db';
import { signSendGridHmac } from '../tooling/signing';
import { freePort, TEST_SECRETS } from '../tests/helpers/server';
import { fmt, printTable } from './lib/load';
import { freshDatabase } from './lib/postgres-scratch';
import { ensureBuild, parseCommandLine } from './lib/cli';

parseCommandLine(
  `Usage: npm run bench:cold-start

A fresh next start process, from spawn to its first answered request: the bare health GET against
the first signed webhook answered 2xx. Prints a table; builds the app first when stale.

Environment:
  BENCH_COLD_ROUNDS          rounds (5)
  BENCH_COLD_DATABASE        postgres: a fresh migrated PostgreSQL database instead of PGlite
  BENCH_DATABASE_URL         PostgreSQL server for it (else TEST_DATABASE_URL, else local 5432)

  -h, --help    this text`,
  {},
);

const ROUNDS = Number(process.env.BENCH_COLD_ROUNDS ?? 5);
const ON_POSTGRES = process.env.BENCH_COLD_DATABASE === 'postgres';
const POLL_MS = 10;
const GIVE_UP_MS = 60_000;
const NEXT_BIN = path.join(process.cwd(), 'node_modules', 'next', 'dist', 'bin', 'next');

type Probe = (url: string, attempt: number) => Promise<number>;

const healthGet: Probe = async (url) => {
  const response = await fetch(`${url}/api/webhooks/metrics`);
  await response.arrayBuffer();
  return response.status;
};

const firstWebhook: Probe = async (url, attempt) => {
  const body = JSON.stringify([
    {
      email: 'cold@example.com',
      timestamp: Math.floor(Date.now() / 1000),
      event: 'delivered',
      sg_event_id: `cold-${Date.now()}-${attempt}`,
      sg_message_id: `cold${attempt}.filter`,
    },
  ]);
  const headers = { 'content-type': 'application/json', ...signSendGridHmac({ secret: TEST_SECRETS.SENDGRID_WEBHOOK_SECRET, body }) };
  const response = await fetch(`${url}/api/webhooks/metrics?provider=sendgrid&workspace_id=${DEV_WORKSPACE_ID}`, {
    method: 'POST',
    headers,
    body,
  });
  await response.arrayBuffer();
  return response.status;
};

/** Milliseconds from spawning `next start` until the probe gets a 2xx. */
async function coldStart(probe: Probe, databaseEnv: Record<string, string>): Promise<number> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(process.execPath, [NEXT_BIN, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    env: { ...process.env, ...TEST_SECRETS, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', ...databaseEnv },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    for (let attempt = 0; ; attempt += 1) {
      if (child.exitCode !== null) throw new Error(`next start exited:\n${stderr}`);
      const status = await probe(url, attempt).catch(() => 0);
      if (status >= 200 && status < 300) return performance.now() - started;
      if (status !== 0 && status !== 503) throw new Error(`answered ${status}:\n${stderr}`);
      if (performance.now() - started > GIVE_UP_MS) throw new Error(`no 2xx within ${GIVE_UP_MS} ms:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function main(): Promise<void> {
  ensureBuild();
  const pg = ON_POSTGRES ? await freshDatabase('metrics_bench_cold') : null;
  const scenarios: [string, Probe][] = [
    ['health GET (baseline)', healthGet],
    ['first webhook 2xx', firstWebhook],
  ];
  const timings = new Map<string, number[]>(scenarios.map(([name]) => [name, []]));
  try {
    // Alternating the scenarios spreads the machine's noise over both.
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [name, probe] of scenarios) {
        const scratch = pg ? null : mkdtempSync(path.join(tmpdir(), 'metrics-cold-'));
        const databaseEnv: Record<string, string> = pg
          ? { DATABASE_URL: pg.url }
          : { DATABASE_URL: '', METRICS_EMBEDDED_DATABASE: 'true', PGLITE_DATA_DIR: path.join(scratch!, 'pglite') };
        try {
          timings.get(name)!.push(await coldStart(probe, databaseEnv));
        } finally {
          if (scratch) rmSync(scratch, { recursive: true, force: true });
        }
      }
    }
  } finally {
    await pg?.drop();
  }
  const baseline = median(timings.get(scenarios[0]![0])!);
  console.log(
    `\nnext start → first 2xx, Node ${process.version}, ${pg ? `PostgreSQL on port ${new URL(pg.url).port || '5432'} (fresh database)` : 'embedded PGlite (fresh directory)'}, ${ROUNDS} rounds\n`,
  );
  printTable(
    ['scenario', 'median ms', 'min ms', 'max ms', 'vs baseline ms'],
    scenarios.map(([name]) => {
      const values = timings.get(name)!;
      return [name, fmt(median(values)), fmt(Math.min(...values)), fmt(Math.max(...values)), fmt(median(values) - baseline)];
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
