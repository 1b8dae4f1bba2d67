// The A/B view's decision in real Chromium against the real server: a registered test whose
// control's id sorts last is shown under its registered names with the registered control; every
// email counter, the decision card (verdict, reasons, method, lifts, chart) and the CSV downloads
// carry the same numbers as the decision API; a simulated campaign registers itself and shows its
// email and social counters under A and B; axe finds nothing serious or critical on any page.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCount, formatFraction, formatPercent, formatPValue } from '../../src/lib/dashboard/format';
import type { AbTestDecisionReport } from '../../src/lib/decision-circuits/metrics/ab-tests/decision';
import { ROLLUP_COUNTERS, type RollupCounter } from '../../src/lib/decision-circuits/metrics/metrics-types';
import { campaignStartFor, expectedRollups, planCampaign, runCampaign, signingKeysFromEnv, variantTotals } from '../../tooling/simulator';
import { DATABASE_KINDS } from '../helpers/db';
import { DEV_USER_ID, DEV_WORKSPACE_ID, OTHER_WORKSPACE_ID, TEST_SECRETS, startApp, tokenFor, type AppUnderTest } from '../helpers/app';
import { NO_BROWSER, SKIPPED, openChromium, seriousViolations, text, type OpenBrowser } from './chromium';
import { postSendGrid, type VariantPlan } from './sendgrid-seed';

// The control's id sorts after the challenger's: sorting ids would wrongly make "Question" the control.
const TEST = '5e570001-0000-4000-8000-0000000000d1';
const CONTROL = 'ffff00c0-0000-4000-8000-0000000000c0';
const CHALLENGER = '0000b0b1-0000-4000-8000-0000000000b1';
// A comma and quotes: the CSV must quote it.
const CONTROL_NAME = 'Statement, "plain"';
const CHALLENGER_NAME = 'Question';
const UNREGISTERED_TEST = '5e570002-0000-4000-8000-0000000000d2';

interface SeededVariant extends VariantPlan {
  /** The first `repeatOpens` opened messages are opened a second time; likewise for clicks. */
  repeatOpens: number;
  repeatClicks: number;
  complaints: number;
  unsubscribes: number;
  /** The last `undelivered` messages sent have no delivered event (their opens still arrive). */
  undelivered?: number;
}

const PLANS: SeededVariant[] = [
  {
    test: TEST,
    variant: CONTROL,
    sent: 400,
    bounced: 8,
    opened: 80,
    repeatOpens: 20,
    clicked: 20,
    repeatClicks: 5,
    complaints: 1,
    unsubscribes: 2,
  },
  {
    test: TEST,
    variant: CHALLENGER,
    sent: 400,
    bounced: 8,
    opened: 160,
    repeatOpens: 40,
    clicked: 50,
    repeatClicks: 10,
    complaints: 1,
    unsubscribes: 3,
  },
  {
    test: UNREGISTERED_TEST,
    variant: randomUUID(),
    sent: 30,
    bounced: 0,
    opened: 10,
    repeatOpens: 0,
    clicked: 2,
    repeatClicks: 0,
    complaints: 0,
    unsubscribes: 0,
  },
];

/** Events of one variant on 2025-07-01 from 09:00 UTC, each message its own id. */
function eventsFor(plan: SeededVariant): object[] {
  const events: object[] = [];
  const event = (kind: string, i: number, hour: number) => ({
    email: `reader${i}@example.com`,
    timestamp: Date.UTC(2025, 6, 1, 9 + hour, (i * 7) % 60) / 1000,
    event: kind,
    sg_event_id: randomUUID(),
    sg_message_id: `${plan.variant}-m${i}.filter0001`,
    circuit_execution_id: `exec-${plan.test.slice(0, 8)}`,
    ab_test_id: plan.test,
    variant_id: plan.variant,
    // SendGrid marks each open: these are people's (the unregistered tests default to human opens).
    ...(kind === 'open' ? { sg_machine_open: false } : {}),
  });
  for (let i = 0; i < plan.sent; i++) {
    const hour = i % 3;
    events.push(event('processed', i, hour));
    if (i < plan.bounced) events.push(event('bounce', i, hour));
    else if (i < plan.sent - (plan.undelivered ?? 0)) events.push(event('delivered', i, hour));
  }
  const first = plan.bounced;
  for (let k = 0; k < plan.opened; k++) events.push(event('open', first + k, 3));
  for (let k = 0; k < plan.repeatOpens; k++) events.push(event('open', first + k, 4));
  for (let k = 0; k < plan.clicked; k++) events.push(event('click', first + k, 4));
  for (let k = 0; k < plan.repeatClicks; k++) events.push(event('click', first + k, 5));
  for (let k = 0; k < plan.complaints; k++) events.push(event('spamreport', first + plan.opened + k, 5));
  for (let k = 0; k < plan.unsubscribes; k++) events.push(event('unsubscribe', first + k, 5));
  return events;
}

/** One test per verdict: registered (or not) with these plans, control first. */
interface VerdictCase {
  verdict: string;
  test: string;
  registered: boolean;
  primaryMetric: 'unique_open_rate' | 'delivery_rate';
  windowHours?: number;
  plans: [SeededVariant, SeededVariant];
  /** A flag the card must show. */
  flag?: string;
}

function verdictPlan(test: string, index: number, counts: Partial<SeededVariant> & Pick<SeededVariant, 'sent' | 'opened'>): SeededVariant {
  return {
    test,
    variant: `${test.slice(0, 8)}-0000-4000-8000-${String(index).padStart(12, '0')}`,
    bounced: 0,
    clicked: 0,
    repeatOpens: 0,
    repeatClicks: 0,
    complaints: 0,
    unsubscribes: 0,
    ...counts,
  };
}

function verdictCase(
  verdict: string,
  n: number,
  options: Omit<VerdictCase, 'verdict' | 'test' | 'plans'>,
  control: Parameters<typeof verdictPlan>[2],
  challenger: Parameters<typeof verdictPlan>[2],
): VerdictCase {
  const test = `5e57${String(n).padStart(4, '0')}-0000-4000-8000-0000000000e${n}`;
  return { verdict, test, ...options, plans: [verdictPlan(test, 1, control), verdictPlan(test, 2, challenger)] };
}

// Besides `winner` (the registered test above) and `insufficient_data` (the unregistered one).
const VERDICT_CASES: VerdictCase[] = [
  verdictCase(
    'control_wins',
    1,
    { registered: true, primaryMetric: 'unique_open_rate', windowHours: 48 },
    { sent: 400, opened: 160 },
    { sent: 400, opened: 60 },
  ),
  verdictCase(
    'keep_running',
    2,
    { registered: false, primaryMetric: 'unique_open_rate', flag: 'even_split_assumed' },
    { sent: 400, opened: 80 },
    { sent: 400, opened: 90 },
  ),
  // Delivery rates of 98 % both: every range lies within 5 % of the control's rate.
  verdictCase(
    'no_difference',
    3,
    { registered: true, primaryMetric: 'delivery_rate' },
    { sent: 1500, bounced: 30, opened: 0 },
    { sent: 1500, bounced: 30, opened: 0 },
  ),
  verdictCase(
    'srm_alert',
    4,
    { registered: true, primaryMetric: 'unique_open_rate' },
    { sent: 400, opened: 80 },
    { sent: 250, opened: 50 },
  ),
  verdictCase(
    'guardrail_alert',
    5,
    { registered: true, primaryMetric: 'unique_open_rate' },
    { sent: 500, opened: 100 },
    { sent: 500, opened: 100, complaints: 40 },
  ),
  // 100 opened messages of which only 50 were delivered.
  verdictCase(
    'data_quality',
    6,
    { registered: true, primaryMetric: 'unique_open_rate' },
    { sent: 200, opened: 40 },
    { sent: 200, undelivered: 150, opened: 100 },
  ),
];

/** What the variant table must show, from the plan alone. */
function expectedCounters(plan: SeededVariant): Partial<Record<RollupCounter, number>> {
  return {
    email_sent: plan.sent,
    email_delivered: plan.sent - plan.bounced,
    email_bounced: plan.bounced,
    email_opened: plan.opened + plan.repeatOpens,
    email_unique_opened: plan.opened,
    email_clicked: plan.clicked + plan.repeatClicks,
    email_unique_clicked: plan.clicked,
    email_complained: plan.complaints,
    email_unsubscribed: plan.unsubscribes,
  };
}

/** RFC 4180, enough for what the exports write. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i += 1;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      row.push(field);
      field = '';
    } else if (!quoted && c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 1;
    } else {
      field += c;
    }
  }
  return rows;
}

function records(csv: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(csv);
  return rows.map((row) => Object.fromEntries(header!.map((name, i) => [name, row[i] ?? ''])));
}

describe.skipIf(NO_BROWSER).each(DATABASE_KINDS)(`A/B decisions in Chromium on %s${SKIPPED}`, (kind) => {
  let app: AppUnderTest;
  let browser: OpenBrowser;
  let context: BrowserContext;
  let page: Page;
  let token: string;
  const view = (query: string) => `${app.url}/dashboard/ab-tests?workspaceId=${DEV_WORKSPACE_ID}&${query}`;
  const cookieHeader = async () => (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  const decision = async (query: string): Promise<AbTestDecisionReport> => {
    const response = await fetch(`${app.url}/api/circuits/metrics/decision?workspaceId=${DEV_WORKSPACE_ID}&${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as AbTestDecisionReport;
  };

  beforeAll(async () => {
    app = await startApp(kind, { METRICS_LOCAL_SIGN_IN: 'true' });
    token = await tokenFor(DEV_USER_ID);
    browser = await openChromium({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    ({ context, page } = browser);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('has no serious or critical accessibility violation on sign-in and on the empty A/B view', async () => {
    await page.goto(`${app.url}/dashboard`);
    await page.waitForURL(/\/sign-in\?next=/);
    expect(await seriousViolations(page)).toEqual([]);
    await Promise.all([page.waitForURL(/\/dashboard\/ab-tests/), page.getByRole('button', { name: 'Sign in as dev@localhost' }).click()]);
    await page.locator('[data-testid="ab-empty"]').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('shows a registered test under its names, with the registered control and every email counter', async () => {
    const registration = {
      ab_test_id: TEST,
      name: 'Subject line: question vs statement',
      primary_metric: 'unique_open_rate',
      started_at: '2025-07-01T09:00:00Z',
      variants: [
        { variant_id: CHALLENGER, name: CHALLENGER_NAME, is_control: false, weight: 1 },
        { variant_id: CONTROL, name: CONTROL_NAME, is_control: true, weight: 1 },
      ],
    };
    const registered = await fetch(`${app.url}/api/circuits/metrics/ab-tests?workspaceId=${DEV_WORKSPACE_ID}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(registration),
    });
    expect(registered.status, await registered.text()).toBe(201);
    for (const plan of PLANS) await postSendGrid(app, eventsFor(plan));

    await page.goto(view(`abTestId=${TEST}`));
    expect(await text(page, '[data-testid="test-name"]')).toBe(registration.name);
    expect(await page.locator('#ab-test-select option:checked').textContent()).toContain(registration.name);
    // Listed by name; the unregistered one by its short id.
    expect(await page.locator('#ab-test-select option').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining(`Test ${UNREGISTERED_TEST.slice(0, 8)}`)]),
    );

    const table = '[data-testid="variant-table-email"]';
    const rows = page.locator(`${table} tbody tr`);
    expect(await rows.count()).toBe(2);
    // The registered control comes first and is marked, although its id sorts last.
    expect(await rows.nth(0).getAttribute('data-variant')).toBe(CONTROL);
    expect(await rows.nth(0).getAttribute('data-control')).toBe('true');
    expect(await text(page, `${table} [data-variant="${CONTROL}"] [data-testid="variant-name"]`)).toBe(CONTROL_NAME);
    expect(await text(page, `${table} [data-variant="${CONTROL}"] th`)).toContain('Control');
    expect(await text(page, `${table} [data-variant="${CHALLENGER}"] [data-testid="variant-name"]`)).toBe(CHALLENGER_NAME);
    expect(await rows.nth(1).getAttribute('data-control')).toBeNull();
    for (const plan of PLANS.slice(0, 2)) {
      const counters = expectedCounters(plan);
      for (const [column, value] of Object.entries(counters)) {
        expect(await text(page, `${table} [data-variant="${plan.variant}"] [data-col="${column}"]`), `${plan.variant} ${column}`).toBe(
          formatCount(value),
        );
      }
      const delivered = counters.email_delivered!;
      expect(await text(page, `${table} [data-variant="${plan.variant}"] [data-col="unique_open_rate"]`)).toBe(
        formatPercent((plan.opened / delivered) * 100),
      );
      expect(await text(page, `${table} [data-variant="${plan.variant}"] [data-col="unique_click_rate"]`)).toBe(
        formatPercent((plan.clicked / delivered) * 100),
      );
    }
    // No social traffic: no social table.
    expect(await page.locator('[data-testid="variant-table-social"]').count()).toBe(0);
  });

  it('shows the decision of the statistics engine: verdict, reasons, method, lifts and the interval chart', async () => {
    const report = await decision(`abTestId=${TEST}`);
    // Unique opens 80/392 against 160/392: the challenger wins on the primary metric.
    expect(report.decision).toBe('winner');
    expect(report.winnerVariantId).toBe(CHALLENGER);
    expect(report.method).toBe('sequential');

    await page.goto(view(`abTestId=${TEST}`));
    const card = '[data-testid="decision-card"]';
    expect(await page.locator(card).getAttribute('data-decision')).toBe('winner');
    expect(await text(page, `${card} [data-testid="verdict"]`)).toBe(`Winner: ${CHALLENGER_NAME}`);
    const reasons = (await page.locator(`${card} [data-testid="reasons"] li`).allTextContents()).map((r) => r.replace(/\s+/g, ' ').trim());
    expect(reasons).toEqual(report.reasons.map((r) => r.replace(/\s+/g, ' ').trim()));
    expect(await text(page, `${card} [data-testid="method-description"]`)).toBe(`Method: ${report.methodDescription}`);

    const challenger = report.variants.find((v) => v.variantId === CHALLENGER)!;
    const control = report.variants.find((v) => v.variantId === CONTROL)!;
    expect([control.successes, control.trials, challenger.successes, challenger.trials]).toEqual([80, 392, 160, 392]);
    const row = `${card} [data-testid="decision-table"] [data-variant="${CHALLENGER}"]`;
    expect(await text(page, `${row} [data-col="rate"]`)).toBe(`${formatFraction(challenger.rate!)} (160 / 392)`);
    expect(await text(page, `${row} [data-col="p_value"]`)).toBe(formatPValue(challenger.comparison!.pValue!));
    expect(await text(page, `${row} [data-col="chance_to_beat_control"]`)).toBe(formatFraction(challenger.comparison!.chanceToBeatControl));
    expect(await text(page, `${row} [data-col="lift"]`)).toMatch(/^\+\d+\.\d\d pp \(\+\d+\.\d\d pp to \+\d+\.\d\d pp\)$/);
    expect(await text(page, `${row} [data-col="outcome"]`)).toBe('Better than control');
    expect(await text(page, `${card} [data-testid="decision-table"] [data-variant="${CONTROL}"] th`)).toBe(`${CONTROL_NAME} (control)`);

    // The chart: one range per challenger, an image with its numbers as text.
    const chart = `${card} [data-testid="interval-chart"]`;
    expect(await page.locator(`${chart} svg[role="img"]`).count()).toBe(1);
    expect(await page.locator(`${chart} g.interval`).count()).toBe(1);
    expect(await page.locator(`${chart} g.interval.gain`).getAttribute('data-variant')).toBe(CHALLENGER);
    expect(await text(page, `${chart} desc`)).toContain(`${CHALLENGER_NAME}: +`);
    // Neither an SRM nor a guardrail alert for an even split and equal complaints.
    expect(await page.locator('[data-testid="srm-alert"], [data-testid="guardrail-alert"]').count()).toBe(0);
    // The old z-test on event counts is gone: one verdict on the page.
    expect(await page.locator('[data-testid="verdict"]').count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);

    // The method comes from the URL; Bayesian has no p-value.
    const bayesian = await decision(`abTestId=${TEST}&method=bayesian`);
    await page.goto(view(`abTestId=${TEST}&method=bayesian`));
    expect(await page.locator('#method-select').inputValue()).toBe('bayesian');
    expect(await text(page, `${card} [data-testid="method-description"]`)).toBe(`Method: ${bayesian.methodDescription}`);
    expect(await text(page, `${row} [data-col="p_value"]`)).toBe('–');
    expect(await page.locator(card).getAttribute('data-decision')).toBe(bayesian.decision);
  });

  it('downloads the variant table and the hourly rows as CSV with the same numbers', async () => {
    await page.goto(view(`abTestId=${TEST}`));
    const download = async (testId: string) => {
      const [file] = await Promise.all([page.waitForEvent('download'), page.locator(`[data-testid="${testId}"]`).click()]);
      const saved = await file.path();
      return { name: file.suggestedFilename(), csv: readFileSync(saved, 'utf8') };
    };

    const variants = await download('export-variants');
    expect(variants.name).toBe(`ab-test-${TEST.slice(0, 8)}-variants.csv`);
    expect(variants.csv).toContain(`"${CONTROL_NAME.replace(/"/g, '""')}"`);
    const variantRows = records(variants.csv);
    expect(variantRows.map((r) => [r.variant_id, r.variant_name, r.is_control])).toEqual([
      [CONTROL, CONTROL_NAME, 'true'],
      [CHALLENGER, CHALLENGER_NAME, 'false'],
    ]);
    for (const plan of PLANS.slice(0, 2)) {
      const row = variantRows.find((r) => r.variant_id === plan.variant)!;
      for (const [column, value] of Object.entries(expectedCounters(plan))) expect(Number(row[column]), column).toBe(value);
      // And the page shows the same numbers.
      for (const column of ['email_delivered', 'email_unique_opened', 'email_complained']) {
        expect(formatCount(Number(row[column]))).toBe(
          await text(page, `[data-testid="variant-table-email"] [data-variant="${plan.variant}"] [data-col="${column}"]`),
        );
      }
      expect(formatPercent(Number(row.unique_open_rate))).toBe(
        await text(page, `[data-testid="variant-table-email"] [data-variant="${plan.variant}"] [data-col="unique_open_rate"]`),
      );
    }

    const hourly = await download('export-hourly');
    expect(hourly.name).toBe(`ab-test-${TEST.slice(0, 8)}-hourly.csv`);
    const hourlyRows = records(hourly.csv);
    // Sends at 09-11, opens at 12, repeat opens and clicks at 13, the rest at 14 (UTC).
    expect(new Set(hourlyRows.map((r) => r.time_bucket))).toEqual(
      new Set([9, 10, 11, 12, 13, 14].map((h) => new Date(Date.UTC(2025, 6, 1, h)).toISOString())),
    );
    expect(hourlyRows[0]!.variant_name).toBe(CONTROL_NAME);
    for (const plan of PLANS.slice(0, 2)) {
      const mine = hourlyRows.filter((r) => r.variant_id === plan.variant);
      for (const [column, value] of Object.entries(expectedCounters(plan))) {
        expect(
          mine.reduce((n, r) => n + Number(r[column]), 0),
          `${plan.variant} ${column}`,
        ).toBe(value);
      }
    }
    for (const counter of ROLLUP_COUNTERS) expect(Object.keys(hourlyRows[0]!)).toContain(counter);

    // The same routes with a bearer token; refused without one, and for a workspace one is not in.
    const url = `${app.url}/api/circuits/metrics/ab-tests/export/variants?workspaceId=${DEV_WORKSPACE_ID}&abTestId=${TEST}`;
    const byCookie = await fetch(url, { headers: { cookie: await cookieHeader() } });
    expect(byCookie.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(byCookie.headers.get('content-disposition')).toBe(`attachment; filename="ab-test-${TEST.slice(0, 8)}-variants.csv"`);
    expect(await byCookie.text()).toBe(variants.csv);
    expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(url)).status).toBe(401);
    const foreign = await fetch(url.replace(DEV_WORKSPACE_ID, OTHER_WORKSPACE_ID), { headers: { authorization: `Bearer ${token}` } });
    expect(foreign.status).toBe(403);
    expect((await fetch(url.replace('/variants?', '/everything?'), { headers: { authorization: `Bearer ${token}` } })).status).toBe(400);
  });

  it('shows every verdict on the card as the decision API gives it, with its window and flags, axe-clean', async () => {
    for (const c of VERDICT_CASES) {
      if (c.registered) {
        const registered = await fetch(`${app.url}/api/circuits/metrics/ab-tests?workspaceId=${DEV_WORKSPACE_ID}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({
            ab_test_id: c.test,
            name: `Verdict ${c.verdict}`,
            primary_metric: c.primaryMetric,
            started_at: '2025-07-01T09:00:00Z',
            ...(c.windowHours ? { window_hours: c.windowHours } : {}),
            variants: c.plans.map((p, i) => ({
              variant_id: p.variant,
              name: i === 0 ? 'Control' : 'Challenger',
              is_control: i === 0,
              weight: 1,
            })),
          }),
        });
        expect(registered.status, await registered.text()).toBe(201);
      }
      // The control sends first (an unregistered test's control is the variant that sent first).
      for (const plan of c.plans) await postSendGrid(app, eventsFor(plan));
    }
    const card = '[data-testid="decision-card"]';
    for (const c of [...VERDICT_CASES, { verdict: 'winner', test: TEST, windowHours: undefined, flag: undefined, registered: true }]) {
      const report = await decision(`abTestId=${c.test}`);
      expect(report.decision, c.verdict).toBe(c.verdict);
      await page.goto(view(`abTestId=${c.test}`));
      expect(await page.locator(card).getAttribute('data-decision'), c.verdict).toBe(c.verdict);
      expect((await text(page, `${card} [data-testid="verdict"]`)).length, c.verdict).toBeGreaterThan(0);
      const reasons = (await page.locator(`${card} [data-testid="reasons"] li`).allTextContents()).map((r) =>
        r.replace(/\s+/g, ' ').trim(),
      );
      expect(reasons, c.verdict).toEqual(report.reasons.map((r) => r.replace(/\s+/g, ' ').trim()));
      // Which metric decided, and why: the registered one, or the default for SendGrid (human opens).
      expect(report.metric.choice.choice, c.verdict).toBe(c.registered ? 'metric_registered' : 'default_human_opens');
      expect(await text(page, `${card} [data-testid="decision-metric"]`), c.verdict).toBe(`Metric: ${report.metric.why}`);
      const hours = c.windowHours ?? 24;
      expect(report.window?.hours, c.verdict).toBe(hours);
      expect(await text(page, `${card} [data-testid="decision-window"]`), c.verdict).toContain(
        `Unit: the message, not the person. Opened and clicked mean within ${hours} hours of delivery (${c.registered ? 'the window registered for this test' : 'the default window'})`,
      );
      const flags = await page
        .locator(`${card} [data-testid="decision-flags"] li`)
        .evaluateAll((items) => items.map((li) => li.getAttribute('data-flag')));
      expect(flags, c.verdict).toEqual(report.flags);
      if (c.flag) expect(flags, c.verdict).toContain(c.flag);
      if (c.verdict === 'data_quality') expect(report.reasons.join(' ')).toMatch(/100 .*50 /);
      if (c.verdict === 'guardrail_alert') expect(await page.locator('[data-testid="guardrail-alert"]').count()).toBe(1);
      if (c.verdict === 'srm_alert') expect(await page.locator('[data-testid="srm-alert"]').count()).toBe(1);
      expect(await seriousViolations(page), c.verdict).toEqual([]);
    }
    // A page load and an axe run per verdict, after posting every case's events: a budget for all, not one minute.
  }, 180_000);

  it("downloads the decision as CSV: the verdict, the window, the flags and each variant's numbers as on the card", async () => {
    for (const c of [VERDICT_CASES[0]!, VERDICT_CASES[1]!]) {
      const report = await decision(`abTestId=${c.test}`);
      await page.goto(view(`abTestId=${c.test}`));
      const [file] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="export-decision"]').click()]);
      expect(file.suggestedFilename()).toBe(`ab-test-${c.test.slice(0, 8)}-decision.csv`);
      const rows = records(readFileSync(await file.path(), 'utf8'));
      expect(rows.map((r) => r.variant_id)).toEqual(report.variants.map((v) => v.variantId));
      for (const row of rows) {
        const variant = report.variants.find((v) => v.variantId === row.variant_id)!;
        expect(row).toMatchObject({
          decision: c.verdict,
          method: 'sequential',
          unit: 'message',
          window_hours: String(c.windowHours ?? 24),
          window_source: c.registered ? 'registered' : 'default',
          flags: report.flags.join(';'),
          trials: String(variant.trials),
          successes: String(variant.successes),
          outcome: variant.isControl ? 'control' : variant.comparison!.outcome,
        });
      }
    }
  });

  it('names an unregistered test by its short id and says how its control was chosen', async () => {
    await page.goto(view(`abTestId=${UNREGISTERED_TEST}`));
    expect(await text(page, '[data-testid="test-name"]')).toBe(`Test ${UNREGISTERED_TEST.slice(0, 8)}`);
    expect(await text(page, '[data-testid="control-rule"]')).toContain('Not registered: the control is the variant that sent first');
    // One variant only: the engine says there is nothing to compare.
    expect(await page.locator('[data-testid="decision-card"]').getAttribute('data-decision')).toBe('insufficient_data');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('shows a simulated campaign under the names it registered, with every email and social counter', async () => {
    const minutes = 90;
    const speed = 1e9;
    const plan = planCampaign({
      seed: `decisions-${kind}`,
      startMs: campaignStartFor(Date.now(), minutes, speed),
      minutes,
      variants: 2,
      recipients: 40,
      posts: 1,
    });
    const outcome = await runCampaign(plan, {
      baseUrl: app.url,
      workspaceId: DEV_WORKSPACE_ID,
      token,
      keys: signingKeysFromEnv(TEST_SECRETS),
      speed,
      concurrency: 4,
    });
    expect(outcome.failures).toEqual([]);
    expect(outcome.abTestRegistered).toBe(true);
    const truth = variantTotals(plan, expectedRollups(plan, outcome.acks));

    await page.goto(view(`abTestId=${plan.abTestId}`));
    expect(await text(page, '[data-testid="test-name"]')).toBe(`Simulated campaign ${plan.runId}`);
    const [a, b] = plan.variants;
    for (const channel of ['email', 'social'] as const) {
      const table = `[data-testid="variant-table-${channel}"]`;
      expect(await page.locator(`${table} tbody tr`).first().getAttribute('data-variant')).toBe(a!.variantId);
      expect(await text(page, `${table} [data-variant="${a!.variantId}"] th`)).toContain('A Control');
      expect(await text(page, `${table} [data-variant="${b!.variantId}"] [data-testid="variant-name"]`)).toBe('B');
      for (const variant of [a!, b!]) {
        const totals = truth.find((t) => t.key === variant.key && t.channel === channel)!.totals;
        const columns =
          channel === 'email'
            ? ([
                'email_sent',
                'email_delivered',
                'email_bounced',
                'email_opened',
                'email_unique_opened',
                'email_clicked',
                'email_unique_clicked',
                'email_complained',
                'email_unsubscribed',
              ] as const)
            : (['social_impressions', 'social_likes', 'social_comments', 'social_shares', 'social_clicks'] as const);
        for (const column of columns) {
          expect(
            await text(page, `${table} [data-variant="${variant.variantId}"] [data-col="${column}"]`),
            `${variant.key} ${column}`,
          ).toBe(formatCount(totals[column]));
        }
      }
    }
    const report = await decision(`abTestId=${plan.abTestId}`);
    expect(await page.locator('[data-testid="decision-card"]').getAttribute('data-decision')).toBe(report.decision);
    expect(report.variants.map((v) => [v.name, v.isControl])).toEqual([
      ['A', true],
      ['B', false],
    ]);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('has no serious or critical accessibility violation on the operations view', async () => {
    await page.goto(`${app.url}/dashboard/operations?workspaceId=${DEV_WORKSPACE_ID}`);
    await page.locator('[data-testid="backfill-empty"], [data-testid="backfill-table"]').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('logged no console error or uncaught exception', () => {
    expect(browser.problems).toEqual([]);
  });
});
