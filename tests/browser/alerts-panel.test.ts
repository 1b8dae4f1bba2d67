// The operations page's alerts panel in real Chromium against the real server: add a signed
// webhook channel (its secret never shown), tighten a rule, let forged deliveries trip it, run
// the alert cron and read the firing alert and its history off the page; send a test notification
// from the channel's button and rotate its secret (shown once, both secrets signing meanwhile).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretFingerprint } from '../../src/lib/crypto/secret-box';
import { DATABASE_KINDS } from '../helpers/db';
import { DEV_WORKSPACE_ID, TEST_SECRETS, startApp, type AppUnderTest } from '../helpers/app';
import { postForgedResendDelivery, startReceiver, type Receiver } from '../helpers/receivers';

const CHROMIUM = '/usr/bin/chromium';
const NO_BROWSER = !existsSync(CHROMIUM) && process.env.CI !== 'true';
const SKIPPED = NO_BROWSER ? ' (skipped: /usr/bin/chromium missing; apt-get install -y chromium)' : '';
const SECRET = `whsec_${randomBytes(24).toString('base64')}`;

describe.skipIf(NO_BROWSER).each(DATABASE_KINDS)(`alerts panel in Chromium on %s${SKIPPED}`, (kind) => {
  let app: AppUnderTest;
  let receiver: Receiver;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  const pageErrors: string[] = [];
  const operations = () => `${app.url}/dashboard/operations?workspaceId=${DEV_WORKSPACE_ID}`;

  beforeAll(async () => {
    receiver = await startReceiver();
    // The receiver is on loopback: only the operator's allowlist lets the server call it.
    app = await startApp(kind, { METRICS_LOCAL_SIGN_IN: 'true', METRICS_OUTBOUND_ALLOWLIST: '127.0.0.1' });
    userDataDir = mkdtempSync(path.join(tmpdir(), 'alerts-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${app.url}/dashboard/operations`);
    await page.waitForURL(/\/sign-in\?next=/);
    await Promise.all([page.waitForURL(/\/dashboard\/operations/), page.getByRole('button', { name: 'Sign in as dev@localhost' }).click()]);
  });
  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await app?.stop();
    await receiver?.close();
  });

  it('shows an empty panel, then a channel added from the form with its secret masked', async () => {
    await page.goto(operations());
    const panel = page.getByTestId('alerts-panel');
    await expect.poll(() => panel.getByTestId('alerts-firing').textContent()).toBe('No alert is firing.');
    expect(await panel.getByTestId('channels-empty').isVisible()).toBe(true);
    expect(await panel.getByTestId('history-empty').isVisible()).toBe(true);

    await panel.getByLabel('Kind').selectOption('webhook');
    await panel.getByLabel('Name').fill('pager');
    await panel.getByLabel('URL').fill(`${receiver.url}/alerts`);
    await panel.getByLabel('Secret (signed webhooks)').fill(SECRET);
    await panel.getByRole('button', { name: 'Add channel' }).click();
    await expect.poll(() => panel.getByTestId('channels-list').textContent()).toContain('pager');
    const listed = (await panel.getByTestId('channels-list').textContent()) ?? '';
    expect(listed).toContain(`secret ${secretFingerprint(SECRET)}`);
    expect(listed).not.toContain(SECRET.slice(6, 30));
    expect(await page.content()).not.toContain(SECRET.slice(6, 30));
  });

  it('saves a tighter rule, and shows the alert the cron run fires with its history', async () => {
    const panel = page.getByTestId('alerts-panel');
    await panel.getByLabel('verification_failures threshold').fill('1');
    await panel.getByRole('button', { name: 'Save rules' }).click();
    await expect
      .poll(async () => {
        const answer = await page.evaluate(
          async (url) => (await fetch(url)).json(),
          `/api/circuits/metrics/alerts?workspaceId=${DEV_WORKSPACE_ID}`,
        );
        return (answer as { rules: { rule: string; threshold: number }[] }).rules.find((r) => r.rule === 'verification_failures')
          ?.threshold;
      })
      .toBe(1);

    const forged = await postForgedResendDelivery(app.url, DEV_WORKSPACE_ID);
    expect(forged.status).toBe(401);
    const cron = await fetch(`${app.url}/api/cron/metrics/alerts`, { headers: { authorization: `Bearer ${TEST_SECRETS.CRON_SECRET}` } });
    expect(await cron.json()).toMatchObject({ fired: 1, notifications_delivered: 1 });
    expect(new Webhook(SECRET).verify(receiver.received[0]!.body, receiver.received[0]!.headers as Record<string, string>)).toMatchObject({
      type: 'alert.firing',
    });

    await page.goto(operations());
    await expect.poll(() => panel.getByTestId('alerts-firing').textContent()).toContain('Verification failures (resend)');
    const history = (await panel.getByTestId('alerts-history').textContent()) ?? '';
    expect(history).toContain('firing');
    expect(history).toContain('resend');
    expect(history).toContain('pager: delivered');
    expect(await panel.locator('[data-testid^="channel-delivery-"]').textContent()).toBe('(last notification delivered)');
    expect(pageErrors).toEqual([]);
  });

  it('sends a test notification from the channel’s button and shows what the receiver said', async () => {
    const panel = page.getByTestId('alerts-panel');
    const before = receiver.received.length;
    await panel.getByRole('button', { name: 'Send test notification to pager' }).click();
    const result = panel.locator('[data-testid^="channel-test-result-"]');
    await expect.poll(() => result.textContent()).toMatch(/^Test delivered: HTTP 200, \d+ ms\.$/);
    expect(receiver.received).toHaveLength(before + 1);
    const test = receiver.received.at(-1)!;
    expect(new Webhook(SECRET).verify(test.body, test.headers as Record<string, string>)).toMatchObject({
      type: 'alert.test',
      data: { test: true },
    });
    expect(pageErrors).toEqual([]);
  });

  it('rotates the secret from the panel: shown once, and both secrets sign until the overlap ends', async () => {
    const panel = page.getByTestId('alerts-panel');
    await panel.getByRole('button', { name: 'Rotate the secret of pager' }).click();
    const shown = panel.locator('[data-testid^="channel-secret-"]');
    await expect.poll(() => shown.inputValue().catch(() => '')).toMatch(/^whsec_/);
    const secret = await shown.inputValue();
    expect(await panel.locator('[data-testid^="channel-rotated-"]').textContent()).toContain('keeps signing next to it until');
    await expect
      .poll(() => panel.locator('[data-testid^="channel-previous-secret-"]').textContent())
      .toContain(`previous secret ${secretFingerprint(SECRET)} also signs until`);
    expect((await panel.getByTestId('channels-list').textContent()) ?? '').toContain(`secret ${secretFingerprint(secret)}`);

    await panel.getByRole('button', { name: 'Send test notification to pager' }).click();
    await expect.poll(() => receiver.received.at(-1)?.headers['webhook-signature']).toContain(' ');
    const test = receiver.received.at(-1)!;
    expect(new Webhook(secret).verify(test.body, test.headers as Record<string, string>)).toMatchObject({ type: 'alert.test' });
    expect(new Webhook(SECRET).verify(test.body, test.headers as Record<string, string>)).toMatchObject({ type: 'alert.test' });

    // Once copied, the secret leaves the page; a reload does not bring it back.
    await panel.getByRole('button', { name: 'I have copied it' }).click();
    await page.goto(operations());
    await expect.poll(() => panel.getByTestId('channels-list').textContent()).toContain('pager');
    expect(await page.content()).not.toContain(secret.slice(6, 30));
    expect(pageErrors).toEqual([]);
  });
});
