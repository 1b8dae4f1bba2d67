// GET /api/ready on the real server: 200 only with the database reachable, every migration file
// applied and the role right; 503 naming the reason otherwise. Both databases.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listMigrations } from '../../src/lib/db';
import { checkReadiness } from '../../src/lib/db/readiness';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { startApp, type AppUnderTest } from '../helpers/app';
import { startServer, type TestServer } from '../helpers/server';

async function ready(url: string) {
  const response = await fetch(`${url}/api/ready`);
  return {
    status: response.status,
    body: (await response.json()) as { status: string; problems?: string[]; pending_migrations?: string[] },
  };
}

describe.each(DATABASE_KINDS)('readiness on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('is ready when every migration file is recorded, and names the one that is not', async () => {
    expect(await checkReadiness(t.db)).toEqual({ ready: true, problems: [], pending_migrations: [] });
    const latest = (await listMigrations()).at(-1)!;
    await t.db.query('delete from supabase_migrations.schema_migrations where version = $1', [latest.version]);
    try {
      const report = await checkReadiness(t.db);
      expect(report.ready).toBe(false);
      expect(report.pending_migrations).toEqual([latest.version]);
      expect(report.problems).toEqual([`migrations not applied: ${latest.version}`]);
    } finally {
      await t.db.query('insert into supabase_migrations.schema_migrations (version, name) values ($1, $2)', [latest.version, latest.name]);
    }
  });
});

describe.each(DATABASE_KINDS)('GET /api/ready on the real server with %s', (kind) => {
  let app: AppUnderTest;
  beforeAll(async () => {
    app = await startApp(kind);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('answers 200 when the database is reachable, migrated and the role is right', async () => {
    const answer = await ready(app.url);
    expect(answer).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  it.runIf(kind === 'postgres')('answers 503 naming a migration that is not applied, and 200 again once it is', async () => {
    const db = app.testDb!.db;
    const latest = (await listMigrations()).at(-1)!;
    await db.query('delete from supabase_migrations.schema_migrations where version = $1', [latest.version]);
    try {
      const answer = await ready(app.url);
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ status: 'not_ready', pending_migrations: [latest.version] });
    } finally {
      await db.query('insert into supabase_migrations.schema_migrations (version, name) values ($1, $2)', [latest.version, latest.name]);
    }
    expect((await ready(app.url)).status).toBe(200);
  });
});

describe('GET /api/ready with the database down', () => {
  let server: TestServer;
  beforeAll(async () => {
    // Port 9 (discard) on loopback: nothing listens, every connection is refused.
    server = await startServer({ DATABASE_URL: 'postgres://postgres@127.0.0.1:9/none', PGLITE_DATA_DIR: '' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers 503 "database unreachable" naming the cause, which its log line gives in full', async () => {
    const answer = await ready(server.url);
    expect(answer).toMatchObject({ status: 503, body: { status: 'not_ready' } });
    expect(answer.body.problems).toHaveLength(1);
    expect(answer.body.problems?.[0]).toMatch(/^database unreachable: .*ECONNREFUSED/);
    // The answer names the cause by code; the address is only in the log.
    expect(answer.body.problems?.[0]).not.toContain('127.0.0.1');
    // The request's log line is written as the answer goes out: wait for it.
    await vi.waitFor(() => {
      const line = server
        .logs()
        .split('\n')
        .find((l) => l.includes('"route":"/api/ready"') && l.includes('unavailable_cause'));
      expect(line).toMatch(/ECONNREFUSED/);
    });
  });

  it('has no scrape endpoint while METRICS_SCRAPE_TOKEN is unset (404)', async () => {
    const response = await fetch(`${server.url}/api/metrics`, { headers: { authorization: 'Bearer anything' } });
    expect(response.status).toBe(404);
  });
});
