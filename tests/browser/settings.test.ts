// The settings page in real Chromium against the real server: create a workspace, add a Resend
// connection, copy its URL, send it a test event and see it counted, rotate and remove it; add a
// member and change their role; a viewer sees everything read-only and the API refuses them; axe
// finds no serious or critical violation. Screenshots as in the dashboard suite.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_SESSION_COOKIE } from '../../src/lib/auth/request-auth';
import { DEV_USER_EMAIL } from '../../src/lib/db';
import { DATABASE_KINDS } from '../helpers/db';
import { startAccountApis, type AccountApis } from '../helpers/account-apis';
import { DEV_USER_ID, startApp, tokenFor, type AppUnderTest } from '../helpers/app';
import { CHROMIUM, CHROMIUM_ARGS, NO_BROWSER, SCREENSHOT_DIR, SKIPPED, WIDE, screenshots, text } from './chromium';

const AXE_SOURCE: string = (createRequire(import.meta.url)('axe-core') as { source: string }).source;
const UTC_MINUTE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/;

const whsec = () => `whsec_${randomBytes(24).toString('base64')}`;

/** Serious and critical axe findings on the page as it is now, as readable lines. */
async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: () => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }> };
      }
    ).axe;
    const result = await axe.run();
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => JSON.stringify(n.target)),
    }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.targets.join(', ')}`);
}

describe.skipIf(NO_BROWSER).each(DATABASE_KINDS)(`settings in Chromium on %s${SKIPPED}`, (kind) => {
  const shoot = kind === 'pglite';
  const viewerId = randomUUID();
  const viewerEmail = `viewer-${viewerId.slice(0, 8)}@example.com`;
  let app: AppUnderTest;
  let accountApis: AccountApis;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  let ownerToken: string;
  let workspaceId = '';
  const consoleErrors: string[] = [];
  const failedResponses: string[] = [];

  /** The REST API as the workspace's owner (Bearer), to check what the page did. */
  async function api(
    method: string,
    route: string,
    token = ownerToken,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${app.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function totalEvents(): Promise<number> {
    const health = await api('GET', `/api/circuits/metrics/health?workspaceId=${workspaceId}`);
    expect(health.status).toBe(200);
    return (health.body.ingestion as { total_events: number }).total_events;
  }

  async function listConnections(): Promise<Record<string, unknown>[]> {
    const answer = await api('GET', `/api/circuits/metrics/connections?workspaceId=${workspaceId}`);
    expect(answer.status).toBe(200);
    return answer.body.connections as Record<string, unknown>[];
  }

  /** Clicks the card's test button and waits for the test route's answer (an earlier outcome may still show). */
  async function sendTestEvent(card: Locator): Promise<void> {
    const answered = page.waitForResponse((response) => /\/connections\/[0-9a-f-]{36}\/test\?/.test(response.url()));
    await card.getByRole('button', { name: 'Send a test event' }).click();
    expect((await answered).status()).toBe(200);
  }

  async function gotoSettings(): Promise<void> {
    await page.goto(`${app.url}/dashboard/settings?workspaceId=${workspaceId}`);
  }

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    accountApis = await startAccountApis();
    app = await startApp(kind, { METRICS_LOCAL_SIGN_IN: 'true', ...accountApis.env });
    ownerToken = await tokenFor(DEV_USER_ID);
    userDataDir = mkdtempSync(path.join(tmpdir(), 'settings-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: WIDE,
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
        consoleErrors.push(`${page.url()}: ${message.text()}`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400)
        failedResponses.push(`${response.status()} ${response.request().method()} ${new URL(response.url()).pathname}`);
    });
    page.on('pageerror', (error) => consoleErrors.push(`${page.url()}: ${error.message}`));
  });

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await app?.stop();
    await accountApis?.close();
  });

  it('creates a workspace from the page, which the workspace switcher then lists', async () => {
    await page.goto(`${app.url}/sign-in?next=${encodeURIComponent('/dashboard/settings')}`);
    await Promise.all([page.waitForURL(/\/dashboard\/settings/), page.getByRole('button', { name: 'Sign in as dev@localhost' }).click()]);
    expect(await text(page, 'h1')).toBe('Settings');
    expect(await page.getByRole('link', { name: 'Settings' }).getAttribute('aria-current')).toBe('page');

    const name = `Acme ${kind} ${randomUUID().slice(0, 6)}`;
    await page.fill('#workspace-name', name);
    await Promise.all([page.waitForURL(/created=1/), page.getByRole('button', { name: 'Create workspace' }).click()]);
    workspaceId = new URL(page.url()).searchParams.get('workspaceId') ?? '';
    expect(workspaceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await text(page, '[data-testid="workspace-created"]')).toContain(name);
    expect(await text(page, '[data-testid="your-role"]')).toBe('owner');
    expect(await page.locator('#workspace-select').inputValue()).toBe(workspaceId);
    expect(await text(page, `#workspace-select option[value="${workspaceId}"]`)).toBe(`${name} (owner)`);

    const listed = await api('GET', '/api/workspaces');
    expect(listed.body.workspaces).toContainEqual(expect.objectContaining({ id: workspaceId, name, role: 'owner' }));
    expect(await text(page, '[data-testid="connections-empty"]')).toContain('No connections yet');
  });

  it('adds a Resend connection, copies its URL and sees a test event arrive and count', async () => {
    const secret = whsec();
    const eventsBefore = await totalEvents();
    await page.selectOption('#connection-provider', 'resend');
    await page.fill('#connection-secret', secret);
    await page.getByRole('button', { name: 'Add connection' }).click();
    const card = page.locator('[data-testid="connection"][data-provider="resend"]');
    await card.waitFor();

    const [stored] = await listConnections();
    const url = await card.locator('[data-testid="connection-url"]').inputValue();
    expect(url).toBe(stored!.webhook_url);
    expect(url).toMatch(new RegExp(`^${app.url.replace(/\./g, '\\.')}/api/webhooks/metrics\\?connection=[A-Za-z0-9_-]{32,}$`));
    await card.getByRole('button', { name: 'Copy URL' }).click();
    await card.locator('.copy-status', { hasText: 'Copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);

    expect(await text(page, '[data-testid="connection"] [data-field="fingerprint"]')).toBe(stored!.fingerprint);
    expect(await text(page, '[data-testid="connection"] [data-field="last_delivery_at"]')).toBe('none yet');
    expect(await page.content()).not.toContain(secret);

    await sendTestEvent(card);
    const outcome = await text(page, '[data-testid="test-outcome"]');
    expect(outcome).toContain('Accepted (202): email.delivered signed with svix v1');
    expect(outcome).toContain('1 event stored');
    // The page re-reads the connection: its last delivery is the test's.
    await page.locator('[data-testid="connection"] [data-field="last_delivery_at"]', { hasText: 'UTC' }).waitFor();
    expect(await text(page, '[data-testid="connection"] [data-field="last_delivery_at"]')).toMatch(UTC_MINUTE);
    expect((await listConnections())[0]!.last_delivery_at).not.toBeNull();
    expect(await totalEvents()).toBe(eventsBefore + 1);
    await screenshots(page, 'settings', shoot);
  });

  it('rotates the secret (the next test is signed with the new one) and removes the connection', async () => {
    const card = page.locator('[data-testid="connection"][data-provider="resend"]');
    const before = (await listConnections())[0]!;
    await card.locator('summary', { hasText: 'Rotate the secret' }).click();
    await card.getByLabel('New signing secret (whsec_…)').fill(whsec());
    await card.getByLabel('Old secret keeps working (hours)').fill('0');
    await card.getByRole('button', { name: 'Rotate', exact: true }).click();
    await page.locator('[data-testid="connection"] [data-field="rotated_at"]', { hasText: 'UTC' }).waitFor();
    const after = (await listConnections())[0]!;
    expect(after.fingerprint).not.toBe(before.fingerprint);
    expect(await text(page, '[data-testid="connection"] [data-field="fingerprint"]')).toBe(after.fingerprint);

    const eventsBefore = await totalEvents();
    await sendTestEvent(page.locator('[data-testid="connection"]'));
    expect(await text(page, '[data-testid="test-outcome"]')).toContain('Accepted (202)');
    expect(await totalEvents()).toBe(eventsBefore + 1);

    await page.locator('[data-testid="connection"]').getByRole('button', { name: 'Remove…' }).click();
    await page.getByRole('button', { name: 'Yes, remove' }).click();
    await page.locator('[data-testid="connections-empty"]').waitFor();
    expect(await listConnections()).toEqual([]);
    // The removed URL no longer takes deliveries.
    expect(
      (await fetch(String(after.webhook_url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status,
    ).toBe(404);
  });

  it('says why a SendGrid verification-key connection cannot be tested here, and tests a Facebook page by its account', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const verificationKey = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    await page.selectOption('#connection-provider', 'sendgrid');
    await page.fill('#connection-secret', verificationKey);
    await page.getByRole('button', { name: 'Add connection' }).click();
    const sendgrid = page.locator('[data-testid="connection"][data-provider="sendgrid"]');
    await sendgrid.waitFor();
    expect(await text(page, '[data-provider="sendgrid"] [data-testid="test-unavailable"]')).toBe(
      "Test event not available: SendGrid signs with its private key: use SendGrid's Test Your Integration.",
    );
    expect(await sendgrid.getByRole('button', { name: 'Send a test event' }).count()).toBe(0);
    const sendgridId = String((await listConnections()).find((c) => c.provider === 'sendgrid')!.connection_id);
    const refused = await api('POST', `/api/circuits/metrics/connections/${sendgridId}/test?workspaceId=${workspaceId}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toContain("SendGrid's Test Your Integration");

    const pageId = `9${Date.now()}`;
    const eventsBefore = await totalEvents();
    await page.selectOption('#connection-provider', 'facebook');
    await page.fill('#connection-account', pageId);
    await page.getByRole('button', { name: 'Add connection' }).click();
    const facebook = page.locator('[data-testid="connection"][data-provider="facebook"]');
    await facebook.waitFor();
    expect(await facebook.locator('[data-testid="connection-url"]').inputValue()).toBe(`${app.url}/api/webhooks/metrics?provider=facebook`);
    // Pending until proven: a wrong token is refused with the one answer, the page's own token proves it.
    expect(await facebook.locator('[data-testid="claim-pending"]').count()).toBe(1);
    expect(await text(page, '[data-provider="facebook"] [data-testid="test-unavailable"]')).toContain(
      'Prove control of this account first',
    );
    await facebook.getByLabel('Access token').fill('not-the-page-token');
    await facebook.getByRole('button', { name: 'Prove control' }).click();
    expect(await text(page, '[data-provider="facebook"] [data-testid="connection-error"]')).toContain(
      'Control of this account was not proven',
    );
    await facebook.getByLabel('Access token').fill(accountApis.pageToken(pageId));
    await facebook.getByRole('button', { name: 'Prove control' }).click();
    await facebook.locator('[data-testid="claim-pending"]').waitFor({ state: 'detached' });
    await sendTestEvent(facebook);
    const outcome = await text(page, '[data-provider="facebook"] [data-testid="test-outcome"]');
    expect(outcome).toContain('Accepted (202): reaction signed with x-hub-signature-256');
    expect(outcome).toContain('1 event stored');
    expect(await totalEvents()).toBe(eventsBefore + 1);
  });

  it('invites by email, revokes, and the invitee accepts from the dashboard; then the owner changes their role', async () => {
    await gotoSettings();
    // An invitation withdrawn before it is answered.
    await page.fill('#invite-email', 'Someone.Else@Example.com');
    await page.selectOption('#invite-role', 'admin');
    await page.getByRole('button', { name: 'Invite' }).click();
    const withdrawn = page.locator('[data-testid="pending-invitations"] tr[data-email="someone.else@example.com"]');
    await withdrawn.waitFor();
    await withdrawn.getByRole('button', { name: 'Revoke' }).click();
    await withdrawn.waitFor({ state: 'detached' });

    await page.fill('#invite-email', viewerEmail);
    await page.selectOption('#invite-role', 'member');
    await page.getByRole('button', { name: 'Invite' }).click();
    await page.locator(`[data-testid="pending-invitations"] tr[data-email="${viewerEmail}"]`).waitFor();
    // Invited is not a member.
    expect(await page.locator(`[data-testid="members-table"] tr[data-user-id="${viewerId}"]`).count()).toBe(0);

    // The invitee signs in: a banner on every dashboard page, the invitation under Settings.
    await context.clearCookies();
    await context.addCookies([{ name: LOCAL_SESSION_COOKIE, value: await tokenFor(viewerId, { email: viewerEmail }), url: app.url }]);
    await page.goto(`${app.url}/dashboard`);
    await page.locator('[data-testid="invitations-banner"]').waitFor();
    await Promise.all([page.waitForURL(/\/dashboard\/settings/), page.getByRole('link', { name: 'review in Settings' }).click()]);
    const received = page.locator(`[data-testid="received-invitation"]`);
    expect(await received.count()).toBe(1);
    expect(await received.textContent()).toContain('invites you as member');
    await Promise.all([
      page.waitForURL(new RegExp(`workspaceId=${workspaceId}`)),
      received.getByRole('button', { name: 'Accept' }).click(),
    ]);
    await page.locator('[data-testid="no-invitations"]').waitFor();
    expect(await text(page, '[data-testid="your-role"]')).toBe('member');
    expect(await page.locator('[data-testid="invitations-banner"]').count()).toBe(0);
    await screenshots(page, 'settings-invitee-joined', shoot);

    // Back as the owner: the invitation is gone from the pending list, the member is in the table.
    await context.clearCookies();
    await context.addCookies([{ name: LOCAL_SESSION_COOKIE, value: await tokenFor(DEV_USER_ID, { email: DEV_USER_EMAIL }), url: app.url }]);
    await gotoSettings();
    expect(await page.locator('[data-testid="no-pending-invitations"]').count()).toBe(1);
    const row = page.locator(`[data-testid="members-table"] tr[data-user-id="${viewerId}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-role')).toBe('member');

    await row.getByLabel(`Role of ${viewerId}`).selectOption('viewer');
    await row.getByRole('button', { name: 'Change role' }).click();
    await page.locator(`tr[data-user-id="${viewerId}"][data-role="viewer"]`).waitFor();
    const members = await api('GET', `/api/workspaces/${workspaceId}/members`);
    expect(members.body.members).toContainEqual(expect.objectContaining({ user_id: viewerId, role: 'viewer' }));

    // The only owner cannot step down: the API's 409, in words.
    const own = page.locator(`tr[data-user-id="${DEV_USER_ID}"]`);
    expect(await text(page, `tr[data-user-id="${DEV_USER_ID}"] th`)).toContain('(you, dev@localhost)');
    await own.getByLabel(`Role of ${DEV_USER_ID}`).selectOption('admin');
    await own.getByRole('button', { name: 'Change role' }).click();
    expect(await own.locator('[data-testid="member-error"]').textContent()).toContain(
      'Refused: A workspace keeps at least one owner. Make someone else an owner first.',
    );
    expect(await own.getAttribute('data-role')).toBe('owner');
    expect(await axeViolations(page)).toEqual([]);
  });

  it('creates an API key that shows its secret once and reads the API, then revokes it (401 from then on)', async () => {
    await gotoSettings();
    expect(await text(page, '[data-testid="api-keys-empty"]')).toContain('No API keys yet');
    await page.fill('#api-key-name', 'CX07 email executor');
    await page.getByRole('checkbox', { name: /^attribution:write/ }).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const secretField = page.locator('[data-testid="api-key-secret"]');
    await secretField.waitFor();
    const key = await secretField.inputValue();
    expect(key).toMatch(/^dck_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    const row = page.locator('[data-testid="api-keys-table"] tr[data-status="active"]');
    await row.waitFor();
    const cell = async (selector: string) => ((await row.locator(selector).first().textContent()) ?? '').trim();
    expect(await cell('th')).toBe('CX07 email executor');
    expect(await cell('[data-label="Scopes"]')).toBe('read, attribution:write');
    expect(await cell('[data-label="Created"]')).toMatch(UTC_MINUTE);
    await screenshots(page, 'settings-api-key-created', shoot);
    expect(await axeViolations(page)).toEqual([]);

    // The key works for a program; the page, once reloaded, never shows the secret again.
    const rollups = `/api/circuits/metrics/rollups?workspaceId=${workspaceId}`;
    expect((await api('GET', rollups, key)).status).toBe(200);
    await gotoSettings();
    expect(await page.locator('[data-testid="api-key-secret"]').count()).toBe(0);
    expect(await page.content()).not.toContain(key.slice(37));
    expect(await text(page, '[data-testid="api-keys-table"] [data-label="Last used"]')).toMatch(UTC_MINUTE);

    await page.getByRole('button', { name: 'Revoke…' }).click();
    await page.getByRole('button', { name: 'Yes, revoke' }).click();
    await page.locator('[data-testid="api-keys-table"] tr[data-status="revoked"]').waitFor();
    expect(await text(page, '[data-testid="api-keys-announcement"]')).toContain('revoked');
    expect((await api('GET', rollups, key)).status).toBe(401);
  });

  it('shows a viewer everything read-only, and the API refuses what they try anyway', async () => {
    const connectionId = String((await listConnections())[0]!.connection_id);
    await context.clearCookies();
    await context.addCookies([{ name: LOCAL_SESSION_COOKIE, value: await tokenFor(viewerId, { email: viewerEmail }), url: app.url }]);
    await gotoSettings();
    expect(await text(page, '[data-testid="your-role"]')).toBe('viewer');
    expect(await text(page, '[data-testid="connections-admins-only"]')).toContain('admins and owners only');
    expect(await text(page, '[data-testid="members-read-only"]')).toContain('Only admins and owners');
    expect(await text(page, '[data-testid="api-keys-admins-only"]')).toContain('admins and owners only');
    expect(await page.locator(`[data-testid="members-table"] tr[data-user-id="${DEV_USER_ID}"]`).count()).toBe(1);
    for (const absent of [
      '[data-testid="connection"]',
      '[data-testid="add-connection-form"]',
      '[data-testid="invite-member-form"]',
      '[data-testid="pending-invitations"]',
      '[data-testid="create-api-key-form"]',
      '[data-testid="api-keys-table"]',
      'select[id^="member-"]',
    ]) {
      expect(await page.locator(absent).count(), absent).toBe(0);
    }
    for (const name of ['Add connection', 'Rotate', 'Remove…', 'Send a test event', 'Invite', 'Revoke', 'Change role']) {
      expect(await page.getByRole('button', { name }).count(), name).toBe(0);
    }
    await screenshots(page, 'settings-viewer', shoot);
    expect(await axeViolations(page)).toEqual([]);

    // Same session cookie, straight at the API from the page.
    const tries = await page.evaluate(
      async ({ workspace, connection, owner }) => {
        const call = async (method: string, route: string, body?: unknown) => {
          const response = await fetch(route, {
            method,
            headers: { 'content-type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
          const answer = (await response.json()) as { required_role?: string };
          return `${response.status} ${answer.required_role ?? ''}`.trim();
        };
        const q = `?workspaceId=${workspace}`;
        return [
          await call('GET', `/api/circuits/metrics/connections${q}`),
          await call('POST', `/api/circuits/metrics/connections${q}`, { provider: 'facebook', external_account_id: '123456' }),
          await call('POST', `/api/circuits/metrics/connections/${connection}/rotate${q}`, { verification_key: 'abcdefghijklmnop' }),
          await call('POST', `/api/circuits/metrics/connections/${connection}/test${q}`),
          await call('DELETE', `/api/circuits/metrics/connections/${connection}${q}`),
          await call('POST', `/api/workspaces/${workspace}/members`, { email: 'someone@example.com', role: 'viewer' }),
          await call('PATCH', `/api/workspaces/${workspace}/members/${owner}`, { role: 'viewer' }),
        ];
      },
      { workspace: workspaceId, connection: connectionId, owner: DEV_USER_ID },
    );
    expect(tries).toEqual(Array(7).fill('403 admin'));
    expect(await listConnections()).toHaveLength(2);
  });

  it('logged no console error, uncaught exception or unexpected failed request', () => {
    expect(consoleErrors).toEqual([]);
    const expected = [
      `409 PATCH /api/workspaces/${workspaceId}/members/${DEV_USER_ID}`,
      ...['GET', 'POST'].map((m) => `403 ${m} /api/circuits/metrics/connections`),
      '403 POST /api/circuits/metrics/connections/',
      // The wrong token offered as proof of control.
      '422 POST /api/circuits/metrics/connections/',
      '403 DELETE /api/circuits/metrics/connections/',
      `403 POST /api/workspaces/${workspaceId}/members`,
      `403 PATCH /api/workspaces/${workspaceId}/members/${DEV_USER_ID}`,
    ];
    expect(failedResponses.filter((line) => !expected.some((prefix) => line.startsWith(prefix)))).toEqual([]);
  });
});
