// Provider connections in the database: secrets never stored in plaintext, keys rotatable by id,
// a ciphertext bound to its owner, and roles checked by the write functions themselves.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecretBoxKey } from '../../src/lib/crypto/secret-box';
import {
  createConnection,
  forgetCachedConnections,
  resolveConnectionByToken,
  type ConnectionView,
} from '../../src/lib/decision-circuits/metrics/tenancy/connections';
import { createWorkspace } from '../../src/lib/decision-circuits/metrics/tenancy/members';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';

const SECRET = 'whsec_c2VjcmV0LXRoYXQtbXVzdC1uZXZlci1iZS1zdG9yZWQ=';
const API_KEY = 're_live_api_key_that_must_never_be_stored_1234';

describe.each(DATABASE_KINDS)('provider connections on %s', (kind) => {
  let t: TestDatabase;
  let owner: string;
  let workspace: string;
  const k1 = generateSecretBoxKey('k1');
  const k2 = generateSecretBoxKey('k2');
  const env = (keys: string) => ({ METRICS_ENCRYPTION_KEYS: keys, NODE_ENV: 'production', DATABASE_URL: 'set' });
  const tokenOf = (view: ConnectionView) => new URL(view.webhook_url).searchParams.get('connection')!;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    owner = randomUUID();
    workspace = (await createWorkspace(owner, 'Acme', { db: t.db })).workspace_id;
  });
  afterAll(async () => {
    await t.drop();
  });

  it('stores secrets and API keys only as AES-256-GCM ciphertext: the raw row holds no plaintext', async () => {
    const view = await createConnection(
      owner,
      workspace,
      { provider: 'resend', secret: SECRET, api_key: API_KEY },
      { db: t.db, baseUrl: 'https://m.example', env: env(k1) },
    );
    const [raw] = await t.db.query<Record<string, unknown>>('select * from metrics_provider_connections where id = $1', [
      view.connection_id,
    ]);
    const text = JSON.stringify(raw);
    for (const plaintext of [SECRET, API_KEY, SECRET.slice(6, 30), API_KEY.slice(8, 30)]) expect(text).not.toContain(plaintext);
    expect(String(raw!.secret_ciphertext)).toMatch(/^v1\.k1\./);
    expect(String(raw!.api_key_ciphertext)).toMatch(/^v1\.k1\./);
    expect(view.fingerprint).toMatch(/^sha256:[0-9a-f]{12}$/);
    forgetCachedConnections();
    const resolved = await resolveConnectionByToken(tokenOf(view), { db: t.db, env: env(k1) });
    expect(resolved?.secrets.map((s) => s.value)).toEqual([SECRET]);
  });

  it('rotates the encryption key: old rows open with their key id, new rows use the new key', async () => {
    const old = await createConnection(
      owner,
      workspace,
      { provider: 'resend', secret: SECRET },
      { db: t.db, baseUrl: 'https://m.example', env: env(k1) },
    );
    const rotatedEnv = env(`${k2},${k1}`);
    const fresh = await createConnection(
      owner,
      workspace,
      { provider: 'resend', secret: SECRET },
      { db: t.db, baseUrl: 'https://m.example', env: rotatedEnv },
    );
    const [row] = await t.db.query<{ secret_ciphertext: string }>(
      'select secret_ciphertext from metrics_provider_connections where id = $1',
      [fresh.connection_id],
    );
    expect(row!.secret_ciphertext).toMatch(/^v1\.k2\./);
    forgetCachedConnections();
    for (const view of [old, fresh])
      expect((await resolveConnectionByToken(tokenOf(view), { db: t.db, env: rotatedEnv }))?.secrets[0]?.value).toBe(SECRET);
    forgetCachedConnections();
    // Without the old key the old row cannot be opened, and says which key it needs.
    await expect(resolveConnectionByToken(tokenOf(old), { db: t.db, env: env(k2) })).rejects.toThrow(/"k1" is not configured/);
  });

  it("a ciphertext copied into another workspace's connection does not open there", async () => {
    const otherOwner = randomUUID();
    const other = (await createWorkspace(otherOwner, 'Globex', { db: t.db })).workspace_id;
    const mine = await createConnection(
      owner,
      workspace,
      { provider: 'resend', secret: SECRET },
      { db: t.db, baseUrl: 'https://m.example', env: env(k1) },
    );
    const theirs = await createConnection(
      otherOwner,
      other,
      { provider: 'resend', secret: 'whsec_b3RoZXItc2VjcmV0LW9mLWFub3RoZXItd29ya3NwYWNl' },
      { db: t.db, baseUrl: 'https://m.example', env: env(k1) },
    );
    await t.db.query(
      'update metrics_provider_connections set secret_ciphertext = (select secret_ciphertext from metrics_provider_connections where id = $1) where id = $2',
      [mine.connection_id, theirs.connection_id],
    );
    forgetCachedConnections();
    await expect(resolveConnectionByToken(tokenOf(theirs), { db: t.db, env: env(k1) })).rejects.toThrow();
  });

  it("the write functions check the actor's role themselves: a viewer or a stranger cannot create a connection, even by calling SQL", async () => {
    const viewer = randomUUID();
    // Added directly, as the operator's command line does (in the app, people join by invitation).
    await t.db.query('select metrics_operator_set_member($1, $2, $3)', [workspace, viewer, 'viewer']);
    for (const actor of [viewer, randomUUID()]) {
      const attempt = t.db.query(`select metrics_connection_create($1, $2, 'linkedin', $3, null, null, null, null, null)`, [
        actor,
        workspace,
        `urn:li:organization:${randomUUID()}`,
      ]);
      await expect(attempt).rejects.toMatchObject({ code: '42501' });
    }
    const [count] = await t.db.query<{ n: number }>(
      `select count(*)::int as n from metrics_provider_connections where provider = 'linkedin'`,
    );
    expect(count!.n).toBe(0);
  });

  it('account claims: many pending, at most one verified even when proofs race; a viewer cannot verify one by calling SQL', async () => {
    const page = `5${Date.now()}`;
    const claims: string[] = [];
    for (const name of ['A', 'B', 'C', 'D']) {
      const ownerOf = randomUUID();
      const ws = (await createWorkspace(ownerOf, name, { db: t.db })).workspace_id;
      const view = await createConnection(
        ownerOf,
        ws,
        { provider: 'facebook', external_account_id: page },
        { db: t.db, baseUrl: 'https://m.example', env: env(k1) },
      );
      expect(view.claim_status).toBe('pending');
      claims.push(view.connection_id);
    }
    // Four proofs at once (separate connections on PostgreSQL): each wins in turn, one is left verified.
    await Promise.all(claims.map((id) => t.db.query('select metrics_operator_approve_claim($1)', [id])));
    const rows = await t.db.query<{ claim_status: string }>(
      'select claim_status from metrics_provider_connections where external_account_id = $1',
      [page],
    );
    expect(rows.map((r) => r.claim_status).sort()).toEqual(['pending', 'pending', 'pending', 'verified']);
    // A direct second verified row is refused by the unique index.
    await expect(
      t.db.query(
        `update metrics_provider_connections set claim_status = 'verified', claim_method = 'operator', claim_verified_at = now()
         where external_account_id = $1 and claim_status = 'pending'`,
        [page],
      ),
    ).rejects.toMatchObject({ code: '23505' });

    const viewer = randomUUID();
    // Added directly, as the operator's command line does (in the app, people join by invitation).
    await t.db.query('select metrics_operator_set_member($1, $2, $3)', [workspace, viewer, 'viewer']);
    const mine = await createConnection(
      owner,
      workspace,
      { provider: 'facebook', external_account_id: page },
      { db: t.db, baseUrl: 'https://m.example', env: env(k1) },
    );
    await expect(
      t.db.query(`select metrics_connection_verify_claim($1, $2, $3, 'meta_page_token')`, [viewer, workspace, mine.connection_id]),
    ).rejects.toMatchObject({ code: '42501' });
    const [still] = await t.db.query<{ claim_status: string }>('select claim_status from metrics_provider_connections where id = $1', [
      mine.connection_id,
    ]);
    expect(still!.claim_status).toBe('pending');
  });
});
