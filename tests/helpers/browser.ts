// What the Chromium suites share: where the browser is, how it starts, reading a text off the
// page, and screenshots at both widths (checking nothing scrolls sideways at 390 px).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
// CI installs Chromium and must run these; elsewhere a machine without it skips them, loudly.
export const NO_BROWSER = !existsSync(CHROMIUM) && process.env.CI !== 'true';
export const SKIPPED = NO_BROWSER ? ' (skipped: /usr/bin/chromium missing; apt-get install -y chromium)' : '';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const WIDE = { width: 1280, height: 900 };
export const NARROW = { width: 390, height: 844 };
export const SCREENSHOT_DIR = path.resolve(process.env.DASHBOARD_SCREENSHOTS_DIR ?? 'test-results/screenshots');

/** The first match's text, whitespace collapsed. */
export async function text(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/** Both widths, and at 390 px nothing may push the page sideways. */
export async function screenshots(page: Page, name: string, shoot: boolean): Promise<void> {
  for (const [label, size] of [
    ['1280', WIDE],
    ['390', NARROW],
  ] as const) {
    await page.setViewportSize(size);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `${name} overflows horizontally at ${label} px`).toBeLessThanOrEqual(0);
    if (shoot) await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(WIDE);
}
