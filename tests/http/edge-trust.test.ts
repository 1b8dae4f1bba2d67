// Trust at the edges, on the real server with PGlite and PostgreSQL: a SendGrid verification key
// must be a P-256 public key (400 otherwise, nothing stored) and is never used as an HMAC secret;
// a malformed METRICS_ENCRYPTION_KEYS is named by /api/ready and answered 503 by connection routes;
// workspace health shows the workspace's own numbers only, the deployment-wide unrouted count is
// the operator's scrape.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSendGridKeyPair, signMeta, signSendGridEcdsa, signSendGridHmac } from '../../tooling/signing';
import { TEST_SECRETS, startApp, tokenFor, type AppUnderTest } from '../helpers/app';
import { DATABASE_KINDS } from '../helpers/db';

type Json = Record<string, unknown>;

const SCRAPE_TOKEN = `scrape-${randomUUID()}`;
/** A well-formed public key on the wrong curve (P-384), base64 DER SPKI. */
const P384_KEY = generateKeyPairSync('ec', {
  namedCurve: 'secp384r1',
  publicKeyEncoding: { type: 'spki', format: 'der' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
}).publicKey.toString('base64');

async function call(base: string, method: string, route: string, token: string | null, body?: unknown) {
  const response = await fetch(`${base}${route}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, json: (text.startsWith('{') ? JSON.parse(text) : {}) as Json };
}

function sendgridBatch(): string {
  return JSON.stringify([
    {
      email: 'x@example.com',
      event: 'delivered',
      sg_event_id: `sg-${randomUUID()}`,
      sg_message_id: `m-${randomUUID()}.filter`,
      timestamp: Math.floor(Date.now() / 1000) - 30,
    },
  ]);
}

describe.each(DATABASE_KINDS)('trust at the edges on %s', (kind) => {
  let app: AppUnderTest;
  let token: string;
  let workspace: string;

  const connections = async (): Promise<Json[]> =>
    (await call(app.url, 'GET', `/api/circuits/metrics/connections?workspaceId=${workspace}`, token)).json.connections as Json[];
  const connect = (body: Json) => call(app.url, 'POST', `/api/circuits/metrics/connections?workspaceId=${workspace}`, token, body);
  const local = (url: unknown) => String(url).replace(/^https?:\/\/[^/]+/, app.url);
  const deliver = async (url: string, body: string, headers: Record<string, string>) =>
    (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })).status;

  beforeAll(async () => {
    app = await startApp(kind, { METRICS_SCRAPE_TOKEN: SCRAPE_TOKEN });
    token = await tokenFor(randomUUID());
    const created = await call(app.url, 'POST', '/api/workspaces', token, { name: 'Edges' });
    expect(created.status).toBe(201);
    workspace = String(created.json.workspace_id);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('refuses a SendGrid verification_key that is not a P-256 public key (400 with the reason) and stores nothing', async () => {
    for (const [field, value] of [
      ['verification_key', 'this-is-not-a-public-key-at-all'],
      ['verification_key', P384_KEY],
      ['verification_key', `${generateSendGridKeyPair().publicKey.slice(0, 60)}AAAA`],
      ['secret', `MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE${'A'.repeat(20)}`],
      ['secret', '-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----'],
    ] as const) {
      const answer = await connect({ provider: 'sendgrid', [field]: value });
      expect(answer.status, `${field}=${value.slice(0, 30)}: ${answer.text}`).toBe(400);
      expect(answer.text).toContain('is not a P-256 public key');
      expect(answer.text).toContain(field);
    }
    expect(await connections()).toEqual([]);
  });

  it('stores the kind: a key verifies only ECDSA signatures, an HMAC secret only HMAC ones', async () => {
    const keys = generateSendGridKeyPair();
    const keyed = await connect({ provider: 'sendgrid', verification_key: keys.publicKey });
    expect(keyed.status, keyed.text).toBe(201);
    const hmacSecret = `sendgrid-hmac-${randomUUID()}`;
    const hmac = await connect({ provider: 'sendgrid', secret: hmacSecret });
    expect(hmac.status, hmac.text).toBe(201);
    const keyUrl = local(keyed.json.webhook_url);
    const hmacUrl = local(hmac.json.webhook_url);

    let body = sendgridBatch();
    expect(await deliver(keyUrl, body, signSendGridEcdsa({ privateKey: keys.privateKey, body }))).toBe(202);
    // The public key is public: an HMAC made with its text must never pass for a signature.
    body = sendgridBatch();
    expect(await deliver(keyUrl, body, signSendGridHmac({ secret: keys.publicKey, body }))).toBe(401);
    body = sendgridBatch();
    expect(await deliver(hmacUrl, body, signSendGridHmac({ secret: hmacSecret, body }))).toBe(202);

    if (app.testDb) {
      const rows = await app.testDb.db.query<{ id: string; secret_kind: string }>(
        'select id, secret_kind from metrics_provider_connections where workspace_id = $1',
        [workspace],
      );
      const kinds = Object.fromEntries(rows.map((r) => [r.id, r.secret_kind]));
      expect(kinds).toEqual({
        [String(keyed.json.connection_id)]: 'ecdsa_p256_public_key',
        [String(hmac.json.connection_id)]: 'hmac_secret',
      });
    }

    // Rotation checks the same way: a bad key is 400 and changes nothing.
    const before = await connections();
    const rotated = await call(
      app.url,
      'POST',
      `/api/circuits/metrics/connections/${String(keyed.json.connection_id)}/rotate?workspaceId=${workspace}`,
      token,
      { verification_key: P384_KEY },
    );
    expect(rotated.status, rotated.text).toBe(400);
    expect(rotated.json.error).toContain('is not a P-256 public key');
    expect(await connections()).toEqual(before);
    body = sendgridBatch();
    expect(await deliver(keyUrl, body, signSendGridEcdsa({ privateKey: keys.privateKey, body }))).toBe(202);
  });

  it("shows a workspace's health without other tenants' unrouted events; the operator's scrape has them", async () => {
    const stranger = `9${Date.now()}`;
    const body = JSON.stringify({
      object: 'page',
      entry: [
        {
          id: stranger,
          time: Math.floor(Date.now() / 1000),
          changes: [
            {
              field: 'feed',
              value: {
                item: 'comment',
                verb: 'add',
                post_id: `${stranger}_1`,
                comment_id: `${stranger}_${randomUUID().slice(0, 8)}`,
                from: { id: '7', name: 'E' },
                created_time: Math.floor(Date.now() / 1000) - 30,
                message: 'hi',
              },
            },
          ],
        },
      ],
    });
    const answer = await fetch(`${app.url}/api/webhooks/metrics?provider=facebook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signMeta({ appSecret: TEST_SECRETS.FACEBOOK_WEBHOOK_SECRET, body }) },
      body,
    });
    expect(answer.status).toBe(202);
    const health = await call(app.url, 'GET', `/api/circuits/metrics/health?workspaceId=${workspace}`, token);
    expect(health.status).toBe(200);
    expect(health.json).not.toHaveProperty('unrouted_events');
    expect(health.text).not.toContain('unrouted');
    const scrape = await call(app.url, 'GET', '/api/metrics', SCRAPE_TOKEN);
    expect(scrape.status).toBe(200);
    const line = scrape.text.split('\n').find((l) => l.startsWith('metrics_engine_unrouted_events{provider="facebook"}'));
    expect(Number(line?.split(' ').at(-1))).toBeGreaterThanOrEqual(1);
  });
});

describe.each(DATABASE_KINDS)('a malformed METRICS_ENCRYPTION_KEYS on %s', (kind) => {
  let app: AppUnderTest;
  // Well-formed id, key material 5 bytes long: the message may name the id, never the material.
  const MATERIAL = 'c2hvcnQ=';

  beforeAll(async () => {
    app = await startApp(kind, { METRICS_ENCRYPTION_KEYS: `k9:${MATERIAL}` });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('is named by /api/ready (503) and at start-up, without key material', async () => {
    const ready = await call(app.url, 'GET', '/api/ready', null);
    expect(ready.status).toBe(503);
    expect(ready.json.status).toBe('not_ready');
    expect(ready.json.problems).toEqual([
      expect.stringMatching(/^encryption_keys_malformed: METRICS_ENCRYPTION_KEYS: key "k9" is not 32 bytes$/),
    ]);
    expect(ready.text).not.toContain(MATERIAL);
    const startup = app.server
      .logs()
      .split('\n')
      .find((line) => line.includes('encryption_keys_malformed'));
    expect(startup).toBeDefined();
    expect(startup).toContain('METRICS_ENCRYPTION_KEYS');
    expect(startup).not.toContain(MATERIAL);
  });

  it('makes connection routes answer 503 with the reason, not 500, and store nothing', async () => {
    const token = await tokenFor(randomUUID());
    const created = await call(app.url, 'POST', '/api/workspaces', token, { name: 'Keys' });
    expect(created.status).toBe(201);
    const workspace = String(created.json.workspace_id);
    const answer = await call(app.url, 'POST', `/api/circuits/metrics/connections?workspaceId=${workspace}`, token, {
      provider: 'resend',
      secret: `whsec_${Buffer.from(randomUUID()).toString('base64')}`,
    });
    expect(answer.status, answer.text).toBe(503);
    expect(answer.json).toMatchObject({ code: 'encryption_keys_malformed', reason: 'encryption_keys_malformed' });
    expect(String(answer.json.error)).toContain('METRICS_ENCRYPTION_KEYS');
    expect(answer.text).not.toContain(MATERIAL);
    const listed = await call(app.url, 'GET', `/api/circuits/metrics/connections?workspaceId=${workspace}`, token);
    expect(listed.status).toBe(200);
    expect(listed.json.connections).toEqual([]);
  });
});
