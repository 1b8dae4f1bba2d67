// Claims need proof, on the real server (PGlite and PostgreSQL): a workspace that names a Facebook
// page, Instagram account or LinkedIn organization receives nothing for it until it proves control
// (a token checked against a local stand-in for the Graph and LinkedIn APIs, or the operator's
// npm run connection:approve); nothing tells another tenant whether an account is claimed; and a
// captured delivery posted with another workspace's ?workspace_id= does not land there.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signLinkedIn, signMeta } from '../../tooling/signing';
import { startAccountApis, type AccountApis } from '../helpers/account-apis';
import { DEV_USER_ID, DEV_WORKSPACE_ID, TEST_SECRETS, startApp, tokenFor, type AppUnderTest } from '../helpers/app';
import { DATABASE_KINDS } from '../helpers/db';
import { metaPageCommentEntry } from '../helpers/factories';

type Json = Record<string, unknown>;
interface Tenant {
  token: string;
  workspace: string;
}

const TSX = path.join(process.cwd(), 'node_modules', '.bin', 'tsx');
const uniqueDigits = () => `${Date.now()}${Math.floor(Math.random() * 1e6)}`;

describe.each(DATABASE_KINDS)('account claims on %s', (kind) => {
  let app: AppUnderTest;
  let apis: AccountApis;
  let owner: Tenant;
  let squatter: Tenant;
  const pglite = mkdtempSync(path.join(tmpdir(), 'account-claims-'));
  const appEnv = () => ({ ...apis.env, ...(kind === 'pglite' ? { PGLITE_DATA_DIR: path.join(pglite, 'db') } : {}) });

  async function api(method: string, route: string, token: string, body?: unknown): Promise<{ status: number; json: Json }> {
    const response = await fetch(`${app.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as Json };
  }
  const claim = async (t: Tenant, provider: string, account: string) => {
    const created = await api('POST', `/api/circuits/metrics/connections?workspaceId=${t.workspace}`, t.token, {
      provider,
      external_account_id: account,
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    return created.json;
  };
  const prove = (t: Tenant, connectionId: unknown, accessToken: string) =>
    api('POST', `/api/circuits/metrics/connections/${String(connectionId)}/verify?workspaceId=${t.workspace}`, t.token, {
      access_token: accessToken,
    });
  const ledger = async (t: Tenant): Promise<number> =>
    ((await api('GET', `/api/circuits/metrics/health?workspaceId=${t.workspace}`, t.token)).json.ingestion as { total_events: number })
      .total_events;
  const withoutTime = ({ timestamp: _t, ...rest }: Json) => rest;

  const pageComments = (page: string, n: number) => JSON.stringify({ object: 'page', entry: [metaPageCommentEntry(page, n)] });
  async function deliverMeta(body: string, query = '') {
    const response = await fetch(`${app.url}/api/webhooks/metrics?provider=facebook${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signMeta({ appSecret: TEST_SECRETS.FACEBOOK_WEBHOOK_SECRET, body }) },
      body,
    });
    return { status: response.status, json: (await response.json()) as Json };
  }
  async function deliverLinkedIn(organization: string) {
    const body = JSON.stringify({
      type: 'ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS',
      notifications: [
        {
          notificationId: Number(uniqueDigits().slice(-12)),
          organizationalEntity: organization,
          action: 'LIKE',
          sourcePost: 'urn:li:activity:7094637247890620418',
          decoratedSourcePost: { entity: 'urn:li:share:7094637247487995904', owner: organization },
          lastModifiedAt: Date.now() - 60_000,
        },
      ],
    });
    const response = await fetch(`${app.url}/api/webhooks/metrics?provider=linkedin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signLinkedIn({ clientSecret: TEST_SECRETS.LINKEDIN_WEBHOOK_SECRET, body }) },
      body,
    });
    return { status: response.status, json: (await response.json()) as Json };
  }

  async function tenant(name: string): Promise<Tenant> {
    const token = await tokenFor(randomUUID());
    const created = await api('POST', '/api/workspaces', token, { name });
    expect(created.status).toBe(201);
    return { token, workspace: String(created.json.workspace_id) };
  }

  beforeAll(async () => {
    apis = await startAccountApis();
    app = await startApp(kind, appEnv());
    owner = await tenant('Page owner');
    squatter = await tenant('Squatter');
  });

  afterAll(async () => {
    await app?.stop();
    await apis?.close();
    rmSync(pglite, { recursive: true, force: true });
  });

  it("a squatter's claim on a page it does not control is pending, routes nothing, and no token it holds proves it", async () => {
    const page = `1${uniqueDigits()}`;
    const squat = await claim(squatter, 'facebook', page);
    expect(squat).toMatchObject({ claim_status: 'pending', claim_method: null, claim_verified_at: null });
    const before = [await ledger(owner), await ledger(squatter)];
    const delivered = await deliverMeta(pageComments(page, 3));
    expect(delivered.status).toBe(202);
    expect(delivered.json).toMatchObject({ events_stored: 0, unrouted_events: 3 });
    expect([await ledger(owner), await ledger(squatter)]).toEqual(before);

    // A made-up token, a token for its own page, an empty-looking one: one answer.
    const ownPage = apis.pageToken(`2${uniqueDigits()}`);
    const refusals = [await prove(squatter, squat.connection_id, 'not-a-real-token'), await prove(squatter, squat.connection_id, ownPage)];
    for (const refusal of refusals) {
      expect(refusal.status).toBe(422);
      expect(refusal.json.error).toBe('Control of this account was not proven: the token does not reach it');
    }
    expect(withoutTime(refusals[0]!.json)).toEqual(withoutTime(refusals[1]!.json));
    const listed = await api('GET', `/api/circuits/metrics/connections?workspaceId=${squatter.workspace}`, squatter.token);
    expect((listed.json.connections as Json[]).find((c) => c.connection_id === squat.connection_id)).toMatchObject({
      claim_status: 'pending',
    });
    // Its test event is refused rather than counted as unrouted.
    const test = await api(
      'POST',
      `/api/circuits/metrics/connections/${String(squat.connection_id)}/test?workspaceId=${squatter.workspace}`,
      squatter.token,
    );
    expect(test.status).toBe(409);
    expect(test.json.error).toContain('Prove control of this account first');
    expect([await ledger(owner), await ledger(squatter)]).toEqual(before);
  });

  it('tells no one whether an account is claimed: claiming and failing to prove answer alike for claimed and unclaimed pages', async () => {
    const [claimed, unclaimed] = [`3${uniqueDigits()}`, `4${uniqueDigits()}`];
    await claim(squatter, 'facebook', claimed);
    const shape = (json: Json) => ({
      keys: Object.keys(json).sort(),
      claim_status: json.claim_status,
      external_account_id: typeof json.external_account_id,
    });
    const onClaimed = await claim(owner, 'facebook', claimed);
    const onUnclaimed = await claim(owner, 'facebook', unclaimed);
    expect(shape(onClaimed)).toEqual(shape(onUnclaimed));
    const [failClaimed, failUnclaimed] = [
      await prove(owner, onClaimed.connection_id, 'wrong-token-value'),
      await prove(owner, onUnclaimed.connection_id, 'wrong-token-value'),
    ];
    expect([failClaimed.status, failUnclaimed.status]).toEqual([422, 422]);
    expect(withoutTime(failClaimed.json)).toEqual(withoutTime(failUnclaimed.json));
    // Within one workspace a second claim of the same account is a plain conflict (its own data).
    const again = await api('POST', `/api/circuits/metrics/connections?workspaceId=${owner.workspace}`, owner.token, {
      provider: 'facebook',
      external_account_id: claimed,
    });
    expect(again.status).toBe(409);
    expect(again.json.error).toBe('This workspace already has a connection for this account');
  });

  it("a proof with the page's own token verifies the claim; then its events land there and nowhere else; the token is not kept", async () => {
    const page = `5${uniqueDigits()}`;
    const squat = await claim(squatter, 'facebook', page);
    const mine = await claim(owner, 'facebook', page);
    const pageToken = apis.pageToken(page);
    const seen = apis.requests.length;
    const proven = await prove(owner, mine.connection_id, pageToken);
    expect(proven.status, JSON.stringify(proven.json)).toBe(200);
    expect(proven.json).toMatchObject({ claim_status: 'verified', claim_method: 'meta_page_token', claim_verified_at: expect.any(String) });
    const asked = apis.requests.slice(seen);
    expect(asked.map((r) => `${r.path}?fields=${r.query.get('fields')}`)).toEqual(['/v23.0/me?fields=id']);
    expect(asked[0]!.headers.authorization).toBe(`Bearer ${pageToken}`);
    expect(asked[0]!.query.get('access_token')).toBeNull();

    const before = [await ledger(owner), await ledger(squatter)];
    const delivered = await deliverMeta(pageComments(page, 2));
    expect(delivered.json).toMatchObject({ events_stored: 2, unrouted_events: 0, workspace_id: owner.workspace });
    expect([await ledger(owner), await ledger(squatter)]).toEqual([before[0]! + 2, before[1]!]);
    const squatView = await api('GET', `/api/circuits/metrics/connections?workspaceId=${squatter.workspace}`, squatter.token);
    expect((squatView.json.connections as Json[]).find((c) => c.connection_id === squat.connection_id)?.claim_status).toBe('pending');
    if (app.testDb) {
      const rows = await app.testDb.db.query('select * from metrics_provider_connections where external_account_id = $1', [page]);
      expect(JSON.stringify(rows)).not.toContain(pageToken);
    }

    // A newer proof by another workspace that also holds a token supersedes the older claim.
    const later = await prove(squatter, squat.connection_id, apis.pageToken(page));
    expect(later.json).toMatchObject({ claim_status: 'verified' });
    const ownerView = await api('GET', `/api/circuits/metrics/connections?workspaceId=${owner.workspace}`, owner.token);
    expect((ownerView.json.connections as Json[]).find((c) => c.connection_id === mine.connection_id)).toMatchObject({
      claim_status: 'pending',
      claim_superseded_at: expect.any(String),
    });
    const moved = await deliverMeta(pageComments(page, 1));
    expect(moved.json).toMatchObject({ events_stored: 1, workspace_id: squatter.workspace });
    expect(await ledger(owner)).toBe(before[0]! + 2);
  });

  it('Instagram accounts are proven through the page that links them (page token or a user token listing the page); LinkedIn through the admin list', async () => {
    const [page, ig, otherIg] = [`6${uniqueDigits()}`, `17841${uniqueDigits()}`, `17842${uniqueDigits()}`];
    const byPage = await claim(owner, 'instagram', ig);
    expect((await prove(owner, byPage.connection_id, apis.pageToken(page, ig))).json).toMatchObject({
      claim_status: 'verified',
      claim_method: 'meta_instagram_token',
    });
    const byUser = await claim(owner, 'instagram', otherIg);
    expect((await prove(owner, byUser.connection_id, apis.pageToken(page, ig))).status).toBe(422);
    const user = apis.userToken([
      { pageId: page, instagramAccountId: ig },
      { pageId: `7${uniqueDigits()}`, instagramAccountId: otherIg },
    ]);
    expect((await prove(owner, byUser.connection_id, user)).json).toMatchObject({ claim_status: 'verified' });

    const [org, otherOrg] = [`urn:li:organization:${uniqueDigits()}`, `urn:li:organization:${uniqueDigits()}`];
    const li = await claim(owner, 'linkedin', org);
    expect((await deliverLinkedIn(org)).json).toMatchObject({ events_stored: 0, unrouted_events: 1 });
    expect((await prove(owner, li.connection_id, apis.linkedInAdminToken([otherOrg]))).status).toBe(422);
    const seen = apis.requests.length;
    const proven = await prove(owner, li.connection_id, apis.linkedInAdminToken([otherOrg, org]));
    expect(proven.json).toMatchObject({ claim_status: 'verified', claim_method: 'linkedin_admin' });
    const acl = apis.requests[seen]!;
    expect(acl.path).toBe('/rest/organizationAcls');
    expect(Object.fromEntries(acl.query)).toEqual({ q: 'roleAssignee', role: 'ADMINISTRATOR', state: 'APPROVED' });
    expect(acl.headers['linkedin-version']).toMatch(/^\d{6}$/);
    const before = await ledger(owner);
    expect((await deliverLinkedIn(org)).json).toMatchObject({ events_stored: 1, unrouted_events: 0 });
    expect(await ledger(owner)).toBe(before + 1);
  });

  it('answers 502 when the provider cannot be reached, 400 for a URL-routed connection, 404 for an unknown one; the claim stays pending', async () => {
    const page = `8${uniqueDigits()}`;
    const pending = await claim(owner, 'facebook', page);
    const down = await prove(owner, pending.connection_id, apis.outageToken);
    expect(down.status).toBe(502);
    expect(down.json.error).toBe('Meta Graph API could not be reached to check the claim; try again later');
    const resend = await api('POST', `/api/circuits/metrics/connections?workspaceId=${owner.workspace}`, owner.token, {
      provider: 'resend',
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    });
    expect((await prove(owner, resend.json.connection_id, 'some-token-value')).status).toBe(400);
    expect((await prove(owner, randomUUID(), 'some-token-value')).status).toBe(404);
    expect(
      (
        await api(
          'POST',
          `/api/circuits/metrics/connections/${String(pending.connection_id)}/verify?workspaceId=${owner.workspace}`,
          owner.token,
          {},
        )
      ).status,
    ).toBe(400);
    // Another workspace's admin cannot prove (or probe) this workspace's connection.
    expect((await prove(squatter, pending.connection_id, apis.pageToken(page))).status).toBe(404);
    const listed = await api('GET', `/api/circuits/metrics/connections?workspaceId=${owner.workspace}`, owner.token);
    expect((listed.json.connections as Json[]).find((c) => c.connection_id === pending.connection_id)?.claim_status).toBe('pending');
  });

  it('?workspace_id= on a Meta delivery is honoured only for the single workspace; any other is ignored and the events are routed by account', async () => {
    const [page, stray] = [`9${uniqueDigits()}`, `9${uniqueDigits()}1`];
    const mine = await claim(owner, 'facebook', page);
    expect((await prove(owner, mine.connection_id, apis.pageToken(page))).status).toBe(200);
    const before = [await ledger(owner), await ledger(squatter)];
    // A captured, validly signed delivery re-posted at the squatter's workspace id.
    const captured = pageComments(page, 2);
    const replayed = await deliverMeta(captured, `&workspace_id=${squatter.workspace}`);
    expect(replayed.json).toMatchObject({ events_stored: 2, workspace_id: owner.workspace });
    const strayed = await deliverMeta(pageComments(stray, 2), `&workspace_id=${squatter.workspace}`);
    expect(strayed.json).toMatchObject({ events_stored: 0, unrouted_events: 2 });
    expect([await ledger(owner), await ledger(squatter)]).toEqual([before[0]! + 2, before[1]!]);
    // The server runs with METRICS_SINGLE_WORKSPACE_ID naming the seeded workspace: there, the URL decides.
    const dev = { token: await tokenFor(DEV_USER_ID), workspace: DEV_WORKSPACE_ID };
    const devBefore = await ledger(dev);
    expect((await deliverMeta(pageComments(stray, 1), `&workspace_id=${DEV_WORKSPACE_ID}`)).json).toMatchObject({
      events_stored: 1,
      workspace_id: DEV_WORKSPACE_ID,
    });
    expect(await ledger(dev)).toBe(devBefore + 1);
  });

  it('npm run connection:approve verifies a claim without a token; its events then land', { timeout: 180_000 }, async () => {
    const org = `urn:li:organization:${uniqueDigits()}`;
    const pending = await claim(owner, 'linkedin', org);
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        const env: NodeJS.ProcessEnv =
          kind === 'pglite'
            ? { ...process.env, DATABASE_URL: '', PGLITE_DATA_DIR: path.join(pglite, 'db'), NODE_ENV: 'development' }
            : { ...process.env, DATABASE_URL: app.testDb!.url ?? '' };
        execFile(TSX, ['scripts/connection-approve.ts', ...args], { timeout: 60_000, env }, (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
      });
    // PGlite is one process's database: the server steps aside while the operator runs the script.
    if (kind === 'pglite') await app.server.stop();
    const pendingList = await run(['--list']);
    const approved = await run(['--connection', String(pending.connection_id)]);
    const listedAfter = await run(['--list']);
    const unknown = await run(['--connection', randomUUID()]);
    const malformed = await run(['--connection', 'nope']);
    if (kind === 'pglite') app = await startApp(kind, appEnv());
    expect(pendingList.code, pendingList.stderr).toBe(0);
    expect(pendingList.stdout).toContain(`${String(pending.connection_id)}\tlinkedin\t${org}\t${owner.workspace}\t`);
    expect(listedAfter.stdout).not.toContain(String(pending.connection_id));
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stderr).toContain(`Verified: linkedin ${org} now routes to workspace ${owner.workspace}`);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('nothing approved');
    expect(malformed.code).toBe(2);
    const listed = await api('GET', `/api/circuits/metrics/connections?workspaceId=${owner.workspace}`, owner.token);
    expect((listed.json.connections as Json[]).find((c) => c.connection_id === pending.connection_id)).toMatchObject({
      claim_status: 'verified',
      claim_method: 'operator',
    });
    const before = await ledger(owner);
    expect((await deliverLinkedIn(org)).json).toMatchObject({ events_stored: 1 });
    expect(await ledger(owner)).toBe(before + 1);
  });
});
