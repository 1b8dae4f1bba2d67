// npm run bench:read — the read APIs on a workspace holding one year of hourly rollups for 50
// variants (438,000 rows), against a bare route in the same run, with the CPU each process spent
// per request (load generator, server, PostgreSQL: they share the cores). Prints a table; not a test.
import { DEV_USER_ID, DEV_WORKSPACE_ID, OTHER_WORKSPACE_ID } from '../src/lib/db';
import { mintAccessToken } from '../tooling/auth/tokens';
import { startServer, TEST_SECRETS } from '../tests/helpers/server';
import { cpuPerUnit, type CpuSplit } from './lib/cpu';
import { fmt, printTable, runFor, type LoadResult } from './lib/load';
import { freshDatabase } from './lib/postgres-scratch';
import { ensureBuild, parseCommandLine } from './lib/cli';

parseCommandLine(
  `Usage: npm run bench:read

The read APIs on a fresh PostgreSQL database holding a year of hourly rollups for 50 variants
(seeding takes a minute), against a bare route in the same run, with the CPU per request of the
load generator, the server and PostgreSQL. Prints tables; builds the app first when stale.

Environment:
  BENCH_DATABASE_URL        PostgreSQL server for the scratch database (else TEST_DATABASE_URL, else local 5432)
  BENCH_READ_SECONDS        seconds per scenario (10)
  BENCH_READ_CONCURRENCY    concurrent requests (8)

  -h, --help    this text`,
  {},
);

const SECONDS = Number(process.env.BENCH_READ_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_READ_CONCURRENCY ?? 8);
const VARIANTS = 50;
const HOURS = 24 * 365;
const AB_TEST = '00000000-0000-4000-8000-0000000000ab';
const variantId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

async function main(): Promise<void> {
  ensureBuild();
  const pg = await freshDatabase('metrics_bench_read');
  const seeded = performance.now();
  // The workspace under test, plus the same volume in another workspace (RLS must filter it out).
  for (const workspace of [DEV_WORKSPACE_ID, OTHER_WORKSPACE_ID]) {
    await pg.db.query(
      `insert into metrics_rollups (workspace_id, circuit_execution_id, ab_test_id, variant_id, channel, time_bucket,
         email_sent, email_delivered, email_opened, email_clicked)
       select $1, 'exec-' || (v % 5), $2, ('00000000-0000-4000-8000-' || lpad(v::text, 12, '0'))::uuid, 'email',
              timestamptz '2025-01-01' + make_interval(hours => h), 100, 97, 30 + (h % 7), 5 + (v % 3)
       from generate_series(1, $3::int) v, generate_series(0, $4::int - 1) h`,
      [workspace, AB_TEST, VARIANTS, HOURS],
    );
  }
  await pg.db.query('vacuum analyze metrics_rollups');
  console.log(`Seeded ${fmt(2 * VARIANTS * HOURS)} rollups in ${fmt((performance.now() - seeded) / 1000, 1)} s`);

  const server = await startServer({ DATABASE_URL: pg.url, DATABASE_POOL_MAX: '8' });
  const token = await mintAccessToken({ sub: DEV_USER_ID }, { secret: TEST_SECRETS.SUPABASE_JWT_SECRET });
  const headers = { authorization: `Bearer ${token}` };
  const get = (path: string) => async (i: number) => {
    const response = await fetch(`${server.url}${path.replaceAll('{v}', variantId((i % VARIANTS) + 1))}`, { headers });
    await response.arrayBuffer();
    return response.status;
  };
  const scenarios: [string, string][] = [
    ['bare route (GET, 200)', '/api/bench/bare'],
    ['rollups: one variant, newest 100', `/api/circuits/metrics/rollups?workspaceId=${DEV_WORKSPACE_ID}&abTestId=${AB_TEST}&variantId={v}`],
    [
      'rollups: one variant, one week',
      `/api/circuits/metrics/rollups?workspaceId=${DEV_WORKSPACE_ID}&variantId={v}&timeStart=2025-06-01T00:00:00Z&timeEnd=2025-06-08T00:00:00Z&limit=500`,
    ],
    ['rollups: whole workspace, newest 100', `/api/circuits/metrics/rollups?workspaceId=${DEV_WORKSPACE_ID}`],
    [
      'summary: one variant, 30 days',
      `/api/circuits/metrics/summary?workspaceId=${DEV_WORKSPACE_ID}&variantId={v}&timeStart=2025-06-01T00:00:00Z&timeEnd=2025-07-01T00:00:00Z`,
    ],
    [
      'variants: one test (50 variants), 7 days',
      `/api/circuits/metrics/variants?workspaceId=${DEV_WORKSPACE_ID}&abTestId=${AB_TEST}&timeStart=2025-06-24T00:00:00Z&timeEnd=2025-07-01T00:00:00Z`,
    ],
    [
      'variants: one test (50 variants), 30 days',
      `/api/circuits/metrics/variants?workspaceId=${DEV_WORKSPACE_ID}&abTestId=${AB_TEST}&timeStart=2025-06-01T00:00:00Z&timeEnd=2025-07-01T00:00:00Z`,
    ],
    ['health (ledger empty here; see bench:scale)', `/api/circuits/metrics/health?workspaceId=${DEV_WORKSPACE_ID}`],
  ];
  const results: [string, LoadResult, CpuSplit][] = [];
  try {
    for (const [, path] of scenarios) await runFor(1, CONCURRENCY, get(path)); // warm-up
    for (const [name, path] of scenarios) {
      let result: LoadResult | undefined;
      const cpu = await cpuPerUnit(server.process.pid, pg.db, async () => {
        result = await runFor(SECONDS, CONCURRENCY, get(path));
        return result.requests;
      });
      results.push([name, result!, cpu]);
    }
  } finally {
    await server.stop();
    await pg.drop();
  }
  const bare = results[0]![1].perSecond;
  console.log(`\nconcurrency ${CONCURRENCY}, ${SECONDS} s each\n`);
  printTable(
    ['scenario', 'req/s', '% of bare', 'p50 ms', 'p99 ms', 'non-2xx', 'CPU ms/req: load gen', 'server', 'PostgreSQL'],
    results.map(([name, r, cpu]) => [
      name,
      fmt(r.perSecond),
      fmt((100 * r.perSecond) / bare),
      fmt(r.p50, 1),
      fmt(r.p99, 1),
      fmt(r.errors),
      fmt(cpu.client, 2),
      fmt(cpu.server, 2),
      fmt(cpu.database, 2),
    ]),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
