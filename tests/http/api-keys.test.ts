// Workspace API keys on the real server, PGlite and PostgreSQL: an admin creates one (the secret
// answered once), programs call with `Authorization: Bearer dck_…`, each scope opens only its
// routes, a key never reaches another workspace, and a revoked or expired key is 401.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEV_USER_ID,
  DEV_WORKSPACE_ID,
  OTHER_USER_ID,
  OTHER_WORKSPACE_ID,
  joinByInvitation,
  startApp,
  tokenFor,
  type AppUnderTest,
} from '../helpers/app';
import { DATABASE_KINDS } from '../helpers/db';

type Json = Record<string, unknown>;

const AB_TEST = randomUUID();
const VARIANTS = [randomUUID(), randomUUID()] as const;

/** Every read route a `read` key may call (the decision, variants and export need a registered test). */
function readRoutes(workspace: string): string[] {
  const ws = `workspaceId=${workspace}`;
  return [
    `/api/circuits/metrics/rollups?${ws}`,
    `/api/circuits/metrics/summary?${ws}`,
    `/api/circuits/metrics/latest?${ws}`,
    `/api/circuits/metrics/health?${ws}`,
    `/api/circuits/metrics/ab-tests?${ws}`,
    `/api/circuits/metrics/variants?${ws}&abTestId=${AB_TEST}`,
    `/api/circuits/metrics/decision?${ws}&abTestId=${AB_TEST}`,
    `/api/circuits/metrics/ab-tests/export/variants?${ws}&abTestId=${AB_TEST}`,
    `/api/circuits/metrics/ab-tests/export/hourly?${ws}&abTestId=${AB_TEST}`,
    `/api/circuits/metrics/ab-tests/export/decision?${ws}&abTestId=${AB_TEST}`,
  ];
}

function attribution(objectId = `msg-${randomUUID()}`) {
  return {
    provider: 'sendgrid',
    provider_object_id: objectId,
    circuit_execution_id: 'exec-api-key',
    ab_test_id: AB_TEST,
    variant_id: VARIANTS[0],
    channel: 'email',
  };
}

function registration() {
  return {
    ab_test_id: AB_TEST,
    name: 'Registered by CX07 with an API key',
    primary_metric: 'unique_open_rate',
    started_at: '2026-11-01T09:00:00Z',
    variants: [
      { variant_id: VARIANTS[0], name: 'Control', is_control: true, weight: 1 },
      { variant_id: VARIANTS[1], name: 'Challenger', is_control: false, weight: 1 },
    ],
  };
}

describe.each(DATABASE_KINDS)('workspace API keys on %s', (kind) => {
  let app: AppUnderTest;
  let owner: string;
  let other: string;
  const keys: Record<'read' | 'write' | 'both' | 'otherRead', { id: string; key: string }> = {} as never;

  async function call(method: string, path: string, token: string, body?: unknown) {
    const response = await fetch(`${app.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let json: Json = {};
    try {
      json = JSON.parse(text) as Json;
    } catch {
      // CSV exports answer text.
    }
    return { status: response.status, json, text };
  }

  const keysPath = (workspace = DEV_WORKSPACE_ID) => `/api/workspaces/${workspace}/api-keys`;

  async function create(token: string, body: Json, workspace = DEV_WORKSPACE_ID) {
    const created = await call('POST', keysPath(workspace), token, body);
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    return created.json.api_key as { id: string; key: string; scopes: string[] };
  }

  beforeAll(async () => {
    app = await startApp(kind);
    owner = await tokenFor(DEV_USER_ID);
    other = await tokenFor(OTHER_USER_ID);
    keys.read = await create(owner, { name: 'CX09 reads', scopes: ['read'] });
    keys.write = await create(owner, { name: 'CX07 attribution', scopes: ['attribution:write'] });
    keys.both = await create(owner, { name: 'script', scopes: ['read', 'attribution:write'] });
    keys.otherRead = await create(other, { name: 'other workspace', scopes: ['read'] }, OTHER_WORKSPACE_ID);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('answers the secret once, as dck_<key id>_<secret>, and never again: the list has no secret', async () => {
    expect(keys.read.key).toMatch(new RegExp(`^dck_${keys.read.id.replaceAll('-', '')}_[A-Za-z0-9_-]{43}$`));
    const list = await call('GET', keysPath(), owner);
    expect(list.status).toBe(200);
    const listed = list.json.api_keys as Json[];
    expect(listed.map((k) => k.name)).toEqual(expect.arrayContaining(['CX09 reads', 'CX07 attribution', 'script']));
    expect(listed.find((k) => k.id === keys.read.id)).toMatchObject({
      scopes: ['read'],
      expires_at: null,
      revoked_at: null,
      created_by: DEV_USER_ID,
    });
    for (const key of Object.values(keys)) {
      expect(list.text).not.toContain(key.key.slice(37));
      expect(list.text).not.toContain(key.key);
    }
    expect(list.text).not.toContain('secret_hash');
    // The other workspace's key is not listed here.
    expect(listed.map((k) => k.id)).not.toContain(keys.otherRead.id);
  });

  it('a write key registers a test and attribution; a read key may not (403), a user session still may', async () => {
    const test = await call('POST', `/api/circuits/metrics/ab-tests?workspaceId=${DEV_WORKSPACE_ID}`, keys.write.key, registration());
    expect(test.status, JSON.stringify(test.json)).toBe(201);
    const mapped = await call('POST', `/api/circuits/metrics/attribution?workspaceId=${DEV_WORKSPACE_ID}`, keys.write.key, attribution());
    expect(mapped.status, JSON.stringify(mapped.json)).toBe(200);
    expect(mapped.json.count).toBe(1);
    for (const [path, body] of [
      [`/api/circuits/metrics/attribution?workspaceId=${DEV_WORKSPACE_ID}`, attribution()],
      [`/api/circuits/metrics/ab-tests?workspaceId=${DEV_WORKSPACE_ID}`, registration()],
    ] as const) {
      const refused = await call('POST', path, keys.read.key, body);
      expect(refused.status, path).toBe(403);
      expect(refused.json).toMatchObject({
        error: 'This API key lacks the attribution:write scope',
        code: 'insufficient_scope',
        required_scope: 'attribution:write',
      });
    }
    expect(
      (await call('POST', `/api/circuits/metrics/attribution?workspaceId=${DEV_WORKSPACE_ID}`, keys.both.key, attribution())).status,
    ).toBe(200);
  });

  it('a read key reads every read route; a write-only key is 403 on each', async () => {
    for (const path of readRoutes(DEV_WORKSPACE_ID)) {
      const read = await call('GET', path, keys.read.key);
      expect(read.status, `${path}: ${read.text.slice(0, 200)}`).toBe(200);
      expect((await call('GET', path, keys.both.key)).status, path).toBe(200);
      const refused = await call('GET', path, keys.write.key);
      expect(refused.status, path).toBe(403);
      expect(refused.json.required_scope, path).toBe('read');
    }
    // What the key reads is the workspace's: the test registered above, by name.
    const tests = await call('GET', `/api/circuits/metrics/ab-tests?workspaceId=${DEV_WORKSPACE_ID}`, keys.read.key);
    expect((tests.json.tests as Json[]).map((t) => t.name)).toContain('Registered by CX07 with an API key');
  });

  it("never reaches another workspace's data (403), whatever its scope", async () => {
    for (const path of readRoutes(OTHER_WORKSPACE_ID)) {
      const refused = await call('GET', path, keys.both.key);
      expect(refused.status, path).toBe(403);
      expect(refused.json.code, path).toBe('forbidden');
    }
    const write = await call('POST', `/api/circuits/metrics/attribution?workspaceId=${OTHER_WORKSPACE_ID}`, keys.both.key, attribution());
    expect(write.status).toBe(403);
    // The other workspace's own key reads it, and not ours.
    expect((await call('GET', `/api/circuits/metrics/rollups?workspaceId=${OTHER_WORKSPACE_ID}`, keys.otherRead.key)).status).toBe(200);
    expect((await call('GET', `/api/circuits/metrics/rollups?workspaceId=${DEV_WORKSPACE_ID}`, keys.otherRead.key)).status).toBe(403);
  });

  it('opens no route outside its scopes: admin routes, key management and the user routes are 403', async () => {
    for (const [method, path, body] of [
      ['GET', `/api/circuits/metrics/connections?workspaceId=${DEV_WORKSPACE_ID}`, undefined],
      ['GET', `/api/workspaces/${DEV_WORKSPACE_ID}/members`, undefined],
      ['GET', keysPath(), undefined],
      ['POST', keysPath(), { name: 'escalate', scopes: ['read'] }],
      ['DELETE', `${keysPath()}/${keys.read.id}`, undefined],
      ['GET', '/api/workspaces', undefined],
    ] as const) {
      const refused = await call(method, path, keys.both.key, body);
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.json.code, `${method} ${path}`).toBe('insufficient_scope');
    }
    expect((await call('GET', keysPath(), owner)).status).toBe(200);
  });

  it('401 for a wrong secret, an unknown key and a malformed one, with nothing of the key echoed', async () => {
    const wrongSecret = `${keys.read.key.slice(0, 37)}${'A'.repeat(43)}`;
    const unknown = `dck_${randomUUID().replaceAll('-', '')}_${keys.read.key.slice(37)}`;
    for (const token of [wrongSecret, unknown, 'dck_nonsense']) {
      const refused = await call('GET', `/api/circuits/metrics/rollups?workspaceId=${DEV_WORKSPACE_ID}`, token);
      expect(refused.status, token).toBe(401);
      expect(refused.json.code, token).toBe('unauthorized');
      expect(refused.text).not.toContain(keys.read.key.slice(37));
    }
  });

  it('a revoked key is 401 at once; revoking is admin work', async () => {
    const key = await create(owner, { name: 'to revoke', scopes: ['read'] });
    const rollups = `/api/circuits/metrics/rollups?workspaceId=${DEV_WORKSPACE_ID}`;
    expect((await call('GET', rollups, key.key)).status).toBe(200);
    const revoked = await call('DELETE', `${keysPath()}/${key.id}`, owner);
    expect(revoked.status).toBe(200);
    expect((revoked.json.api_key as Json).revoked_at).toEqual(expect.any(String));
    const refused = await call('GET', rollups, key.key);
    expect(refused.status).toBe(401);
    expect(refused.json.error).toBe('API key revoked');
    expect((await call('DELETE', `${keysPath()}/${randomUUID()}`, owner)).status).toBe(404);
    // Another workspace's admin cannot revoke it: not a member here.
    expect((await call('DELETE', `${keysPath()}/${keys.read.id}`, other)).status).toBe(403);
    const listed = (await call('GET', keysPath(), owner)).json.api_keys as Json[];
    expect(listed.find((k) => k.id === key.id)?.revoked_at).toEqual(expect.any(String));
    expect(listed.find((k) => k.id === keys.read.id)?.revoked_at).toBeNull();
  });

  it('an expired key is 401', async () => {
    const key = await create(owner, { name: 'short-lived', scopes: ['read'], expires_at: new Date(Date.now() + 1500).toISOString() });
    const rollups = `/api/circuits/metrics/rollups?workspaceId=${DEV_WORKSPACE_ID}`;
    expect((await call('GET', rollups, key.key)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1700));
    const refused = await call('GET', rollups, key.key);
    expect(refused.status).toBe(401);
    expect(refused.json.error).toBe('API key expired');
  });

  it('records when a key was last used (at most once a minute)', async () => {
    const key = await create(owner, { name: 'usage', scopes: ['read'] });
    const before = ((await call('GET', keysPath(), owner)).json.api_keys as Json[]).find((k) => k.id === key.id);
    expect(before?.last_used_at).toBeNull();
    await call('GET', `/api/circuits/metrics/rollups?workspaceId=${DEV_WORKSPACE_ID}`, key.key);
    const first = ((await call('GET', keysPath(), owner)).json.api_keys as Json[]).find((k) => k.id === key.id)?.last_used_at;
    expect(first).toEqual(expect.any(String));
    await call('GET', `/api/circuits/metrics/rollups?workspaceId=${DEV_WORKSPACE_ID}`, key.key);
    const second = ((await call('GET', keysPath(), owner)).json.api_keys as Json[]).find((k) => k.id === key.id)?.last_used_at;
    expect(second).toBe(first);
  });

  it('only admins and owners create or list keys: a viewer and a member are 403; bad input is 400', async () => {
    for (const role of ['viewer', 'member']) {
      const token = await joinByInvitation(app.url, owner, DEV_WORKSPACE_ID, role);
      expect((await call('POST', keysPath(), token, { name: 'mine', scopes: ['read'] })).status, role).toBe(403);
      expect((await call('GET', keysPath(), token)).status, role).toBe(403);
    }
    for (const body of [
      { name: 'x', scopes: ['admin'] },
      { name: 'x', scopes: [] },
      { name: '', scopes: ['read'] },
      { name: 'x', scopes: ['read'], expires_at: '2020-01-01T00:00:00Z' },
      { name: 'x', scopes: ['read'], secret: 'mine' },
    ]) {
      expect((await call('POST', keysPath(), owner, body)).status, JSON.stringify(body)).toBe(400);
    }
  });
});
