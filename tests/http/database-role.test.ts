// A server connected as the wrong database role answers every database-backed route with a named
// 503 (providers retry, nothing is lost) instead of 404 "Unknown workspace" or a cron 200 that did
// nothing. PostgreSQL only: roles are what is under test.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSendGridHmac } from '../../tooling/signing';
import { DEV_USER_ID, DEV_WORKSPACE_ID, TEST_SECRETS, tokenFor } from '../helpers/app';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { startServer, type TestServer } from '../helpers/server';
import { poolModeOfUrl, seedDevWorkspace } from '../../src/lib/db';

const THROUGH_POOLER = poolModeOfUrl(process.env.TEST_DATABASE_URL ?? '') === 'transaction';

// Roles are PostgreSQL's: without TEST_DATABASE_URL there is none to create. Through the
// transaction pooler only the users in its auth file log in, so roles are tested directly.
const SKIP_REASON = !DATABASE_KINDS.includes('postgres')
  ? 'PostgreSQL only (set TEST_DATABASE_URL): database roles are what is under test'
  : THROUGH_POOLER
    ? 'the pooler logs in only the users its auth file lists'
    : null;

describe.skipIf(SKIP_REASON !== null)(
  `a server connected as a misconfigured role${SKIP_REASON ? ` (skipped: ${SKIP_REASON})` : ''}`,
  () => {
    let t: TestDatabase;
    let server: TestServer;
    const role = `metrics_blind_${randomBytes(4).toString('hex')}`;

    beforeAll(async () => {
      t = await createTestDatabase('postgres');
      await seedDevWorkspace(t.db);
      // Can log in and write tables, but does not own them, has no BYPASSRLS, is not in authenticated.
      await t.db.exec(`create role ${role} login; grant select, insert, update, delete on all tables in schema public to ${role};`);
      const url = new URL(t.url!);
      url.username = role;
      server = await startServer({ DATABASE_URL: url.toString() });
    });
    afterAll(async () => {
      await server?.stop();
      await t?.drop();
      const admin = postgres(new URL('/postgres', process.env.TEST_DATABASE_URL).toString(), { max: 1, onnotice: () => undefined });
      await admin.unsafe(`drop role if exists ${role}`);
      await admin.end();
    });

    it('answers a signed webhook, a cron run and a user read with a named 503, storing nothing', async () => {
      const body = JSON.stringify([
        {
          email: 'a@example.com',
          timestamp: Math.floor(Date.now() / 1000),
          event: 'delivered',
          sg_event_id: 'role-1',
          sg_message_id: 'm.1',
        },
      ]);
      const webhook = await fetch(`${server.url}/api/webhooks/metrics?provider=sendgrid&workspace_id=${DEV_WORKSPACE_ID}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signSendGridHmac({ secret: TEST_SECRETS.SENDGRID_WEBHOOK_SECRET, body }) },
        body,
      });
      const cron = await fetch(`${server.url}/api/cron/metrics/reprocess-unmapped`, {
        headers: { authorization: `Bearer ${TEST_SECRETS.CRON_SECRET}` },
      });
      const read = await fetch(`${server.url}/api/circuits/metrics/health?workspaceId=${DEV_WORKSPACE_ID}`, {
        headers: { authorization: `Bearer ${await tokenFor(DEV_USER_ID)}` },
      });
      for (const response of [webhook, cron, read]) {
        expect(response.status).toBe(503);
        const json = (await response.json()) as { error: string; code: string; problems: string[]; docs: string };
        expect(json.code).toBe('database_misconfigured');
        expect(json.error).toBe('Database role misconfigured: the app cannot serve requests until it is fixed');
        expect(json.problems).toContain('it is not a member of "authenticated", so user reads cannot run under row-level security');
        expect(json.docs).toBe('docs/security.md, section "Database role"');
        expect(JSON.stringify(json)).not.toContain(role);
      }
      // The log is JSON lines: the message's quotes arrive escaped.
      expect(server.logs()).toContain(JSON.stringify(`Database role "${role}" cannot serve the app`).slice(1, -1));
      const [ledger] = await t.db.query<{ n: number }>('select count(*)::int as n from metrics_webhook_events');
      expect(ledger?.n).toBe(0);
    });

    it('is not ready: GET /api/ready answers 503 naming what the role lacks', async () => {
      const response = await fetch(`${server.url}/api/ready`);
      expect(response.status).toBe(503);
      const json = (await response.json()) as { status: string; problems: string[] };
      expect(json.status).toBe('not_ready');
      expect(json.problems).toContain(
        'database role: it is not a member of "authenticated", so user reads cannot run under row-level security',
      );
      expect(JSON.stringify(json)).not.toContain(role);
    });
  },
);

/** The SQL block docs/security.md ("Database role") tells a self-hoster to run, for role `name`. */
async function documentedRoleSql(name: string, password: string): Promise<string> {
  const doc = await readFile(new URL('../../docs/security.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('### Database role'));
  const sql = /```sql\n([\s\S]*?)```/.exec(section)?.[1];
  if (!sql?.includes('metrics_app')) throw new Error('docs/security.md, "Database role": no SQL block creating metrics_app');
  return sql.replaceAll('metrics_app', name).replaceAll('choose-a-long-random-password', password);
}

describe.skipIf(SKIP_REASON !== null)(`a server connected as the documented role${SKIP_REASON ? ` (skipped: ${SKIP_REASON})` : ''}`, () => {
  let t: TestDatabase;
  const suffix = randomBytes(4).toString('hex');
  const documented = `metrics_app_${suffix}`;
  const broken = `metrics_app_nobypass_${suffix}`;
  const password = randomBytes(12).toString('hex');
  const servers: TestServer[] = [];

  async function serverAs(role: string): Promise<TestServer> {
    const url = new URL(t.url!);
    url.username = role;
    url.password = password;
    const server = await startServer({ DATABASE_URL: url.toString() });
    servers.push(server);
    return server;
  }

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    await seedDevWorkspace(t.db);
    await t.db.exec(await documentedRoleSql(documented, password));
    // The same SQL without BYPASSRLS: a role the readiness check must name, not call "unreachable".
    await t.db.exec((await documentedRoleSql(broken, password)).replace(' bypassrls', ''));
  });
  afterAll(async () => {
    for (const server of servers) await server.stop();
    await t?.drop();
    const admin = postgres(new URL('/postgres', process.env.TEST_DATABASE_URL).toString(), { max: 1, onnotice: () => undefined });
    await admin.unsafe(`drop role if exists ${documented}`);
    await admin.unsafe(`drop role if exists ${broken}`);
    await admin.end();
  });

  it('is ready (GET /api/ready 200) with exactly the SQL docs/security.md gives, and serves a user read', async () => {
    const server = await serverAs(documented);
    const response = await fetch(`${server.url}/api/ready`);
    expect(await response.json()).toMatchObject({ status: 'ready' });
    expect(response.status).toBe(200);
    const read = await fetch(`${server.url}/api/circuits/metrics/health?workspaceId=${DEV_WORKSPACE_ID}`, {
      headers: { authorization: `Bearer ${await tokenFor(DEV_USER_ID)}` },
    });
    expect(read.status).toBe(200);
  });

  it('names the cause when that SQL is changed (no BYPASSRLS), in the answer and on the log line', async () => {
    const server = await serverAs(broken);
    const response = await fetch(`${server.url}/api/ready`);
    expect(response.status).toBe(503);
    const json = (await response.json()) as { problems: string[] };
    const problem =
      'database role: it neither owns the metrics tables nor has BYPASSRLS, so row-level security hides every workspace from webhooks and cron';
    expect(json.problems).toEqual([problem]);
    expect(JSON.stringify(json)).not.toContain(broken);
    expect(server.logs()).toContain('BYPASSRLS, so row-level security hides every workspace');
  });
});
