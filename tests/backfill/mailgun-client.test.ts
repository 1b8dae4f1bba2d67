// The Mailgun backfill client against a local stand-in of the Events API (real response format,
// paging by absolute paging.next URLs, basic auth, 429s). No database: the worker is tested apart.
import { afterEach, describe, expect, it } from 'vitest';
import type { BackfillContext, BackfillPage } from '../../src/lib/decision-circuits/metrics/providers/kit/backfill-client';
import { ProviderApiError, ProviderHttp } from '../../src/lib/decision-circuits/metrics/providers/kit/backfill-http';
import {
  MAILGUN_API_BASE_URL,
  MAILGUN_EVENTS_LIMIT,
  mailgunBackfill,
} from '../../src/lib/decision-circuits/metrics/providers/mailgun/backfill';
import { hashEmail } from '../../src/lib/decision-circuits/metrics/providers/kit/provider';
import { fixture, startFakeProvider, withFaults, type FakeProvider, type Handler } from '../fixtures/backfill/fake-providers';
import { mailgunEventsApi, type MailgunApiEvent } from '../fixtures/backfill/mailgun-events-api';

const KEY = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
const DOMAIN = 'mg.example.com';
const WINDOW = { start: new Date('2025-03-01T00:00:00Z'), end: new Date('2025-03-03T00:00:00Z') };
const M1 = '20250301093000.5e2f0c1a9b8d7e64@mg.example.com';
const M2 = '20250302141500.0a1b2c3d4e5f6071@mg.example.com';

let fake: FakeProvider | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

function context(sleeps: number[] = []): BackfillContext {
  return {
    workspaceId: '00000000-0000-4000-8000-00000000d001',
    provider: mailgunBackfill.provider,
    window: WINDOW,
    http: new ProviderHttp(mailgunBackfill.label, { sleep: async (ms) => void sleeps.push(ms), baseDelayMs: 10, maxRetries: 2 }),
    knownObjects: async () => [],
  };
}

async function serve(handler: Handler): Promise<FakeProvider> {
  fake = await startFakeProvider(handler);
  return fake;
}

const env = (url: string) => ({ MAILGUN_API_KEY: KEY, MAILGUN_DOMAIN: DOMAIN, MAILGUN_API_BASE_URL: url });

async function collect(ctx: BackfillContext, url: string, cursor: unknown = null, stopAfter = Infinity): Promise<BackfillPage[]> {
  const source = mailgunBackfill.open(env(url));
  if (typeof source === 'string') throw new Error(source);
  const pages: BackfillPage[] = [];
  for await (const page of source.pages(ctx, cursor)) {
    pages.push(page);
    if (pages.length >= stopAfter) break;
  }
  return pages;
}

/** The totals a pair holds after the last page that touched it. */
function latestTotals(pages: BackfillPage[]): Map<string, Record<string, number>> {
  const latest = new Map<string, Record<string, number>>();
  for (const record of pages.flatMap((p) => p.records)) {
    latest.set(record.recordId, Object.fromEntries(Object.entries(record.totals).map(([kind, total]) => [kind, total?.value ?? 0])));
  }
  return latest;
}

/** `count` opens spread over the window for `pairs` message/recipient pairs, each pair accepted first. */
function busyWindow(pairs: number, opensEach: number): MailgunApiEvent[] {
  const events: MailgunApiEvent[] = [];
  for (let p = 0; p < pairs; p += 1) {
    const messageId = `20250301000000.${String(p).padStart(16, '0')}@${DOMAIN}`;
    const recipient = `r${p}@example.org`;
    const base = { recipient, message: { headers: { 'message-id': messageId } } };
    events.push({ ...base, id: `acc-${p}`, event: 'accepted', timestamp: WINDOW.start.getTime() / 1000 + 60 + p });
    for (let o = 0; o < opensEach; o += 1) {
      // Opens far apart in time, so one pair's events land on several pages.
      events.push({ ...base, id: `open-${p}-${o}`, event: 'opened', timestamp: WINDOW.start.getTime() / 1000 + 3600 * (1 + o * 12) + p });
    }
  }
  return events;
}

describe('Mailgun Events API client', () => {
  it("reads the documented event format into totals per message and recipient, keyed by the send API's Message-Id", async () => {
    const { items } = fixture<{ items: MailgunApiEvent[] }>('mailgun/events-page.json');
    const server = await serve(mailgunEventsApi(KEY, DOMAIN, items));
    const pages = await collect(context(), server.url);
    const records = pages.flatMap((p) => p.records);

    const ann = records.filter((r) => r.objectId === M1 && r.recipientHash === hashEmail('ann@example.org')).at(-1);
    expect(ann).toMatchObject({
      recordId: `${M1}|${hashEmail('ann@example.org')}`,
      occurredAt: '2025-03-01T09:30:00.112Z',
      totals: {
        email_sent: { value: 1, field: 'event:accepted' },
        email_delivered: { value: 1, field: 'event:delivered' },
        email_open: { value: 2, field: 'event:opened' },
        email_click: { value: 1, field: 'event:clicked' },
      },
      source: { message_id: M1, first_event_id: 'Ak1Bq2Cr3Ds4Et5Fu6Gv7H' },
    });
    // The temporary failure counts nowhere; the later permanent one is the bounce.
    const bob = records.find((r) => r.objectId === M1 && r.recipientHash === hashEmail('bob@example.net'));
    expect(bob?.totals).toEqual({
      email_sent: { value: 1, field: 'event:accepted' },
      email_bounce: { value: 1, field: 'event:failed:permanent' },
    });
    const cy = records.find((r) => r.objectId === M2);
    expect(Object.fromEntries(Object.entries(cy?.totals ?? {}).map(([k, v]) => [k, v?.value]))).toEqual({
      email_sent: 1,
      email_delivered: 1,
      email_complaint: 1,
      email_unsubscribe: 1,
    });
    expect(pages.flatMap((p) => p.warnings)).toEqual(['1 Mailgun events named no message-id; skipped']);
    expect(records.every((r) => !JSON.stringify(r.source).includes('@example.'))).toBe(true);

    const first = server.requests[0];
    expect(first?.path).toBe(`/v3/${DOMAIN}/events`);
    expect(first?.query.get('begin')).toBe(String(WINDOW.start.getTime() / 1000));
    expect(first?.query.get('end')).toBe(String(WINDOW.end.getTime() / 1000));
    expect(first?.query.get('ascending')).toBe('yes');
    expect(first?.query.get('limit')).toBe(String(MAILGUN_EVENTS_LIMIT));
    expect(first?.query.get('event')).toBe('accepted OR delivered OR failed OR opened OR clicked OR complained OR unsubscribed');
    expect(first?.headers.authorization).toBe(`Basic ${Buffer.from(`api:${KEY}`).toString('base64')}`);
    // Paged until an empty page, as Mailgun documents.
    expect(server.requests).toHaveLength(2);
    expect(pages.at(-1)).toMatchObject({ records: [], cursor: null, fraction: 1 });
  });

  it('follows paging.next across pages, carrying each pair’s running total so no page undercounts', async () => {
    const events = busyWindow(260, 3);
    const server = await serve(mailgunEventsApi(KEY, DOMAIN, events));
    const pages = await collect(context(), server.url);
    expect(server.requests.length).toBe(Math.ceil(events.length / MAILGUN_EVENTS_LIMIT) + 1);
    expect(server.requests.slice(1).every((r) => r.path.startsWith(`/v3/${DOMAIN}/events/`))).toBe(true);
    const latest = latestTotals(pages);
    expect(latest.size).toBe(260);
    expect([...latest.values()].every((t) => t.email_sent === 1 && t.email_open === 3)).toBe(true);
    // One record per pair and page; fractions only grow.
    for (const page of pages) expect(new Set(page.records.map((r) => r.recordId)).size).toBe(page.records.length);
    const fractions = pages.map((p) => p.fraction ?? 0);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
  });

  it('resumes from its cursor at the saved page, counting from there on (a lower bound, never more)', async () => {
    const events = busyWindow(260, 3);
    const server = await serve(mailgunEventsApi(KEY, DOMAIN, events));
    const [firstPage] = await collect(context(), server.url, null, 1);
    const cursor = firstPage?.cursor as { page: string; reached_ms: number };
    expect(cursor.page).toMatch(new RegExp(`^/v3/${DOMAIN.replace(/\./g, '\\.')}/events/`));
    expect(firstPage?.fraction).toBeGreaterThan(0);

    const before = server.requests.length;
    const rest = await collect(context(), server.url, JSON.parse(JSON.stringify(cursor)));
    expect(server.requests[before]?.path).toBe(cursor.page.split('?')[0]);
    const resumed = latestTotals(rest);
    const whole = latestTotals(await collect(context(), server.url));
    for (const [pair, totals] of resumed) {
      for (const [kind, value] of Object.entries(totals)) expect(value).toBeLessThanOrEqual(whole.get(pair)?.[kind] ?? 0);
    }
    expect(rest.at(-1)?.cursor).toBeNull();
  });

  it('starts the window over rather than follow a saved page on another host', async () => {
    const server = await serve(mailgunEventsApi(KEY, DOMAIN, busyWindow(3, 1)));
    await collect(context(), server.url, { page: 'https://attacker.example/v3/mg.example.com/events/x', reached_ms: 0 });
    expect(server.requests[0]?.path).toBe(`/v3/${DOMAIN}/events`);
  });

  it('refuses a paging.next that leaves the configured host, before sending the key there', async () => {
    const server = await serve(() => ({
      json: {
        items: busyWindow(1, 0),
        paging: { next: `https://api.mailgun.net/v3/${DOMAIN}/events/elsewhere` },
      },
    }));
    const error = (await collect(context(), server.url).catch((e: unknown) => e)) as ProviderApiError;
    expect(error).toBeInstanceOf(ProviderApiError);
    expect(error.message).toBe("Mailgun Events API GET /v3/<domain>/events: paging.next is not a page of this domain's events");
    expect(server.requests).toHaveLength(1);
  });

  it('waits out a 429 with Retry-After and carries on', async () => {
    const sleeps: number[] = [];
    const events = busyWindow(200, 1);
    const server = await serve(
      withFaults(mailgunEventsApi(KEY, DOMAIN, events), [
        { status: 429, headers: { 'retry-after': '1' }, json: fixture('mailgun/error-rate-limited.json') },
      ]),
    );
    const pages = await collect(context(sleeps), server.url);
    expect(sleeps).toEqual([1000]);
    expect(latestTotals(pages).size).toBe(200);
    expect(server.requests[0]?.path).toBe(server.requests[1]?.path);
  });

  it('fails with the provider’s answer on a wrong key, and names the field of a malformed page', async () => {
    const server = await serve(mailgunEventsApi('another-key', DOMAIN, []));
    const denied = (await collect(context(), server.url).catch((e: unknown) => e)) as ProviderApiError;
    expect(denied.message).toBe('Mailgun Events API GET /v3/<domain>/events: HTTP 401');
    expect(denied.message).not.toContain(KEY);
    await fake?.close();

    const malformed = await serve(() => ({ json: { items: [{ event: 'delivered' }], paging: {} } }));
    const error = (await collect(context(), malformed.url).catch((e: unknown) => e)) as ProviderApiError;
    expect(error.message).toMatch(/^Mailgun Events API GET \/v3\/<domain>\/events: unexpected response \(items\.0\.timestamp: /);
  });

  it('says which variables are missing, and defaults to the US API host', () => {
    expect(mailgunBackfill.open({})).toBe('Mailgun backfill is not configured: set MAILGUN_API_KEY and MAILGUN_DOMAIN');
    expect(mailgunBackfill.open({ MAILGUN_API_KEY: KEY })).toBe('Mailgun backfill is not configured: set MAILGUN_DOMAIN');
    expect(typeof mailgunBackfill.open({ MAILGUN_API_KEY: KEY, MAILGUN_DOMAIN: DOMAIN })).toBe('object');
    expect(MAILGUN_API_BASE_URL).toBe('https://api.mailgun.net');
    expect(mailgunBackfill.envVars).toEqual(['MAILGUN_API_KEY', 'MAILGUN_DOMAIN', 'MAILGUN_API_BASE_URL']);
  });
});
