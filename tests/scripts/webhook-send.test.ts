// `npm run webhook:send` on both routing forms against the real server, PGlite and PostgreSQL:
// each email provider through its connection's URL, signed with that connection's own secret
// (given by environment variable, never on the command line); each social provider routed by the
// account named with --account; and what the tool prints is what the app did, checked against the
// workspace's ledger count.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSendGridKeyPair } from '../../tooling/signing';
import { startAccountApis, type AccountApis } from '../helpers/account-apis';
import { startApp, TEST_SECRETS, tokenFor, type AppUnderTest } from '../helpers/app';
import { DATABASE_KINDS } from '../helpers/db';

type Json = Record<string, unknown>;
const TSX = path.join(process.cwd(), 'node_modules', '.bin', 'tsx');

function webhookSend(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      ['scripts/webhook-send.ts', ...args],
      // The app's variables as a deployment has them: the tool signs social events with the app secret.
      { timeout: 60_000, env: { ...process.env, ...TEST_SECRETS, DATABASE_URL: '', ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe.each(DATABASE_KINDS)('webhook:send on %s', (kind) => {
  let app: AppUnderTest;
  let accountApis: AccountApis;
  let owner: string;
  let workspace: string;

  async function api(method: string, route: string, body?: unknown): Promise<{ status: number; json: Json }> {
    const response = await fetch(`${app.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${owner}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as Json };
  }
  const connect = async (input: Json): Promise<Json> => {
    const created = await api('POST', `/api/circuits/metrics/connections?workspaceId=${workspace}`, input);
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    return created.json;
  };
  const ledger = async (): Promise<number> =>
    ((await api('GET', `/api/circuits/metrics/health?workspaceId=${workspace}`)).json.ingestion as { total_events: number }).total_events;

  beforeAll(async () => {
    accountApis = await startAccountApis();
    app = await startApp(kind, accountApis.env);
    owner = await tokenFor(randomUUID());
    const created = await api('POST', '/api/workspaces', { name: 'Sender' });
    expect(created.status).toBe(201);
    workspace = String(created.json.workspace_id);
  });
  afterAll(async () => {
    await app?.stop();
    await accountApis?.close();
  });

  it("sends each email provider through its connection's URL, signed with the connection's own secret", async () => {
    const keys = generateSendGridKeyPair();
    const cases = [
      {
        provider: 'sendgrid',
        input: { provider: 'sendgrid', verification_key: keys.publicKey },
        secret: keys.privateKey,
        event: 'delivered',
      },
      {
        provider: 'resend',
        input: { provider: 'resend', secret: `whsec_${Buffer.from(randomUUID()).toString('base64')}` },
        event: 'email.opened',
      },
      { provider: 'mailgun', input: { provider: 'mailgun', secret: `key-${randomUUID()}` }, event: 'opened' },
    ];
    for (const c of cases) {
      const connection = await connect(c.input);
      const secret = c.secret ?? String((c.input as { secret: string }).secret);
      const before = await ledger();
      const sent = await webhookSend(
        [
          '--provider',
          c.provider,
          '--event',
          c.event,
          '--webhook-url',
          String(connection.webhook_url),
          '--secret-env',
          'SENDER_SECRET',
          '--url',
          app.url,
        ],
        { SENDER_SECRET: secret },
      );
      expect(sent.code, `${c.provider}: ${sent.stdout}${sent.stderr}`).toBe(0);
      expect(sent.stdout).toContain('← 202');
      expect(sent.stdout).toContain(`Stored in workspace ${workspace}`);
      expect(sent.stdout).not.toContain(secret.slice(0, 24));
      expect(await ledger()).toBe(before + 1);
    }
  });

  it('with a wrong secret, says nothing was counted and exits 1', async () => {
    const connection = await connect({ provider: 'mailgun', secret: `key-${randomUUID()}` });
    const before = await ledger();
    const sent = await webhookSend(
      ['--provider', 'mailgun', '--event', 'delivered', '--webhook-url', String(connection.webhook_url), '--secret-env', 'SENDER_SECRET'],
      { SENDER_SECRET: 'not-the-connections-key' },
    );
    expect(sent.code).toBe(1);
    expect(sent.stderr).toContain('Not recorded: the app answered 401. Nothing was counted.');
    expect(await ledger()).toBe(before);
  });

  it('routes each social provider by the account given, and says so when no connection routes it', async () => {
    const accounts = { facebook: `1${Date.now()}`, instagram: `178414${Date.now()}`, linkedin: `${Date.now()}` };
    const events = { facebook: 'reaction', instagram: 'comments', linkedin: 'LIKE' };
    for (const provider of ['facebook', 'instagram', 'linkedin'] as const) {
      const account = provider === 'linkedin' ? `urn:li:organization:${accounts.linkedin}` : accounts[provider];
      const connection = await connect({ provider, external_account_id: account });
      // Only a proven claim routes its account's events.
      const token =
        provider === 'linkedin'
          ? accountApis.linkedInAdminToken([account])
          : accountApis.pageToken(provider === 'facebook' ? account : `9${Date.now()}`, account);
      const proven = await api(
        'POST',
        `/api/circuits/metrics/connections/${String(connection.connection_id)}/verify?workspaceId=${workspace}`,
        {
          access_token: token,
        },
      );
      expect(proven.json.claim_status).toBe('verified');
      const url = `${app.url}/api/webhooks/metrics?provider=${provider}`;
      const before = await ledger();
      const routed = await webhookSend([
        '--provider',
        provider,
        '--event',
        events[provider],
        '--webhook-url',
        url,
        '--account',
        accounts[provider],
      ]);
      expect(routed.code, `${provider}: ${routed.stdout}${routed.stderr}`).toBe(0);
      expect(routed.stdout).toContain(`workspace ${workspace}`);
      expect(await ledger()).toBe(before + 1);

      const stranger = await webhookSend([
        '--provider',
        provider,
        '--event',
        events[provider],
        '--webhook-url',
        url,
        '--account',
        '999000111',
      ]);
      expect(stranger.code).toBe(1);
      expect(stranger.stderr).toContain('not stored: no verified connection in this deployment routes');
      expect(stranger.stdout).not.toMatch(/social_\w+ \+1/);
      expect(await ledger()).toBe(before + 1);
    }
  });

  it('refuses a connection URL for a social provider without --account, before sending anything', async () => {
    const sent = await webhookSend([
      '--provider',
      'facebook',
      '--event',
      'reaction',
      '--webhook-url',
      `${app.url}/api/webhooks/metrics?provider=facebook`,
    ]);
    expect(sent.code).toBe(2);
    expect(sent.stderr).toContain('--account is required with --webhook-url for facebook');
    expect(sent.stdout).not.toContain('→ POST');
  });
});
