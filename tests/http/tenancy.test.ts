// Many customers on one deployment: workspaces created by their users, each with its own SendGrid
// key and Resend secret behind its own webhook URL, Meta pages routed to the workspace that proved
// control of them, roles enforced on every route. On the real server, PGlite and PostgreSQL.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSendGridKeyPair, signMeta, signResend, signSendGridEcdsa } from '../../tooling/signing';
import { TEST_SECRETS, joinByInvitation, startApp, tokenFor, type AppUnderTest } from '../helpers/app';
import { startAccountApis, type AccountApis } from '../helpers/account-apis';
import { DATABASE_KINDS } from '../helpers/db';
import { metaPageCommentEntry } from '../helpers/factories';

type Json = Record<string, unknown>;

interface Tenant {
  user: string;
  token: string;
  workspace: string;
  abTest: string;
  variant: string;
  sendgrid: { keys: ReturnType<typeof generateSendGridKeyPair>; url: string; id: string };
  resend: { secret: string; url: string; id: string };
}

const whsec = () => `whsec_${Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64')}`;

describe.each(DATABASE_KINDS)('workspaces, connections and roles on %s', (kind) => {
  let app: AppUnderTest;
  let accountApis: AccountApis;
  const tenants: Tenant[] = [];

  async function api(method: string, path: string, token: string, body?: unknown) {
    const response = await fetch(`${app.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as Json, text: '' };
  }

  async function post(url: string, body: string, headers: Record<string, string>) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: response.status, json: (await response.json()) as Json };
  }

  function sendgridBatch(t: Tenant, n: number, event = 'delivered'): string {
    const events = Array.from({ length: n }, (_, i) => ({
      email: `p${i}@example.com`,
      timestamp: Math.floor(Date.now() / 1000) - 60,
      event,
      sg_event_id: randomUUID(),
      sg_message_id: `${t.workspace.slice(0, 8)}m${i}.filter0001`,
      circuit_execution_id: 'exec-tenancy',
      ab_test_id: t.abTest,
      variant_id: t.variant,
    }));
    return JSON.stringify(events);
  }

  function resendEvent(t: Tenant): string {
    return JSON.stringify({
      type: 'email.delivered',
      created_at: new Date(Date.now() - 60_000).toISOString(),
      data: {
        email_id: `re_${randomUUID()}`,
        to: ['x@example.com'],
        tags: { circuit_execution_id: 'exec-tenancy', ab_test_id: t.abTest, variant_id: t.variant },
      },
    });
  }

  async function totals(t: Tenant) {
    const response = await api('GET', `/api/circuits/metrics/summary?workspaceId=${t.workspace}&abTestId=${t.abTest}`, t.token);
    expect(response.status).toBe(200);
    return (response.json.totals as Record<string, number>).email_delivered;
  }

  async function ledger(t: Tenant): Promise<number> {
    const response = await api('GET', `/api/circuits/metrics/health?workspaceId=${t.workspace}`, t.token);
    return (response.json.ingestion as { total_events: number }).total_events;
  }

  beforeAll(async () => {
    accountApis = await startAccountApis();
    app = await startApp(kind, { METRICS_PUBLIC_URL: 'https://metrics.example.com', ...accountApis.env });
    for (const name of ['Acme', 'Globex']) {
      const user = randomUUID();
      const token = await tokenFor(user);
      const created = await api('POST', '/api/workspaces', token, { name });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ name, role: 'owner' });
      const workspace = String(created.json.workspace_id);
      const keys = generateSendGridKeyPair();
      const secret = whsec();
      const sg = await api('POST', `/api/circuits/metrics/connections?workspaceId=${workspace}`, token, {
        provider: 'sendgrid',
        verification_key: keys.publicKey,
        api_key: `SG.${randomUUID()}`,
      });
      const rs = await api('POST', `/api/circuits/metrics/connections?workspaceId=${workspace}`, token, { provider: 'resend', secret });
      expect([sg.status, rs.status]).toEqual([201, 201]);
      for (const answer of [sg, rs]) {
        expect(answer.json.webhook_url).toMatch(/^https:\/\/metrics\.example\.com\/api\/webhooks\/metrics\?connection=[A-Za-z0-9_-]{32}$/);
        expect(answer.json.fingerprint).toMatch(/^sha256:[0-9a-f]{12}$/);
      }
      expect(JSON.stringify([sg.json, rs.json])).not.toContain(secret);
      expect(JSON.stringify(sg.json)).not.toContain(keys.publicKey.slice(20, 60));
      // The server is reached on loopback; the URL it hands out names the public host.
      const local = (url: unknown) => String(url).replace('https://metrics.example.com', app.url);
      tenants.push({
        user,
        token,
        workspace,
        abTest: randomUUID(),
        variant: randomUUID(),
        sendgrid: { keys, url: local(sg.json.webhook_url), id: String(sg.json.connection_id) },
        resend: { secret, url: local(rs.json.webhook_url), id: String(rs.json.connection_id) },
      });
    }
  });
  afterAll(async () => {
    await app?.stop();
    await accountApis?.close();
  });

  it("each workspace counts only its own traffic; deliveries replayed to the other workspace's URL are 401 and store nothing", async () => {
    const [a, b] = tenants as [Tenant, Tenant];
    const expected = new Map<Tenant, number>([
      [a, 0],
      [b, 0],
    ]);
    for (let round = 0; round < 3; round += 1) {
      for (const t of [a, b]) {
        const body = sendgridBatch(t, 5 + round);
        const headers = signSendGridEcdsa({ privateKey: t.sendgrid.keys.privateKey, body });
        expect((await post(t.sendgrid.url, body, headers)).status).toBe(202);
        const other = t === a ? b : a;
        const replay = await post(other.sendgrid.url, body, headers);
        expect(replay.status).toBe(401);
        const resend = resendEvent(t);
        const resendHeaders = signResend({ secret: t.resend.secret, id: `msg_${randomUUID()}`, body: resend });
        expect((await post(t.resend.url, resend, resendHeaders)).status).toBe(202);
        expect((await post(other.resend.url, resend, resendHeaders)).status).toBe(401);
        expected.set(t, expected.get(t)! + 5 + round + 1);
      }
    }
    expect(await totals(a)).toBe(expected.get(a));
    expect(await totals(b)).toBe(expected.get(b));
    expect(await ledger(a)).toBe(expected.get(a));
    expect(await ledger(b)).toBe(expected.get(b));
    // And neither owner can read the other's numbers.
    expect((await api('GET', `/api/circuits/metrics/summary?workspaceId=${b.workspace}`, a.token)).status).toBe(403);
  });

  it('lists connections without secrets, with the last delivery and the last verification failure', async () => {
    const [a] = tenants as [Tenant];
    const listed = await api('GET', `/api/circuits/metrics/connections?workspaceId=${a.workspace}`, a.token);
    expect(listed.status).toBe(200);
    const connections = listed.json.connections as Json[];
    expect(connections.map((c) => c.provider)).toEqual(['resend', 'sendgrid']);
    for (const c of connections) {
      expect(c.last_delivery_at).toEqual(expect.any(String));
      expect(c.last_failure_reason).toEqual(expect.stringMatching(/./)); // the replays from the other workspace
    }
    expect(JSON.stringify(listed.json)).not.toContain(a.resend.secret);
    expect(JSON.stringify(listed.json)).not.toMatch(/v1\.test1\./); // no ciphertext either
  });

  it('rotation: old and new secrets both verify during the overlap; after a rotation without overlap the old one is refused', async () => {
    const [a] = tenants as [Tenant];
    const old = a.resend.secret;
    const fresh = whsec();
    const rotated = await api('POST', `/api/circuits/metrics/connections/${a.resend.id}/rotate?workspaceId=${a.workspace}`, a.token, {
      secret: fresh,
      overlap_hours: 1,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.json.previous_secret_valid_until).toEqual(expect.any(String));
    for (const secret of [old, fresh]) {
      const body = resendEvent(a);
      expect((await post(a.resend.url, body, signResend({ secret, id: `msg_${randomUUID()}`, body }))).status).toBe(202);
    }
    const newest = whsec();
    expect(
      (
        await api('POST', `/api/circuits/metrics/connections/${a.resend.id}/rotate?workspaceId=${a.workspace}`, a.token, {
          secret: newest,
          overlap_hours: 0,
        })
      ).status,
    ).toBe(200);
    const body = resendEvent(a);
    expect((await post(a.resend.url, body, signResend({ secret: fresh, id: `msg_${randomUUID()}`, body }))).status).toBe(401);
    expect((await post(a.resend.url, body, signResend({ secret: newest, id: `msg_${randomUUID()}`, body }))).status).toBe(202);
    a.resend.secret = newest;
  });

  it('routes Meta events to the workspace that proved the page; unknown pages are acknowledged, not stored, and counted', async () => {
    const [a, b] = tenants as [Tenant, Tenant];
    const [pageA, pageB, stranger] = [
      '1048573' + Date.now().toString().slice(-8),
      '2048573' + Date.now().toString().slice(-8),
      '3048573' + Date.now().toString().slice(-8),
    ];
    for (const [t, page] of [
      [a, pageA],
      [b, pageB],
    ] as const) {
      const created = await api('POST', `/api/circuits/metrics/connections?workspaceId=${t.workspace}`, t.token, {
        provider: 'facebook',
        external_account_id: page,
      });
      expect(created.status).toBe(201);
      const proof = { access_token: accountApis.pageToken(page) };
      const verified = await api(
        'POST',
        `/api/circuits/metrics/connections/${String(created.json.connection_id)}/verify?workspaceId=${t.workspace}`,
        t.token,
        proof,
      );
      expect(verified.json.claim_status).toBe('verified');
    }
    // B may claim A's page too (nothing says it is taken), but without proof it receives nothing.
    const claim = await api('POST', `/api/circuits/metrics/connections?workspaceId=${b.workspace}`, b.token, {
      provider: 'facebook',
      external_account_id: pageA,
    });
    expect(claim.status).toBe(201);
    expect(claim.json.claim_status).toBe('pending');
    const [ledgerA, ledgerB] = [await ledger(a), await ledger(b)];
    const body = JSON.stringify({
      object: 'page',
      entry: [metaPageCommentEntry(pageA, 2), metaPageCommentEntry(pageB, 3), metaPageCommentEntry(stranger, 4)],
    });
    const answer = await post(
      `${app.url}/api/webhooks/metrics?provider=facebook`,
      body,
      signMeta({ appSecret: TEST_SECRETS.FACEBOOK_WEBHOOK_SECRET, body }),
    );
    expect(answer.status).toBe(202);
    expect(answer.json).toMatchObject({ events_stored: 5, unrouted_events: 4 });
    expect([await ledger(a), await ledger(b)]).toEqual([ledgerA + 2, ledgerB + 3]);
    // Deployment-wide, so no workspace's health shows it (the operator's scrape does: tests/http/edge-trust.test.ts).
    const health = await api('GET', `/api/circuits/metrics/health?workspaceId=${a.workspace}`, a.token);
    expect(health.json).not.toHaveProperty('unrouted_events');
    // The page's connection records the delivery, as URL-routed connections do.
    const listed = await api('GET', `/api/circuits/metrics/connections?workspaceId=${a.workspace}`, a.token);
    const page = (listed.json.connections as Json[]).find((c) => c.external_account_id === pageA);
    expect(page?.last_delivery_at).toEqual(expect.any(String));
  });

  it('roles: a viewer reads only; a member also registers attribution and starts backfills; an admin manages connections and members', async () => {
    const [a] = tenants as [Tenant];
    const people: Record<string, string> = {};
    for (const role of ['viewer', 'member', 'admin'] as const) {
      people[role] = await joinByInvitation(app.url, a.token, a.workspace, role);
    }
    const ws = a.workspace;
    const extra = randomUUID();
    await joinByInvitation(app.url, a.token, ws, 'viewer', extra);
    const mapping = { provider: 'sendgrid', provider_object_id: `obj-${randomUUID()}`, circuit_execution_id: 'c', channel: 'email' };
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const backfill = { provider: 'sendgrid', channel: 'email', date_start: day(-2), date_end: day(-1) };
    const routes = [
      {
        name: 'read rollups',
        call: (t: string) => api('GET', `/api/circuits/metrics/rollups?workspaceId=${ws}`, t),
        minimum: 'viewer',
        ok: 200,
      },
      {
        name: 'register attribution',
        call: (t: string) => api('POST', `/api/circuits/metrics/attribution?workspaceId=${ws}`, t, mapping),
        minimum: 'member',
        ok: 200,
      },
      {
        name: 'start a backfill',
        call: (t: string) => api('POST', `/api/circuits/metrics/backfill?workspaceId=${ws}`, t, backfill),
        minimum: 'member',
        ok: 202,
      },
      {
        name: 'list connections',
        call: (t: string) => api('GET', `/api/circuits/metrics/connections?workspaceId=${ws}`, t),
        minimum: 'admin',
        ok: 200,
      },
      {
        name: 'create a connection',
        call: (t: string) =>
          api('POST', `/api/circuits/metrics/connections?workspaceId=${ws}`, t, {
            provider: 'linkedin',
            external_account_id: `urn:li:organization:${randomUUID()}`,
          }),
        minimum: 'admin',
        ok: 201,
      },
      {
        name: 'invite a member',
        call: (t: string) => api('POST', `/api/workspaces/${ws}/members`, t, { email: `${randomUUID()}@example.com`, role: 'viewer' }),
        minimum: 'admin',
        ok: 201,
      },
      {
        name: 'register an A/B test',
        call: (t: string) =>
          api('POST', `/api/circuits/metrics/ab-tests?workspaceId=${ws}`, t, {
            ab_test_id: randomUUID(),
            name: 'T',
            primary_metric: 'unique_open_rate',
            started_at: new Date().toISOString(),
            variants: [
              { variant_id: randomUUID(), name: 'A', is_control: true, weight: 1 },
              { variant_id: randomUUID(), name: 'B', is_control: false, weight: 1 },
            ],
          }),
        minimum: 'member',
        ok: 201,
      },
      {
        name: 'rotate a connection',
        call: (t: string) =>
          api('POST', `/api/circuits/metrics/connections/${a.resend.id}/rotate?workspaceId=${ws}`, t, {
            secret: a.resend.secret,
            overlap_hours: 0,
          }),
        minimum: 'admin',
        ok: 200,
      },
      {
        name: "change a member's role",
        call: (t: string) => api('PATCH', `/api/workspaces/${ws}/members/${extra}`, t, { role: 'member' }),
        minimum: 'admin',
        ok: 200,
      },
    ];
    const order = ['viewer', 'member', 'admin'];
    for (const route of routes) {
      for (const role of order) {
        const allowed = order.indexOf(role) >= order.indexOf(route.minimum);
        const answer = await route.call(people[role]!);
        expect(answer.status, `${role} may${allowed ? '' : ' not'} ${route.name}`).toBe(allowed ? route.ok : 403);
        if (!allowed) expect(answer.json.code, `${role} ${route.name}`).toBe('insufficient_role');
      }
    }
    // What refused callers tried left nothing behind: one backfill job and one test per allowed role.
    const jobs = await api('GET', `/api/circuits/metrics/backfill?workspaceId=${ws}`, a.token);
    expect(jobs.json.count).toBe(2);
    const tests = await api('GET', `/api/circuits/metrics/ab-tests?workspaceId=${ws}`, a.token);
    expect((tests.json.tests as Json[]).filter((t) => t.name === 'T')).toHaveLength(2);
    const connections = await api('GET', `/api/circuits/metrics/connections?workspaceId=${ws}`, a.token);
    // The only LinkedIn connection is the admin's: the viewer's and the member's attempts wrote nothing.
    expect((connections.json.connections as Json[]).filter((c) => c.provider === 'linkedin')).toHaveLength(1);
    // An admin cannot make an owner; the last owner cannot leave or be demoted.
    expect(
      (await api('POST', `/api/workspaces/${ws}/members`, people.admin!, { email: 'new-owner@example.com', role: 'owner' })).status,
    ).toBe(403);
    const lastOwner = await api('DELETE', `/api/workspaces/${ws}/members/${a.user}`, a.token);
    expect([lastOwner.status, lastOwner.json.code]).toEqual([409, 'conflict']);
    expect((await api('PATCH', `/api/workspaces/${ws}/members/${a.user}`, a.token, { role: 'admin' })).status).toBe(409);
    const members = await api('GET', `/api/workspaces/${ws}/members`, people.viewer!);
    expect(members.status).toBe(200);
    // The admin's accepted "invite a member" call invited someone; it added nobody.
    expect((members.json.members as Json[]).map((m) => m.role).sort()).toEqual(['admin', 'member', 'member', 'owner', 'viewer']);
  });

  it("a deleted connection's URL answers 404 and stores nothing", async () => {
    const [, b] = tenants as [Tenant, Tenant];
    expect((await api('DELETE', `/api/circuits/metrics/connections/${b.sendgrid.id}?workspaceId=${b.workspace}`, b.token)).status).toBe(
      200,
    );
    const before = await ledger(b);
    const body = sendgridBatch(b, 2);
    expect((await post(b.sendgrid.url, body, signSendGridEcdsa({ privateKey: b.sendgrid.keys.privateKey, body }))).status).toBe(404);
    expect(await ledger(b)).toBe(before);
  });
});
