// POST /api/circuits/metrics/connections/<id>/test on the real server, PGlite and PostgreSQL: each
// provider's test event is signed as that provider signs, verified by the webhook route, routed to
// this workspace (by URL or by account) and counted; what cannot be signed here is refused with
// the reason; only admins and owners may send one. (The Resend path is driven from the browser in
// tests/browser/settings.test.ts.)
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSendGridKeyPair } from '../../tooling/signing';
import { startAccountApis, type AccountApis } from '../helpers/account-apis';
import { joinByInvitation, startApp, tokenFor, type AppUnderTest } from '../helpers/app';
import { DATABASE_KINDS } from '../helpers/db';

type Json = Record<string, unknown>;

describe.each(DATABASE_KINDS)('connection test events on %s', (kind) => {
  let app: AppUnderTest;
  let accountApis: AccountApis;
  let owner: string;
  let workspace: string;

  async function api(method: string, path: string, token = owner, body?: unknown): Promise<{ status: number; json: Json }> {
    const response = await fetch(`${app.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as Json };
  }
  const connect = async (input: Json): Promise<string> => {
    const created = await api('POST', `/api/circuits/metrics/connections?workspaceId=${workspace}`, owner, input);
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    return String(created.json.connection_id);
  };
  const test = (id: string, token = owner) => api('POST', `/api/circuits/metrics/connections/${id}/test?workspaceId=${workspace}`, token);
  const ledger = async (): Promise<number> =>
    ((await api('GET', `/api/circuits/metrics/health?workspaceId=${workspace}`)).json.ingestion as { total_events: number }).total_events;

  beforeAll(async () => {
    // LinkedIn's app secret left unset: its test must say so instead of sending.
    accountApis = await startAccountApis();
    app = await startApp(kind, { LINKEDIN_WEBHOOK_SECRET: '', ...accountApis.env });
    owner = await tokenFor(randomUUID());
    const created = await api('POST', '/api/workspaces', owner, { name: 'Test events' });
    expect(created.status).toBe(201);
    workspace = String(created.json.workspace_id);
  });

  afterAll(async () => {
    await app?.stop();
    await accountApis?.close();
  });

  it('signs SendGrid (HMAC secret), Facebook and Instagram test events and counts each in this workspace', async () => {
    const cases = [
      { input: { provider: 'sendgrid', secret: `hmac-${randomUUID()}` }, event: 'delivered', signature: 'hmac-sha256' },
      { input: { provider: 'facebook', external_account_id: `1${Date.now()}` }, event: 'reaction', signature: 'x-hub-signature-256' },
      { input: { provider: 'instagram', external_account_id: `178414${Date.now()}` }, event: 'comments', signature: 'x-hub-signature-256' },
    ];
    for (const { input, event, signature } of cases) {
      const id = await connect(input);
      if (input.external_account_id) {
        // An account claim takes a test event only once proven.
        const token = accountApis.pageToken(
          input.provider === 'facebook' ? input.external_account_id : `9${Date.now()}`,
          input.external_account_id,
        );
        const proven = await api('POST', `/api/circuits/metrics/connections/${id}/verify?workspaceId=${workspace}`, owner, {
          access_token: token,
        });
        expect(proven.json.claim_status).toBe('verified');
      }
      const before = await ledger();
      const answer = await test(id);
      expect(answer.status, JSON.stringify(answer.json)).toBe(200);
      expect(answer.json).toMatchObject({ connection_id: id, provider: input.provider, event, delivered: true, webhook_status: 202 });
      expect(String(answer.json.signature)).toContain(signature);
      expect(answer.json.webhook_answer).toMatchObject({ success: true, workspace_id: workspace, events_stored: 1 });
      expect(await ledger()).toBe(before + 1);
      // URL-routed connections record the delivery; account-routed ones are found by account.
      const connection = answer.json.connection as Json;
      if (input.provider === 'sendgrid') expect(connection.last_delivery_at).not.toBeNull();
    }
  });

  it('refuses what cannot be signed here, with the reason, and sends nothing', async () => {
    const before = await ledger();
    const sendgridKey = await connect({ provider: 'sendgrid', verification_key: generateSendGridKeyPair().publicKey });
    const refused = await test(sendgridKey);
    expect(refused.status).toBe(409);
    expect(refused.json.error).toBe("SendGrid signs with its private key: use SendGrid's Test Your Integration");

    const linkedin = await connect({ provider: 'linkedin', external_account_id: `urn:li:organization:${Date.now()}` });
    const noSecret = await test(linkedin);
    expect(noSecret.status).toBe(409);
    expect(noSecret.json.error).toContain('LINKEDIN_WEBHOOK_SECRET');
    expect(await ledger()).toBe(before);

    expect((await test(randomUUID())).status).toBe(404);
  });

  it('is for admins and owners only', async () => {
    const memberToken = await joinByInvitation(app.url, owner, workspace, 'member');
    const id = await connect({ provider: 'sendgrid', secret: `hmac-${randomUUID()}` });
    const refused = await test(id, memberToken);
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ required_role: 'admin', role: 'member' });
    expect((await test(id, await tokenFor(randomUUID()))).status).toBe(403);
  });
});
