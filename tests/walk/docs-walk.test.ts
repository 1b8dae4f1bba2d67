// The fresh-clone walk: every `bash` block of README.md, docs/deploy.md, docs/providers.md,
// docs/operations.md and docs/try-it.md runs as written, in order, from a fresh clone, against
// `next start` on a fresh Supabase-like PostgreSQL database reached through PgBouncer in
// transaction mode, as an operator following the docs would. It ends with one counted event per
// provider in the rollups API and on the dashboard (real Chromium, signed in as the member the
// docs add). A block that fails, a placeholder a reader could not run, or a documented step gone
// missing fails the walk; blocks marked `<!-- not walked: … -->` are listed with their reason.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAccessToken } from '../../tooling/auth/tokens';
import { CHROMIUM, NO_BROWSER, WIDE, openChromium, text, type OpenBrowser } from '../browser/chromium';
import { startAccountApis, type AccountApis } from '../helpers/account-apis';
import { TEST_SECRETS, freePort, startServer, type TestServer } from '../helpers/server';
import { startFakeSupabaseAuth, type FakeSupabaseAuth } from '../helpers/supabase-auth';
import { REQUIRED_STEPS, walkedDocBlocks, where, type DocBlock } from './doc-blocks';
import { createFreshDatabase, freshClone, startPooler, walkUnavailable, type Clone, type FreshDatabase, type Pooler } from './stand-ins';
import { expectedOutput, missingOutput, runBlock, suppliedNames, type BlockRun } from './walk-shell';

const ROOT = process.cwd();
const UNAVAILABLE = walkUnavailable() ?? (NO_BROWSER ? `${CHROMIUM} is missing` : null);
const SKIPPED = UNAVAILABLE ? ` (skipped: ${UNAVAILABLE})` : '';

const PROVIDERS = ['sendgrid', 'resend', 'mailgun', 'facebook', 'instagram', 'linkedin'] as const;
/** The member deploy.md §3 adds, who then reads the dashboard. */
const MEMBER_EMAIL = 'teammate@company.com';
const MEMBER_PASSWORD = `walk-${randomBytes(6).toString('hex')}`;
const BLOCK_TIMEOUT_MS = 240_000;

describe.skipIf(UNAVAILABLE !== null)(`the documented steps, walked from a fresh clone${SKIPPED}`, () => {
  const blocks: DocBlock[] = UNAVAILABLE ? [] : walkedDocBlocks(ROOT);
  let database: FreshDatabase;
  let pooler: Pooler;
  let server: TestServer;
  let auth: FakeSupabaseAuth;
  let accountApis: AccountApis;
  let clone: Clone;
  let appUrl = '';
  const runs: BlockRun[] = [];
  /** The environment the last block left: the reader's shell after the walk. */
  let shell: Record<string, string> = {};

  // What the reader brings: their deployment's address, the secrets they paste, their accounts.
  const sendgridOwnKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
  const readerValues: Record<string, string> = {
    RESEND_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
    MAILGUN_SIGNING_KEY: `key-${randomBytes(16).toString('hex')}`,
    SENDGRID_VERIFICATION_KEY: sendgridOwnKey.toString('base64'),
    FACEBOOK_PAGE_ID: '104857600000001',
    INSTAGRAM_ACCOUNT_ID: '17841400000000001',
    LINKEDIN_ORGANIZATION_ID: '90000001',
    FACEBOOK_WEBHOOK_SECRET: TEST_SECRETS.FACEBOOK_WEBHOOK_SECRET,
    INSTAGRAM_WEBHOOK_SECRET: TEST_SECRETS.INSTAGRAM_WEBHOOK_SECRET,
    LINKEDIN_WEBHOOK_SECRET: TEST_SECRETS.LINKEDIN_WEBHOOK_SECRET,
    CRON_SECRET: TEST_SECRETS.CRON_SECRET,
  };

  /** The owner of the workspace the reader's shell names ($WS), as Supabase Auth would sign them in. */
  async function ownerToken(env: Record<string, string>): Promise<string> {
    if (!env.WS) throw new Error('the reader needs an access token before any workspace exists ($WS is unset)');
    const [owner] = await database.sql<{ user_id: string }[]>`
      select user_id from workspace_members where workspace_id = ${env.WS} and role = 'owner' limit 1`;
    if (!owner) throw new Error(`workspace ${env.WS} has no owner`);
    const email = [...database.users].find(([, id]) => id === owner.user_id)?.[0];
    return mintAccessToken({ sub: owner.user_id, ...(email ? { email } : {}) }, { secret: TEST_SECRETS.SUPABASE_JWT_SECRET });
  }

  /** What the reader does in the dashboard (Settings → Connections) before a step that needs its result. */
  async function connectionOf(
    env: Record<string, string>,
    provider: string,
    body: Record<string, string>,
  ): Promise<Record<string, unknown>> {
    const token = await ownerToken(env);
    const listed = await fetch(`${appUrl}/api/circuits/metrics/connections?workspaceId=${env.WS}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const { connections } = (await listed.json()) as { connections: Record<string, unknown>[] };
    const existing = connections.find((c) => c.provider === provider);
    if (existing) return existing;
    const created = await fetch(`${appUrl}/api/circuits/metrics/connections?workspaceId=${env.WS}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ provider, ...body }),
    });
    const json = (await created.json()) as Record<string, unknown>;
    if (created.status !== 201) throw new Error(`creating the ${provider} connection answered ${created.status}: ${JSON.stringify(json)}`);
    return json;
  }

  /** A test key pair of the reader's, its public half set on the workspace's SendGrid connection (Settings → Rotate). */
  async function sendgridTestKeyFile(env: Record<string, string>): Promise<string> {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const file = path.join(clone.dir, '..', `${path.basename(clone.dir)}-sendgrid-test-key.pem`);
    writeFileSync(file, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const connection = await connectionOf(env, 'sendgrid', { verification_key: readerValues.SENDGRID_VERIFICATION_KEY! });
    const rotated = await fetch(
      `${appUrl}/api/circuits/metrics/connections/${String(connection.connection_id)}/rotate?workspaceId=${env.WS}`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${await ownerToken(env)}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          verification_key: pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
          overlap_hours: 0,
        }),
      },
    );
    if (!rotated.ok) throw new Error(`setting the SendGrid test key answered ${rotated.status}: ${await rotated.text()}`);
    return file;
  }

  /** The value the reader supplies for a variable the docs ask for (a prompt or a `<placeholder>` line). */
  async function supply(name: string, env: Record<string, string>): Promise<string> {
    if (name in readerValues) return readerValues[name]!;
    switch (name) {
      case 'DIRECT_URL':
        return database.directUrl;
      case 'APP_URL':
        return appUrl;
      case 'TOKEN':
        return ownerToken(env);
      case 'RESEND_URL':
        return String((await connectionOf(env, 'resend', { secret: env.RESEND_SECRET ?? readerValues.RESEND_SECRET! })).webhook_url);
      case 'MAILGUN_URL':
        return String(
          (await connectionOf(env, 'mailgun', { secret: env.MAILGUN_SIGNING_KEY ?? readerValues.MAILGUN_SIGNING_KEY! })).webhook_url,
        );
      case 'SENDGRID_URL':
        return String((await connectionOf(env, 'sendgrid', { verification_key: readerValues.SENDGRID_VERIFICATION_KEY! })).webhook_url);
      case 'SENDGRID_KEY_FILE':
        return sendgridTestKeyFile(env);
      case 'CONNECTION':
        return String((await connectionOf(env, 'facebook', { external_account_id: readerValues.FACEBOOK_PAGE_ID! })).connection_id);
      case 'PAGE_TOKEN':
        return accountApis.pageToken(env.FACEBOOK_PAGE_ID ?? readerValues.FACEBOOK_PAGE_ID!);
      default:
        throw new Error(`the docs ask the reader for $${name}, and the walk has no value for it: add it to the walk's reader values`);
    }
  }

  beforeAll(async () => {
    const base = process.env.TEST_DATABASE_URL!;
    const emails = [...new Set(blocks.flatMap((b) => b.code.match(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g) ?? []))];
    database = await createFreshDatabase(base, emails);
    pooler = await startPooler(base, database.name);
    const memberId = database.users.get(MEMBER_EMAIL);
    if (!memberId) throw new Error(`the docs no longer add ${MEMBER_EMAIL}, who reads the dashboard at the end`);
    auth = await startFakeSupabaseAuth({ id: memberId, email: MEMBER_EMAIL, password: MEMBER_PASSWORD });
    accountApis = await startAccountApis();
    const port = await freePort();
    appUrl = `http://127.0.0.1:${port}`;
    // The deployment as deploy.md §4 configures it: the pooler, Supabase Auth, the app secrets.
    server = await startServer(
      {
        DATABASE_URL: pooler.url,
        SUPABASE_URL: auth.url,
        SUPABASE_ANON_KEY: 'walk-anon-key',
        METRICS_PUBLIC_URL: appUrl,
        ...accountApis.env,
      },
      { port },
    );
    clone = freshClone(ROOT);
  });

  afterAll(async () => {
    await server?.stop();
    pooler?.stop();
    await database?.drop();
    await auth?.close();
    await accountApis?.close();
    if (clone) rmSync(path.join(clone.dir, '..', `${path.basename(clone.dir)}-sendgrid-test-key.pem`), { force: true });
    clone?.remove();
  });

  it('runs every documented command as written, and lists what it cannot run', { timeout: 900_000 }, async () => {
    // A reader's terminal: their PATH and home, nothing of the test runner's environment.
    shell = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? clone.dir,
      LANG: 'C.UTF-8',
      NEXT_TELEMETRY_DISABLED: '1',
      npm_config_update_notifier: 'false',
    };
    const notWalked: string[] = [];
    for (const block of blocks) {
      if (block.notWalked) {
        notWalked.push(`${where(block)}: ${block.notWalked}`);
        continue;
      }
      for (const name of suppliedNames(block)) shell[name] = await supply(name, shell);
      const run = await runBlock(block, { cwd: clone.dir, env: shell, timeoutMs: BLOCK_TIMEOUT_MS });
      runs.push(run);
      expect(
        run.status,
        `${where(block)} exited ${run.status} (${run.ms} ms):\n${run.output}\n--- server log tail:\n${server.logs().slice(-3000)}`,
      ).toBe(0);
      const missing = missingOutput(expectedOutput(block), run.output);
      expect(missing, `${where(block)} did not print what its "# ←" comments say:\n${run.output}`).toEqual([]);
      shell = run.env;
    }
    console.info(
      [
        `Walked ${runs.length} blocks (${runs.reduce((n, r) => n + r.ms, 0)} ms):`,
        ...runs.map((r) => `  ${where(r.block)}${r.block.step ? ` [${r.block.step}]` : ''} ${r.ms} ms`),
        `Not walked (${notWalked.length}):`,
        ...notWalked.map((line) => `  ${line}`),
      ].join('\n'),
    );
  });

  it('finds every step a deployment needs documented', () => {
    const steps = new Set<string | null>(blocks.filter((b) => !b.notWalked).map((b) => b.step));
    expect(
      REQUIRED_STEPS.filter((step) => !steps.has(step)),
      'documented steps missing (<!-- walk: name --> before their block)',
    ).toEqual([]);
  });

  it('ends with one counted event per provider in the rollups API', async () => {
    expect(shell.WS && shell.TEST, 'the walk left no workspace and test in the shell').toBeTruthy();
    const token = await ownerToken(shell);
    const response = await fetch(`${appUrl}/api/circuits/metrics/rollups?workspaceId=${shell.WS}&abTestId=${shell.TEST}&limit=500`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    const { rollups } = (await response.json()) as { rollups: Record<string, number | string>[] };
    for (const provider of PROVIDERS) {
      const rows = rollups.filter((r) => r.circuit_execution_id === `deploy-check-${provider}`);
      const total = (key: string) => rows.reduce((n, r) => n + Number(r[key] ?? 0), 0);
      const counted =
        provider === 'facebook' || provider === 'linkedin'
          ? total('social_likes')
          : provider === 'instagram'
            ? total('social_comments')
            : total('email_delivered');
      expect(counted, `${provider}: ${JSON.stringify(rows)}`).toBe(1);
    }
  });

  describe('on the dashboard, signed in as the member the docs add', () => {
    let browser: OpenBrowser;
    beforeAll(async () => {
      browser = await openChromium({ viewport: WIDE });
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('shows the test with every provider counted, and every provider on Operations', async () => {
      const { page, problems } = browser;
      await page.goto(`${appUrl}/sign-in`);
      await page.fill('#email', MEMBER_EMAIL);
      await page.fill('#password', MEMBER_PASSWORD);
      await Promise.all([page.waitForURL(/\/dashboard/), page.getByRole('button', { name: 'Sign in', exact: true }).click()]);
      expect(await text(page, '[data-testid="signed-in-as"]')).toBe(MEMBER_EMAIL);

      await page.goto(`${appUrl}/dashboard/ab-tests?workspaceId=${shell.WS}&abTestId=${shell.TEST}`);
      const cell = (channel: string, column: string) =>
        text(page, `[data-testid="variant-table-${channel}"] [data-variant="${shell.VARIANT}"] [data-col="${column}"]`);
      expect(await cell('email', 'email_delivered')).toBe('3');
      expect(await cell('social', 'social_likes')).toBe('2');
      expect(await cell('social', 'social_comments')).toBe('1');

      await page.goto(`${appUrl}/dashboard/operations?workspaceId=${shell.WS}`);
      for (const provider of PROVIDERS) {
        const total = await text(page, `[data-testid="ingestion-table"] [data-provider="${provider}"] [data-col="total_events"]`);
        expect(Number(total.replace(/,/g, '')), `${provider} on Operations`).toBeGreaterThanOrEqual(1);
      }
      expect(problems).toEqual([]);
    });
  });
});
