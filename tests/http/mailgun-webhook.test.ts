// Mailgun through the real webhook route (`next start`), on PGlite and PostgreSQL: a delivery
// signed with a connection's own signing key, posted to that connection's URL, counts once; the
// same signature block carrying other event-data is refused and stores nothing; another key is
// refused; single-workspace mode reads MAILGUN_WEBHOOK_SIGNING_KEY.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailgunSamples } from '../../src/lib/decision-circuits/metrics/providers/mailgun/samples';
import { mailgunSigner } from '../../src/lib/decision-circuits/metrics/providers/mailgun/signer';
import { DATABASE_KINDS } from '../helpers/db';
import { DEV_USER_ID, DEV_WORKSPACE_ID, startApp, tokenFor, type AppUnderTest } from '../helpers/app';

type Json = Record<string, unknown>;

const AB_TEST = '5d0b7c1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e';
const VARIANT = 'bbbb1111-2222-4333-8444-555566667777';
const ENV_KEY = `env-mailgun-key-${randomUUID()}`;

describe.each(DATABASE_KINDS)('Mailgun webhooks on %s', (kind) => {
  let app: AppUnderTest;
  let owner: string;
  let workspace: string;
  let webhookUrl: string;
  let connectionId: string;
  const signingKey = `mailgun-signing-key-${randomUUID()}`;

  async function api(method: string, path: string, body?: unknown, token = owner): Promise<{ status: number; json: Json }> {
    const response = await fetch(`${app.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as Json };
  }
  async function post(url: string, body: string): Promise<{ status: number; json: Json }> {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'mailgun' }, body });
    return { status: response.status, json: (await response.json()) as Json };
  }
  const ledger = async (ws = workspace, token = owner): Promise<number> =>
    ((await api('GET', `/api/circuits/metrics/health?workspaceId=${ws}`, undefined, token)).json.ingestion as { total_events: number })
      .total_events;
  const delivered = async (): Promise<number> => {
    const summary = await api('GET', `/api/circuits/metrics/summary?workspaceId=${workspace}&abTestId=${AB_TEST}&variantId=${VARIANT}`);
    expect(summary.status).toBe(200);
    return (summary.json.totals as Record<string, number>).email_delivered ?? 0;
  };
  /** A delivered event as Mailgun posts it now, signed with `key`. */
  function signedDelivery(key: string, seed: string): string {
    const sample = mailgunSamples.build('delivered', {
      seed,
      attribution: { circuit_execution_id: `exec-${seed}`, ab_test_id: AB_TEST, variant_id: VARIANT },
    });
    return mailgunSigner.sign({ body: sample.body, secret: key, timestampSeconds: Date.now() / 1000, deliveryId: null })!.body;
  }

  beforeAll(async () => {
    app = await startApp(kind, { MAILGUN_WEBHOOK_SIGNING_KEY: ENV_KEY });
    owner = await tokenFor(randomUUID());
    const created = await api('POST', '/api/workspaces', { name: 'Mailgun' });
    expect(created.status).toBe(201);
    workspace = String(created.json.workspace_id);
    const connection = await api('POST', `/api/circuits/metrics/connections?workspaceId=${workspace}`, {
      provider: 'mailgun',
      secret: signingKey,
    });
    expect(connection.status, JSON.stringify(connection.json)).toBe(201);
    connectionId = String(connection.json.connection_id);
    webhookUrl = String(connection.json.webhook_url).replace(/^https?:\/\/[^/]+/, app.url);
    expect(webhookUrl).toContain('/api/webhooks/metrics?connection=');
  });

  afterAll(async () => {
    await app?.stop();
  });

  it('counts a signed delivery to the connection URL once, Mailgun retrying it included', async () => {
    const body = signedDelivery(signingKey, `once-${kind}`);
    const first = await post(webhookUrl, body);
    expect(first.status, JSON.stringify(first.json)).toBe(202);
    expect(first.json).toMatchObject({ success: true, provider: 'mailgun', workspace_id: workspace, events_stored: 1 });
    expect(first.json.outcomes).toMatchObject({ applied: 1 });
    // Mailgun resends the identical request after an answer it did not take as a success.
    const retry = await post(webhookUrl, body);
    expect(retry.status).toBe(202);
    expect(retry.json).toMatchObject({ events_stored: 0 });
    expect(retry.json.outcomes).toMatchObject({ duplicate: 1 });
    expect(await ledger()).toBe(1);
    expect(await delivered()).toBe(1);
  });

  it('refuses a replayed signature block carrying other event-data (401) and stores nothing', async () => {
    const original = JSON.parse(signedDelivery(signingKey, `replay-${kind}`)) as { 'event-data': Json };
    expect((await post(webhookUrl, JSON.stringify(original))).status).toBe(202);
    const before = await ledger();
    const forged = { ...original, 'event-data': { ...original['event-data'], id: `forged-${randomUUID()}`, event: 'delivered' } };
    const replayed = await post(webhookUrl, JSON.stringify(forged));
    expect(replayed.status).toBe(401);
    expect(replayed.json).toMatchObject({ error: 'Signature verification failed: Replayed signature', code: 'signature_invalid' });
    expect(await ledger()).toBe(before);
    expect(await delivered()).toBe(2);
  });

  it('refuses a delivery signed with another key (401), stores nothing, and shows the failure on the connection', async () => {
    const before = await ledger();
    const wrong = await post(webhookUrl, signedDelivery(`not-${signingKey}`, `wrong-${kind}`));
    expect(wrong.status).toBe(401);
    // The same refusal, with the same code, as on the workspace URL.
    expect(wrong.json).toMatchObject({ error: 'Signature verification failed: Signature mismatch', code: 'signature_invalid' });
    expect(await ledger()).toBe(before);
    const list = await api('GET', `/api/circuits/metrics/connections?workspaceId=${workspace}`);
    const connection = (list.json.connections as Json[]).find((c) => c.provider === 'mailgun');
    expect(connection?.last_failure_reason).toBe('Signature mismatch');
  });

  it("sends the connection's test event signed with its own key, and counts it", async () => {
    const before = await ledger();
    const answer = await api('POST', `/api/circuits/metrics/connections/${connectionId}/test?workspaceId=${workspace}`);
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    expect(answer.json).toMatchObject({ provider: 'mailgun', event: 'delivered', delivered: true, webhook_status: 202 });
    expect(String(answer.json.signature)).toContain('hmac-sha256');
    expect(answer.json.webhook_answer).toMatchObject({ success: true, workspace_id: workspace, events_stored: 1 });
    expect(await ledger()).toBe(before + 1);
  });

  it('verifies single-workspace deliveries with MAILGUN_WEBHOOK_SIGNING_KEY', async () => {
    const devToken = await tokenFor(DEV_USER_ID);
    const url = `${app.url}/api/webhooks/metrics?provider=mailgun&workspace_id=${DEV_WORKSPACE_ID}`;
    const before = await ledger(DEV_WORKSPACE_ID, devToken);
    expect((await post(url, signedDelivery(ENV_KEY, `env-${kind}`))).status).toBe(202);
    expect((await post(url, signedDelivery(signingKey, `env-wrong-${kind}`))).status).toBe(401);
    expect(await ledger(DEV_WORKSPACE_ID, devToken)).toBe(before + 1);
  });
});
