// People and machines on the A/B view in real Chromium against the real server: a test sent
// through SendGrid (opens flagged by sg_machine_open, some without the field, scanner clicks) and
// Resend (opens without any signal) shows per variant the human, machine and total counts and
// rates computed here from the events posted, the machine share of opens per provider, and the
// note where a provider cannot tell machines apart; axe finds nothing serious at 1280 and 390 px.
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCount, formatPercent } from '../../src/lib/dashboard/format';
import { signResend } from '../../tooling/signing';
import { DATABASE_KINDS } from '../helpers/db';
import { DEV_WORKSPACE_ID, TEST_SECRETS, startApp, type AppUnderTest } from '../helpers/app';
import { NARROW, NO_BROWSER, SKIPPED, WIDE, openChromium, screenshots, seriousViolations, text, type OpenBrowser } from './chromium';
import { postSendGrid } from './sendgrid-seed';

const TEST = 'e1a70001-0000-4000-8000-000000000001';
const VARIANT_A = 'e1a700a1-0000-4000-8000-0000000000a1';
const VARIANT_B = 'e1a700b1-0000-4000-8000-0000000000b1';
const CIRCUIT = 'exec-people-machines';
const SCANNER_AGENT = 'Mozilla/5.0 (compatible; Barracuda Sentinel link protection)';
const PERSON_AGENT = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

type Provider = 'sendgrid' | 'resend';
/** An open as posted: a person's or a proxy's (SendGrid flags both), or one SendGrid sent without the flag. */
type Open = 'person' | 'proxy' | 'unflagged';
type Click = 'person' | 'scanner';
interface Message {
  provider: Provider;
  variant: string;
  id: string;
  /** In arrival order: a proxy's open first, then a person's, still makes a human-opened message. */
  opens: Open[];
  clicks: Click[];
}

/** Per variant: how many messages of each shape, through each provider. */
function messagesOf(variant: string, shape: { sendgrid: [Open[], Click[], number][]; resend: [Open[], Click[], number][] }): Message[] {
  const out: Message[] = [];
  for (const provider of ['sendgrid', 'resend'] as const) {
    for (const [opens, clicks, count] of shape[provider]) {
      for (let i = 0; i < count; i++)
        out.push({ provider, variant, id: `${variant.slice(0, 8)}-${provider}-${out.length}`, opens, clicks });
    }
  }
  return out;
}

// B's people open more; the proxies open everything of a protected inbox in both arms alike.
const MESSAGES: Message[] = [
  ...messagesOf(VARIANT_A, {
    sendgrid: [
      [['proxy'], [], 30],
      [['proxy', 'person'], ['person'], 8],
      [['person'], [], 12],
      [['person', 'person'], ['scanner', 'person'], 4],
      [['unflagged'], [], 6],
      [[], ['scanner'], 5],
      [[], [], 55],
    ],
    resend: [
      [['unflagged'], ['person'], 6],
      [['unflagged', 'unflagged'], [], 3],
      [[], ['scanner'], 2],
      [[], [], 9],
    ],
  }),
  ...messagesOf(VARIANT_B, {
    sendgrid: [
      [['proxy'], [], 28],
      [['proxy', 'person'], ['person', 'person'], 14],
      [['person'], ['person'], 20],
      [['unflagged'], [], 4],
      [[], ['scanner'], 7],
      [[], [], 47],
    ],
    resend: [
      [['unflagged'], ['person'], 9],
      [[], ['scanner'], 3],
      [[], [], 8],
    ],
  }),
];

const at = (hour: number, minute = 0) => Date.UTC(2025, 7, 1, hour, minute);
const SENT_AT = at(9);

/** SendGrid's batch: processed and delivered, then each open and click as SendGrid posts it. */
function sendgridEvents(messages: Message[]): object[] {
  return messages.flatMap((m, i) => {
    const base = (event: string, when: number, extra: object = {}) => ({
      email: `reader${i}@example.com`,
      timestamp: when / 1000,
      event,
      sg_event_id: randomUUID(),
      sg_message_id: `${m.id}.filter0001`,
      circuit_execution_id: CIRCUIT,
      ab_test_id: TEST,
      variant_id: m.variant,
      ...extra,
    });
    return [
      base('processed', SENT_AT),
      base('delivered', SENT_AT + 60_000),
      ...m.opens.map((open, k) => base('open', at(10 + k, 5), open === 'unflagged' ? {} : { sg_machine_open: open === 'proxy' })),
      ...m.clicks.map((click, k) =>
        base('click', at(12 + k), { url: 'https://example.com/offer', useragent: click === 'scanner' ? SCANNER_AGENT : PERSON_AGENT }),
      ),
    ];
  });
}

/** Resend posts one event per delivery, each with the message's tags (its attribution). */
function resendEvents(m: Message): object[] {
  const data = (extra: object = {}) => ({
    email_id: randomUUIDFor(m.id),
    created_at: new Date(SENT_AT).toISOString(),
    from: 'News <news@example.com>',
    to: ['reader@example.org'],
    subject: 'August offer',
    tags: { circuit_execution_id: CIRCUIT, ab_test_id: TEST, variant_id: m.variant },
    ...extra,
  });
  return [
    { type: 'email.sent', created_at: new Date(SENT_AT).toISOString(), data: data() },
    { type: 'email.delivered', created_at: new Date(SENT_AT + 60_000).toISOString(), data: data() },
    ...m.opens.map((_, k) => ({ type: 'email.opened', created_at: new Date(at(10 + k, 5)).toISOString(), data: data() })),
    ...m.clicks.map((click, k) => ({
      type: 'email.clicked',
      created_at: new Date(at(12 + k)).toISOString(),
      data: data({
        click: {
          ipAddress: '192.0.2.10',
          link: 'https://example.com/offer',
          timestamp: new Date(at(12 + k)).toISOString(),
          userAgent: click === 'scanner' ? SCANNER_AGENT : PERSON_AGENT,
        },
      }),
    })),
  ];
}

/** A stable email id per message (Resend's ids are UUIDs). */
const EMAIL_IDS = new Map<string, string>();
function randomUUIDFor(id: string): string {
  if (!EMAIL_IDS.has(id)) EMAIL_IDS.set(id, randomUUID());
  return EMAIL_IDS.get(id)!;
}

async function postResend(app: AppUnderTest, event: object): Promise<void> {
  const body = JSON.stringify(event);
  const headers = signResend({ secret: TEST_SECRETS.RESEND_WEBHOOK_SECRET, id: `msg_${randomUUID().replaceAll('-', '')}`, body });
  const response = await fetch(`${app.url}/api/webhooks/metrics?provider=resend&workspace_id=${DEV_WORKSPACE_ID}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  expect(response.status, await response.text()).toBe(202);
}

/**
 * What each variant's cells must read, from the messages as posted and how the providers mark them
 * (docs/providers.md): SendGrid's flag decides its opens, an open without it and every Resend open
 * is unknown; a scanner's user agent makes a click a bot's, any other click is a person's.
 */
function expectedCells(variant: string): Record<string, string> {
  const mine = MESSAGES.filter((m) => m.variant === variant);
  const classOf = (m: Message, open: Open) =>
    m.provider === 'resend' || open === 'unflagged' ? 'unknown' : open === 'proxy' ? 'machine' : 'human';
  const count = (f: (m: Message) => number) => mine.reduce((n, m) => n + f(m), 0);
  const delivered = mine.length;
  const opened = count((m) => m.opens.length);
  const clicked = count((m) => m.clicks.length);
  const uniqueOpened = count((m) => (m.opens.length > 0 ? 1 : 0));
  const uniqueClicked = count((m) => (m.clicks.length > 0 ? 1 : 0));
  const humanOpened = count((m) => (m.opens.some((o) => classOf(m, o) === 'human') ? 1 : 0));
  const humanClicked = count((m) => (m.clicks.includes('person') ? 1 : 0));
  const rate = (n: number) => formatPercent((100 * n) / delivered);
  return {
    email_sent: formatCount(delivered),
    email_delivered: formatCount(delivered),
    delivery_rate: formatPercent(100),
    email_opened: formatCount(opened),
    email_machine_opened: formatCount(count((m) => m.opens.filter((o) => classOf(m, o) === 'machine').length)),
    email_unique_opened: formatCount(uniqueOpened),
    email_unique_human_opened: formatCount(humanOpened),
    email_clicked: formatCount(clicked),
    email_bot_clicked: formatCount(count((m) => m.clicks.filter((c) => c === 'scanner').length)),
    email_unique_clicked: formatCount(uniqueClicked),
    email_unique_human_clicked: formatCount(humanClicked),
    open_rate: rate(opened),
    unique_open_rate: rate(uniqueOpened),
    human_open_rate: rate(humanOpened),
    click_rate: rate(clicked),
    unique_click_rate: rate(uniqueClicked),
    human_click_rate: rate(humanClicked),
  };
}

/** The per-provider row: opens by class over both variants, the machine share and the unknown share. */
function expectedProvider(provider: Provider): Record<string, string> {
  const opens = MESSAGES.filter((m) => m.provider === provider).flatMap((m) => m.opens);
  const total = opens.length;
  const unknown = provider === 'resend' ? total : opens.filter((o) => o === 'unflagged').length;
  const machine = provider === 'resend' ? 0 : opens.filter((o) => o === 'proxy').length;
  const share = (n: number) => formatPercent(Math.round((10_000 * n) / total) / 100);
  return {
    opens_total: formatCount(total),
    opens_human: formatCount(total - unknown - machine),
    opens_machine: formatCount(machine),
    opens_bot: '0',
    opens_unknown: formatCount(unknown),
    // Resend's opens all unknown: the share cannot be told, which is not 0 %.
    machine_open_share: unknown === total ? 'Cannot tell' : share(machine),
    unknown_open_share: share(unknown),
  };
}

describe.skipIf(NO_BROWSER).each(DATABASE_KINDS)(`people and machines on the A/B view in Chromium on %s${SKIPPED}`, (kind) => {
  let app: AppUnderTest;
  let browser: OpenBrowser;
  let page: Page;
  const view = `/dashboard/ab-tests?workspaceId=${DEV_WORKSPACE_ID}&abTestId=${TEST}`;

  beforeAll(async () => {
    app = await startApp(kind, { METRICS_LOCAL_SIGN_IN: 'true' });
    browser = await openChromium({ viewport: WIDE });
    ({ page } = browser);
    await postSendGrid(app, sendgridEvents(MESSAGES.filter((m) => m.provider === 'sendgrid')));
    for (const message of MESSAGES.filter((m) => m.provider === 'resend')) {
      for (const event of resendEvents(message)) await postResend(app, event);
    }
    await page.goto(`${app.url}${view}`);
    await page.waitForURL(/\/sign-in\?next=/);
    await Promise.all([page.waitForURL(/\/dashboard\/ab-tests/), page.getByRole('button', { name: 'Sign in as dev@localhost' }).click()]);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('shows human, machine and total opens and clicks per variant, with the human rates beside the others', async () => {
    await page.goto(`${app.url}${view}`);
    for (const variant of [VARIANT_A, VARIANT_B]) {
      for (const [column, value] of Object.entries(expectedCells(variant))) {
        const table = ['email_sent', 'email_delivered', 'delivery_rate'].includes(column)
          ? 'email'
          : column.includes('open')
            ? 'opens'
            : 'clicks';
        expect(
          await text(page, `[data-testid="variant-table-${table}"] [data-variant="${variant}"] [data-col="${column}"]`),
          `${variant} ${column}`,
        ).toBe(value);
      }
      // The email table keeps its totals, the same as the breakdowns' beside them.
      for (const column of ['email_opened', 'email_unique_opened', 'email_clicked', 'email_unique_clicked', 'unique_open_rate']) {
        expect(await text(page, `[data-testid="variant-table-email"] [data-variant="${variant}"] [data-col="${column}"]`)).toBe(
          expectedCells(variant)[column],
        );
      }
    }
    // Machines level the totals; people tell the variants apart.
    const a = expectedCells(VARIANT_A);
    const b = expectedCells(VARIANT_B);
    expect(Number.parseFloat(b.human_open_rate!)).toBeGreaterThan(Number.parseFloat(a.human_open_rate!));
  });

  it('shows the machine share of opens per provider, and says where a provider cannot tell machines apart', async () => {
    await page.goto(`${app.url}${view}`);
    for (const provider of ['sendgrid', 'resend'] as const) {
      for (const [column, value] of Object.entries(expectedProvider(provider))) {
        expect(
          await text(page, `[data-testid="machine-share-table"] [data-provider="${provider}"] [data-col="${column}"]`),
          `${provider} ${column}`,
        ).toBe(value);
      }
    }
    const resend = await text(page, '[data-testid="unknown-note-resend"]');
    expect(resend).toContain('Resend cannot tell machines apart');
    expect(resend).toContain('cannot be told (it is not 0 %)');
    const sendgrid = await text(page, '[data-testid="unknown-note-sendgrid"]');
    const unflagged = MESSAGES.filter((m) => m.provider === 'sendgrid').flatMap((m) => m.opens.filter((o) => o === 'unflagged')).length;
    expect(sendgrid).toContain(`${formatCount(unflagged)} of its`);
    expect(sendgrid).toContain('sg_machine_open');
    expect(sendgrid).toContain(expectedProvider('sendgrid').unknown_open_share!);
  });

  it('leaves the decision card to say which metric decided and why: Resend cannot flag machine opens', async () => {
    await page.goto(`${app.url}${view}`);
    const metric = page.locator('[data-testid="decision-metric"]');
    expect(await metric.getAttribute('data-metric')).toBe('unique_human_click_rate');
    expect(await text(page, '[data-testid="decision-metric"]')).toContain('Resend');
  });

  it('is axe-clean at 1280 and 390 px, and nothing pushes the page sideways', async () => {
    for (const size of [WIDE, NARROW]) {
      await page.setViewportSize(size);
      await page.goto(`${app.url}${view}`);
      expect(await seriousViolations(page), `${size.width} px`).toEqual([]);
    }
    await page.setViewportSize(WIDE);
    await page.goto(`${app.url}${view}`);
    await screenshots(page, 'ab-tests-people-machines', kind === 'pglite');
  });

  it('logged no console error or uncaught exception', () => {
    expect(browser.problems).toEqual([]);
  });
});
