// Mailgun signature blocks are remembered by the database, inside the ingest transaction: a block
// accepted by one `next start` instance is refused with other event-data by any other (401, nothing
// written), the identical delivery stays idempotent everywhere, and one workspace's blocks cannot be
// pushed out by another's traffic. Two instances on one PostgreSQL; on PGlite, two instances one
// after the other on the same data directory.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDevWorkspace } from '../../src/lib/db';
import { mailgunSamples } from '../../src/lib/decision-circuits/metrics/providers/mailgun/samples';
import { mailgunSigner } from '../../src/lib/decision-circuits/metrics/providers/mailgun/signer';
import { tokenFor } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { startServer, type TestServer } from '../helpers/server';

type Json = Record<string, unknown>;

async function call(base: string, method: string, route: string, token: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const response = await fetch(`${base}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Json };
}

async function post(url: string, body: string): Promise<{ status: number; json: Json }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: response.status, json: (await response.json()) as Json };
}

/** A delivered event as Mailgun posts it, signed now with `key`. */
function signedDelivery(key: string, seed: string): string {
  const sample = mailgunSamples.build('delivered', { seed });
  return mailgunSigner.sign({ body: sample.body, secret: key, timestampSeconds: Date.now() / 1000, deliveryId: null })!.body;
}

/** The same signature block with other event-data (another event id, another event). */
function forged(body: string, suffix: string): string {
  const parsed = JSON.parse(body) as { 'event-data': Json };
  return JSON.stringify({ ...parsed, 'event-data': { ...parsed['event-data'], id: `forged-${suffix}`, event: 'opened' } });
}

interface Tenant {
  token: string;
  workspace: string;
  key: string;
  /** The connection's webhook path and query (the host is whichever instance is posted to). */
  hook: string;
}

async function newTenant(base: string, name: string): Promise<Tenant> {
  const token = await tokenFor(randomUUID());
  const created = await call(base, 'POST', '/api/workspaces', token, { name });
  expect(created.status).toBe(201);
  const workspace = String(created.json.workspace_id);
  const key = `mailgun-key-${randomUUID()}`;
  const connection = await call(base, 'POST', `/api/circuits/metrics/connections?workspaceId=${workspace}`, token, {
    provider: 'mailgun',
    secret: key,
  });
  expect(connection.status, JSON.stringify(connection.json)).toBe(201);
  const hook = String(connection.json.webhook_url).replace(/^https?:\/\/[^/]+/, '');
  return { token, workspace, key, hook };
}

async function ledgerTotal(base: string, t: Tenant): Promise<number> {
  const health = await call(base, 'GET', `/api/circuits/metrics/health?workspaceId=${t.workspace}`, t.token);
  expect(health.status).toBe(200);
  return (health.json.ingestion as { total_events: number }).total_events;
}

describe.runIf(process.env.TEST_DATABASE_URL)('Mailgun replay across two instances on one PostgreSQL', () => {
  let t: TestDatabase;
  let first: TestServer;
  let second: TestServer;
  let a: Tenant;
  let b: Tenant;

  const eventIds = async (workspace: string): Promise<string[]> =>
    (
      await t.db.query<{ provider_event_id: string }>(
        'select provider_event_id from metrics_webhook_events where workspace_id = $1 order by 1',
        [workspace],
      )
    ).map((row) => row.provider_event_id);
  const blocks = async (workspace: string): Promise<number> =>
    (await t.db.query<{ n: number }>('select count(*)::int as n from metrics_signature_blocks where workspace_id = $1', [workspace]))[0]!.n;

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    await seedDevWorkspace(t.db);
    [first, second] = await Promise.all([startServer({ DATABASE_URL: t.url! }), startServer({ DATABASE_URL: t.url! })]);
    a = await newTenant(first.url, 'Replay A');
    b = await newTenant(second.url, 'Replay B');
  }, 120_000);
  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    await t?.drop();
  });

  it('refuses on the second instance a block the first accepted, carrying other event-data (401), and writes nothing', async () => {
    const body = signedDelivery(a.key, `two-${randomUUID()}`);
    const accepted = await post(`${first.url}${a.hook}`, body);
    expect(accepted.status, JSON.stringify(accepted.json)).toBe(202);
    const before = await eventIds(a.workspace);
    expect(before).toHaveLength(1);
    expect(await blocks(a.workspace)).toBe(1);

    const replayed = await post(`${second.url}${a.hook}`, forged(body, 'second'));
    expect(replayed.status).toBe(401);
    expect(replayed.json).toMatchObject({ error: 'Signature verification failed: Replayed signature', provider: 'mailgun' });
    expect(await eventIds(a.workspace)).toEqual(before);
    expect(await blocks(a.workspace)).toBe(1);
    // The first instance refuses it too: nothing is remembered per process.
    expect((await post(`${first.url}${a.hook}`, forged(body, 'first'))).status).toBe(401);
    expect(await eventIds(a.workspace)).toEqual(before);
    // The connection shows why.
    const listed = await call(second.url, 'GET', `/api/circuits/metrics/connections?workspaceId=${a.workspace}`, a.token);
    expect((listed.json.connections as Json[])[0]?.last_failure_reason).toBe('Replayed signature');
  });

  it('keeps the identical delivery idempotent on either instance (202, counted once)', async () => {
    const body = signedDelivery(a.key, `retry-${randomUUID()}`);
    const before = (await eventIds(a.workspace)).length;
    const answers = [
      await post(`${first.url}${a.hook}`, body),
      await post(`${second.url}${a.hook}`, body),
      await post(`${first.url}${a.hook}`, body),
    ];
    expect(answers.map((r) => r.status)).toEqual([202, 202, 202]);
    expect(answers.map((r) => r.json.events_stored)).toEqual([1, 0, 0]);
    expect((await eventIds(a.workspace)).length).toBe(before + 1);
  });

  it('lets exactly one of several racing event-data under one block in, across both instances', async () => {
    const body = signedDelivery(a.key, `race-${randomUUID()}`);
    const before = (await eventIds(a.workspace)).length;
    const variants = [body, ...Array.from({ length: 5 }, (_, i) => forged(body, `race-${i}`))];
    const answers = await Promise.all(variants.map((v, i) => post(`${(i % 2 === 0 ? first : second).url}${a.hook}`, v)));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([202, 401, 401, 401, 401, 401]);
    expect((await eventIds(a.workspace)).length).toBe(before + 1);
  });

  it("keeps a workspace's blocks whatever another workspace sends: no shared memory to fill", async () => {
    const body = signedDelivery(a.key, `evict-${randomUUID()}`);
    expect((await post(`${first.url}${a.hook}`, body)).status).toBe(202);
    // Workspace B's own traffic: real deliveries, then far more blocks than the old per-process memory held (50,000).
    for (let i = 0; i < 20; i += 1) expect((await post(`${second.url}${b.hook}`, signedDelivery(b.key, `flood-${i}`))).status).toBe(202);
    await t.db.query(
      `insert into metrics_signature_blocks (workspace_id, block_hash, event_digest, expires_at)
       select $1, sha256(convert_to('flood-' || g, 'UTF8')), sha256(convert_to('d', 'UTF8')), now() + interval '9 hours'
       from generate_series(1, 60000) g`,
      [b.workspace],
    );
    const before = await eventIds(a.workspace);
    expect((await post(`${second.url}${a.hook}`, forged(body, 'after-flood'))).status).toBe(401);
    expect((await post(`${first.url}${a.hook}`, forged(body, 'after-flood'))).status).toBe(401);
    expect(await eventIds(a.workspace)).toEqual(before);
    // A's block posted to B's connection does not verify there (B's key), so B cannot plant it either.
    expect((await post(`${second.url}${b.hook}`, forged(body, 'to-b'))).status).toBe(401);
    expect(await ledgerTotal(first.url, b)).toBe(20);
  });
});

describe('Mailgun replay across two instances, one after the other, on one PGlite directory', () => {
  let dir: string;
  let server: TestServer | null = null;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'metrics-replay-'));
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses after a restart a block accepted before it, and writes nothing', async () => {
    const env = { DATABASE_URL: '', METRICS_EMBEDDED_DATABASE: 'true', PGLITE_DATA_DIR: path.join(dir, 'pglite') };
    server = await startServer(env);
    const tenant = await newTenant(server.url, 'Replay PGlite');
    const body = signedDelivery(tenant.key, `restart-${randomUUID()}`);
    expect((await post(`${server.url}${tenant.hook}`, body)).status).toBe(202);
    await server.stop();

    server = await startServer(env);
    const replayed = await post(`${server.url}${tenant.hook}`, forged(body, 'restart'));
    expect(replayed.status).toBe(401);
    expect(replayed.json.error).toBe('Signature verification failed: Replayed signature');
    expect(await ledgerTotal(server.url, tenant)).toBe(1);
    // The identical delivery again is still a success that stores nothing new.
    const retry = await post(`${server.url}${tenant.hook}`, body);
    expect(retry.status).toBe(202);
    expect(retry.json.events_stored).toBe(0);
    expect(await ledgerTotal(server.url, tenant)).toBe(1);
  }, 120_000);
});
