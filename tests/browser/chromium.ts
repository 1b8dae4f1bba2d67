// Shared by the browser suites: Debian's Chromium driven by playwright-core, and reading text off a page.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import axe from 'axe-core';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';

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

/** The first match's text, whitespace collapsed. */
export async function text(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

export interface OpenBrowser {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions, with the page they happened on. */
  problems: string[];
  close(): Promise<void>;
}

/** A fresh Chromium profile with one page that records its console errors and uncaught exceptions. */
export async function openChromium(options: {
  viewport: { width: number; height: number };
  acceptDownloads?: boolean;
}): Promise<OpenBrowser> {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'dashboard-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    ...options,
  });
  // A page render of the server under test competes with the other suites for two cores; a
  // navigation slower than Playwright's 30 s default there is load, not a hung page (each test's
  // own timeout still bounds it).
  context.setDefaultNavigationTimeout(90_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`));
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export const WIDE = { width: 1280, height: 900 };
export const NARROW = { width: 390, height: 844 };
export const SCREENSHOT_DIR = path.resolve(process.env.DASHBOARD_SCREENSHOTS_DIR ?? 'test-results/screenshots');

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

export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** axe-core in the page: the violations of impact serious or critical. */
export async function seriousViolations(page: Page): Promise<AxeFinding[]> {
  await page.addScriptTag({ content: axe.source });
  const findings = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: typeof axe }).axe.run(document);
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
  });
  return findings.filter((f) => f.impact === 'serious' || f.impact === 'critical');
}
