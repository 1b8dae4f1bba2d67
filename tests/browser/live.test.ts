// Pages that update themselves, in real Chromium against the real server: signed deliveries
// posted while the Operations page and then the A/B test page are open change their numbers
// without a navigation, the freshness line says when, and failing polls show a stale state.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_SESSION_COOKIE } from '../../src/lib/auth/request-auth';
import { DATABASE_KINDS } from '../helpers/db';
import { sendgridDelivered } from '../helpers/factories';
import { DEV_USER_ID, DEV_WORKSPACE_ID, startApp, tokenFor, type AppUnderTest } from '../helpers/app';
import { NO_BROWSER, SKIPPED, WIDE, openChromium, text, type OpenBrowser } from './chromium';
import { postSendGrid } from './sendgrid-seed';

const TEST = '11fe0b0b-0000-4000-8000-0000000000d1';
const VARIANT = '11fe0b0b-aaaa-4000-8000-0000000000a1';

const delivered = (n: number) => sendgridDelivered(n, TEST, VARIANT);

/** Marks the loaded document: a full navigation or reload would replace it (router.refresh() keeps it). */
async function markDocument(page: Page): Promise<() => Promise<boolean>> {
  await page.evaluate(() => Object.assign(window, { liveTestMark: true }));
  return () => page.evaluate(() => (window as unknown as { liveTestMark?: boolean }).liveTestMark === true);
}

describe.skipIf(NO_BROWSER).each(DATABASE_KINDS)(`live pages on %s${SKIPPED}`, (kind) => {
  let app: AppUnderTest;
  let browser: OpenBrowser;

  beforeAll(async () => {
    app = await startApp(kind, { METRICS_LOCAL_SIGN_IN: 'true' });
    browser = await openChromium({ viewport: WIDE });
    await browser.context.addCookies([{ name: LOCAL_SESSION_COOKIE, value: await tokenFor(DEV_USER_ID), url: app.url }]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('shows a provider coming back on the open Operations page', async () => {
    const { page } = browser;
    await page.goto(`${app.url}/dashboard/operations?workspaceId=${DEV_WORKSPACE_ID}`);
    const total = () => text(page, '[data-testid="ingestion-stats"] [data-stat="total_events"]');
    expect(await total()).toBe('0');
    expect(await page.getAttribute('[data-testid="live-status"]', 'data-state')).toBe('live');
    const sameDocument = await markDocument(page);

    await postSendGrid(app, delivered(3));
    await expect.poll(total, { timeout: 15_000 }).toBe('3');
    expect(await text(page, '[data-testid="live-providers"]')).toMatch(/SendGrid \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(await sameDocument()).toBe(true);
  });

  it('changes a cell of the open A/B test page without navigation, and says when', async () => {
    const { page } = browser;
    await page.goto(`${app.url}/dashboard/ab-tests?workspaceId=${DEV_WORKSPACE_ID}&abTestId=${TEST}`);
    const cell = () => text(page, `[data-variant="${VARIANT}"] [data-col="email_delivered"]`);
    expect(await cell()).toBe('3');
    const updatedBefore = await text(page, '[data-testid="live-updated"]');
    expect(await text(page, '[data-testid="live-counted"]')).toMatch(/^counted up to \d\d:\d\d:\d\d UTC$/);
    const sameDocument = await markDocument(page);

    await postSendGrid(app, delivered(2));
    await expect.poll(cell, { timeout: 15_000 }).toBe('5');
    expect(await sameDocument()).toBe(true);
    expect(await text(page, '[data-testid="live-updated"]')).not.toBe(updatedBefore);
    // Screen readers are told, politely, once.
    await expect.poll(() => text(page, '[data-testid="live-announcement"]'), { timeout: 5_000 }).toMatch(/^Numbers updated at/);
    expect(await page.getAttribute('[data-testid="live-announcement"]', 'aria-live')).toBe('polite');
    expect(browser.problems).toEqual([]);
  });

  it('says its numbers are stale while polls fail, and recovers', async () => {
    const { page } = browser;
    await page.route('**/api/circuits/metrics/live?**', (route) => route.abort('connectionrefused'));
    await expect.poll(() => page.getAttribute('[data-testid="live-status"]', 'data-state'), { timeout: 20_000 }).toBe('stale');
    expect(await text(page, '[data-testid="live-status"]')).toContain('may be out of date');
    await page.unroute('**/api/circuits/metrics/live?**');
    await page.getByRole('button', { name: 'Retry now' }).click();
    await expect.poll(() => page.getAttribute('[data-testid="live-status"]', 'data-state'), { timeout: 20_000 }).toBe('live');
  });
});
