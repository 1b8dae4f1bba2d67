// Each backfill client against a local server speaking that provider's API: paging, auth
// headers, rate limits, errors and malformed pages. No database: the worker is tested apart.
import { afterEach, describe, expect, it } from 'vitest';
import { hashEmail } from '../../src/lib/decision-circuits/metrics';
import type { BackfillContext, BackfillPage, KnownObject } from '../../src/lib/decision-circuits/metrics/providers/kit/backfill-client';
import { ProviderApiError, ProviderHttp } from '../../src/lib/decision-circuits/metrics/providers/kit/backfill-http';
import { BACKFILL_CLIENTS } from '../../src/lib/decision-circuits/metrics/providers/registry';
import { SENDGRID_MESSAGES_LIMIT } from '../../src/lib/decision-circuits/metrics/providers/sendgrid/backfill';
import type { MetricsProvider } from '../../src/lib/decision-circuits/metrics';
import {
  fixture,
  linkedinStatisticsApi,
  metaGraphApi,
  resendEmailsApi,
  sendgridActivityApi,
  startFakeProvider,
  withFaults,
  type ActivityMessage,
  type FakeProvider,
  type Handler,
  type ResendEmail,
} from '../fixtures/backfill/fake-providers';

let fake: FakeProvider | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

const WINDOW = { start: new Date('2025-03-01T00:00:00Z'), end: new Date('2025-03-03T00:00:00Z') };

function context(
  provider: MetricsProvider,
  options: { known?: KnownObject[]; sleeps?: number[]; classify?: boolean } = {},
): BackfillContext {
  const client = BACKFILL_CLIENTS[provider];
  const sleeps = options.sleeps ?? [];
  const known = [...(options.known ?? [])].sort((a, b) => a.provider_object_id.localeCompare(b.provider_object_id));
  return {
    workspaceId: '00000000-0000-4000-8000-00000000d001',
    provider,
    window: WINDOW,
    http: new ProviderHttp(
      client.label,
      { sleep: async (ms) => void sleeps.push(ms), baseDelayMs: 10, maxRetries: 2 },
      client.classifyError,
    ),
    knownObjects: async (after, limit) => known.filter((k) => after === null || k.provider_object_id > after).slice(0, limit),
  };
}

async function collect(
  provider: MetricsProvider,
  env: Record<string, string>,
  ctx: BackfillContext,
  cursor: unknown = null,
): Promise<BackfillPage[]> {
  const source = BACKFILL_CLIENTS[provider].open(env);
  if (typeof source === 'string') throw new Error(source);
  const pages: BackfillPage[] = [];
  for await (const page of source.pages(ctx, cursor)) pages.push(page);
  return pages;
}

async function serve(handler: Handler): Promise<FakeProvider> {
  fake = await startFakeProvider(handler);
  return fake;
}

describe('SendGrid Email Activity client', () => {
  it('reads the documented message format into per-recipient totals keyed by X-Message-Id', async () => {
    const page = fixture<{ messages: ActivityMessage[] }>('sendgrid/messages-page.json');
    const server = await serve(sendgridActivityApi('SG.key', page.messages));
    const pages = await collect('sendgrid', { SENDGRID_API_KEY: 'SG.key', SENDGRID_API_BASE_URL: server.url }, context('sendgrid'));
    const records = pages.flatMap((p) => p.records);
    expect(records).toHaveLength(3);
    const ann = records.find((r) => r.recordId.endsWith('-12.0'));
    expect(ann).toMatchObject({
      objectId: 'Xk3pQ2mTR0a9dLw1bYcZfg',
      recipientHash: hashEmail('ann@example.com'),
      occurredAt: '2025-03-02T10:15:07.000Z',
      totals: { email_sent: { value: 1 }, email_delivered: { value: 1 }, email_open: { value: 3 }, email_click: { value: 1 } },
    });
    const bounced = records.find((r) => r.objectId === 'p7VhN0sKQyGm4cT2aWfE1A');
    expect(bounced?.totals.email_delivered?.value).toBe(0);
    const query = server.requests[0]?.query;
    expect(query?.get('query')).toBe('last_event_time BETWEEN TIMESTAMP "2025-03-01T00:00:00Z" AND TIMESTAMP "2025-03-02T23:59:59Z"');
    expect(query?.get('limit')).toBe('1000');
    expect(server.requests[0]?.headers.authorization).toBe('Bearer SG.key');
    expect(pages.at(-1)?.cursor).toBeNull();
    expect(pages.at(-1)?.fraction).toBe(1);
  });

  it('pages a busy window by halving it until each slice fits, reading every message exactly once', async () => {
    // 2,300 messages over two days: more than two full pages, unevenly spread.
    const messages: ActivityMessage[] = Array.from({ length: 2300 }, (_, i) => ({
      msg_id: `msg${i}.filter-${i}`,
      to_email: `r${i}@example.com`,
      status: 'delivered',
      opens_count: i % 3,
      clicks_count: 0,
      last_event_time: new Date(WINDOW.start.getTime() + (i < 1500 ? i * 1000 : 86_400_000 + i * 7000)).toISOString(),
    }));
    const server = await serve(sendgridActivityApi('SG.key', messages));
    const pages = await collect('sendgrid', { SENDGRID_API_KEY: 'SG.key', SENDGRID_API_BASE_URL: server.url }, context('sendgrid'));
    const ids = pages.flatMap((p) => p.records.map((r) => r.recordId));
    expect(ids).toHaveLength(2300);
    expect(new Set(ids).size).toBe(2300);
    // Every request stayed under the page limit except the ones that were split.
    const full = pages.filter((p) => p.records.length >= SENDGRID_MESSAGES_LIMIT);
    expect(full).toHaveLength(0);
    expect(server.requests.length).toBeGreaterThan(pages.length);
    expect(pages.map((p) => p.fraction)).toEqual([...pages.map((p) => p.fraction)].sort((a, b) => (a ?? 0) - (b ?? 0)));
  });

  it('resumes from a saved cursor without re-reading finished slices', async () => {
    const messages = fixture<{ messages: ActivityMessage[] }>('sendgrid/messages-page.json').messages;
    const server = await serve(sendgridActivityApi('SG.key', messages));
    const from = Math.floor(Date.parse('2025-03-02T00:00:00Z') / 1000);
    const cursor = { slices: [[from, from + 86_399]], done_seconds: 86_400 };
    const pages = await collect('sendgrid', { SENDGRID_API_KEY: 'SG.key', SENDGRID_API_BASE_URL: server.url }, context('sendgrid'), cursor);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.query.get('query')).toContain('TIMESTAMP "2025-03-02T00:00:00Z"');
    expect(pages[0]?.records).toHaveLength(3);
  });

  it('fails on a page of the wrong shape, naming the field', async () => {
    const server = await serve(() => ({ json: { messages: [{ status: 'delivered' }] } }));
    const error = (await collect('sendgrid', { SENDGRID_API_KEY: 'k', SENDGRID_API_BASE_URL: server.url }, context('sendgrid')).catch(
      (e: unknown) => e,
    )) as ProviderApiError;
    expect(error).toBeInstanceOf(ProviderApiError);
    expect(error.message).toMatch(/^SendGrid Email Activity API GET \/v3\/messages: unexpected response \(messages\.0\.msg_id: /);
  });
});

describe('Resend emails client', () => {
  const emails: ResendEmail[] = [
    { id: 'e-new', created_at: '2025-03-04 09:00:00.000001+00', last_event: 'opened' },
    ...Array.from({ length: 150 }, (_, i) => ({
      id: `e-${String(i).padStart(3, '0')}`,
      created_at: new Date(Date.parse('2025-03-02T23:00:00Z') - i * 600_000).toISOString(),
      last_event: ['delivered', 'opened', 'clicked', 'bounced', 'queued'][i % 5] ?? 'sent',
    })),
    ...Array.from({ length: 250 }, (_, i) => ({
      id: `e-old-${i}`,
      created_at: `2025-02-${String(10 + (i % 15)).padStart(2, '0')}T10:00:00Z`,
      last_event: 'delivered',
    })),
  ];

  it('follows after= cursors newest first and stops once past the window start', async () => {
    const server = await serve(resendEmailsApi('re_key', emails));
    const pages = await collect('resend', { RESEND_API_KEY: 're_key', RESEND_API_BASE_URL: server.url }, context('resend'));
    const records = pages.flatMap((p) => p.records);
    // 150 emails in the window; the newer one is skipped; the 250 older are never all paged.
    expect(records).toHaveLength(150);
    expect(server.requests.map((r) => r.query.get('after'))).toEqual([null, 'e-098']);
    expect(server.requests.every((r) => r.query.get('limit') === '100')).toBe(true);
    expect(pages.at(-1)?.cursor).toBeNull();
    const byEvent = (id: string) => records.find((r) => r.recordId === id)?.totals;
    expect(byEvent('e-001')).toEqual({
      email_sent: { value: 1, field: 'last_event' },
      email_delivered: { value: 1, field: 'last_event' },
      email_open: { value: 1, field: 'last_event' },
    });
    expect(Object.keys(byEvent('e-002') ?? {})).toEqual(['email_sent', 'email_delivered', 'email_click']);
    expect(Object.keys(byEvent('e-003') ?? {})).toEqual(['email_sent', 'email_bounce']);
    expect(byEvent('e-004')).toEqual({});
  });

  it('reads both created_at formats of the documented list response', async () => {
    const page = fixture<{ data: ResendEmail[] }>('resend/emails-page.json');
    const server = await serve(resendEmailsApi('re_key', page.data));
    const records = (await collect('resend', { RESEND_API_KEY: 're_key', RESEND_API_BASE_URL: server.url }, context('resend'))).flatMap(
      (p) => p.records,
    );
    expect(records.map((r) => r.occurredAt)).toEqual(['2025-03-02T22:13:42.674Z', '2025-03-02T10:01:55.120Z', '2025-03-01T08:00:00.000Z']);
  });

  it('resumes after the saved email id', async () => {
    const server = await serve(resendEmailsApi('re_key', emails));
    await collect('resend', { RESEND_API_KEY: 're_key', RESEND_API_BASE_URL: server.url }, context('resend'), { after: 'e-120' });
    expect(server.requests[0]?.query.get('after')).toBe('e-120');
  });

  it('waits out a 429 with Retry-After and carries on', async () => {
    const sleeps: number[] = [];
    const server = await serve(
      withFaults(resendEmailsApi('re_key', emails), [
        {
          status: 429,
          headers: { 'retry-after': '1', 'ratelimit-remaining': '0', 'ratelimit-reset': '1' },
          json: fixture('resend/error-rate-limited.json'),
        },
      ]),
    );
    const pages = await collect('resend', { RESEND_API_KEY: 're_key', RESEND_API_BASE_URL: server.url }, context('resend', { sleeps }));
    expect(sleeps).toEqual([1000]);
    expect(pages.flatMap((p) => p.records)).toHaveLength(150);
  });
});

describe('Meta Graph clients', () => {
  const env = (url: string) => ({
    META_ACCESS_TOKEN: 'EAAB',
    META_PAGE_ID: '104857300000001',
    INSTAGRAM_USER_ID: '17841400000000001',
    META_GRAPH_BASE_URL: `${url}/v23.0`,
  });
  const posts = Array.from({ length: 5 }, (_, i) => ({
    id: `104857300000001_12210100000000${i}`,
    created_time: new Date(Date.parse('2025-03-02T20:00:00Z') - i * 3_600_000).toISOString(),
    reactions: 10 + i,
    comments: i,
    ...(i % 2 === 0 ? { shares: i } : {}),
  }));

  it('pages published posts by cursor on our own host, with like/comment/share totals and clicks', async () => {
    const server = await serve(
      metaGraphApi({ token: 'EAAB', pageId: '104857300000001', posts, pageSize: 2, insights: { [posts[0]!.id]: { post_clicks: 31 } } }),
    );
    const pages = await collect('facebook', env(server.url), context('facebook'));
    const records = pages.flatMap((p) => p.records);
    expect(records.map((r) => r.objectId)).toEqual(posts.map((p) => p.id));
    expect(records[0]?.totals).toEqual({
      social_like: { value: 10, field: 'reactions.summary.total_count' },
      social_comment: { value: 0, field: 'comments.summary.total_count' },
      social_share: { value: 0, field: 'shares.count' },
      social_click: { value: 31, field: 'insights.post_clicks' },
    });
    expect(records[3]?.totals.social_share?.value).toBe(0);
    const lists = server.requests.filter((r) => r.path.endsWith('/published_posts'));
    expect(lists).toHaveLength(3);
    // paging.next points at graph.facebook.com with a token in it: never fetched, cursor reused.
    expect(lists[1]?.query.get('after')).toBe(Buffer.from('2').toString('base64'));
    expect(lists.every((r) => r.query.get('since') === String(WINDOW.start.getTime() / 1000))).toBe(true);
    expect(server.requests.every((r) => r.headers.authorization === 'Bearer EAAB')).toBe(true);
    expect(server.requests.some((r) => r.query.get('access_token') !== null)).toBe(false);
    expect(pages[0]?.cursor).toEqual({ until: Math.floor(Date.parse(posts[1]!.created_time) / 1000) });
  });

  it('reads the documented published_posts and insights responses', async () => {
    const listing = fixture<{ data: unknown[] }>('facebook/published-posts.json');
    const insights = fixture('facebook/post-insights.json');
    const server = await serve((request) => {
      if (request.path.endsWith('/insights')) return { json: insights };
      return { json: { ...listing, paging: { cursors: { before: 'a', after: 'b' } } } };
    });
    const records = (await collect('facebook', env(server.url), context('facebook'))).flatMap((p) => p.records);
    expect(records).toHaveLength(2);
    expect(records[1]).toMatchObject({
      objectId: '104857300000001_122101000000001',
      occurredAt: '2025-03-02T10:15:07.000Z',
      totals: { social_like: { value: 57 }, social_comment: { value: 12 }, social_share: { value: 4 }, social_click: { value: 31 } },
    });
  });

  it('treats throttling error code 4 (HTTP 400) as a rate limit: backs off and retries', async () => {
    const sleeps: number[] = [];
    const server = await serve(
      withFaults(metaGraphApi({ token: 'EAAB', pageId: '104857300000001', posts: posts.slice(0, 1) }), [
        { status: 400, json: fixture('facebook/error-throttled.json') },
      ]),
    );
    const records = (await collect('facebook', env(server.url), context('facebook', { sleeps }))).flatMap((p) => p.records);
    expect(records).toHaveLength(1);
    expect(sleeps).toHaveLength(1);
  });

  it('lists Instagram media with shares from insights (views are the insights poll\'s), skipping "not enough viewers"', async () => {
    const media = fixture<{ data: { id: string; timestamp: string; like_count: number; comments_count: number }[] }>(
      'instagram/media.json',
    ).data;
    const server = await serve(
      metaGraphApi({
        token: 'EAAB',
        igUserId: '17841400000000001',
        media,
        insights: {
          '17895695668004550': { views: 2200, shares: 9 },
          '17895695668004551': { status: 400, json: fixture('instagram/error-not-enough-viewers.json') },
        },
      }),
    );
    const pages = await collect('instagram', env(server.url), context('instagram'));
    const records = pages.flatMap((p) => p.records);
    expect(records[0]?.totals).toEqual({
      social_like: { value: 120, field: 'like_count' },
      social_comment: { value: 8, field: 'comments_count' },
      social_share: { value: 9, field: 'insights.shares' },
    });
    expect(records[1]?.totals).toEqual({
      social_like: { value: 4, field: 'like_count' },
      social_comment: { value: 0, field: 'comments_count' },
    });
    expect(pages.flatMap((p) => p.warnings)).toEqual([expect.stringContaining('Not enough viewers')]);
    expect(server.requests.find((r) => r.path.endsWith('/insights'))?.query.get('metric')).toBe('shares');
  });

  it('fails on an invalid token with the Graph message', async () => {
    const server = await serve(metaGraphApi({ token: 'other', pageId: '104857300000001', posts }));
    await expect(collect('facebook', env(server.url), context('facebook'))).rejects.toThrow(
      'Meta Graph API GET /{page-id}/published_posts: HTTP 400: Invalid OAuth access token - Cannot parse access token',
    );
  });
});

describe('LinkedIn share statistics client', () => {
  const ORG = 'urn:li:organization:96072893';
  const env = (url: string) => ({ LINKEDIN_ACCESS_TOKEN: 'AQV', LINKEDIN_ORGANIZATION_URN: ORG, LINKEDIN_API_BASE_URL: `${url}/rest` });
  const known = [
    ...Array.from({ length: 30 }, (_, i) => ({
      provider_object_id: `urn:li:share:70946372474879959${String(i).padStart(2, '0')}`,
      created_at: new Date('2025-03-02T10:00:00Z'),
    })),
    { provider_object_id: 'urn:li:ugcPost:7094637247487995999', created_at: new Date('2025-03-01T10:00:00Z') },
    { provider_object_id: 'urn:li:activity:7094637247890620418', created_at: new Date('2025-03-01T11:00:00Z') },
  ];
  const stats = Object.fromEntries(
    known
      .filter((k) => !k.provider_object_id.includes('activity'))
      .map((k, i) => [k.provider_object_id, { impressionCount: 100 + i, clickCount: i, likeCount: 2 * i, commentCount: 1, shareCount: 0 }]),
  );

  it('asks for the known share and ugcPost URNs in Rest.li lists, 20 per request, with version headers', async () => {
    const server = await serve(linkedinStatisticsApi('AQV', ORG, stats));
    const pages = await collect('linkedin', env(server.url), context('linkedin', { known }));
    const records = pages.flatMap((p) => p.records);
    expect(records).toHaveLength(31);
    expect(server.requests).toHaveLength(2);
    const first = server.requests[0]!;
    expect(first.rawQuery).toMatch(
      /^q=organizationalEntity&organizationalEntity=urn%3Ali%3Aorganization%3A96072893&shares=List\(urn%3Ali%3Ashare%3A/,
    );
    expect(first.headers['linkedin-version']).toMatch(/^\d{6}$/);
    expect(first.headers['x-restli-protocol-version']).toBe('2.0.0');
    expect(server.requests[1]?.rawQuery).toContain('ugcPosts=List(urn%3Ali%3AugcPost%3A7094637247487995999)');
    const ugc = records.find((r) => r.objectId.startsWith('urn:li:ugcPost'));
    expect(ugc?.occurredAt).toBe('2025-03-01T10:00:00.000Z');
    expect(pages.flatMap((p) => p.warnings)).toEqual([expect.stringContaining('activity URNs')]);
  });

  it('reads the documented statistics response', async () => {
    const server = await serve(() => ({ json: fixture('linkedin/share-statistics.json') }));
    const records = (
      await collect(
        'linkedin',
        env(server.url),
        context('linkedin', {
          known: [
            { provider_object_id: 'urn:li:share:7094637247487995904', created_at: new Date('2025-03-02T00:00:00Z') },
            { provider_object_id: 'urn:li:ugcPost:7094637247487995999', created_at: new Date('2025-03-02T00:00:00Z') },
          ],
        }),
      )
    ).flatMap((p) => p.records);
    expect(records[0]?.totals).toEqual({
      social_click: { value: 21, field: 'clickCount' },
      social_like: { value: 40, field: 'likeCount' },
      social_comment: { value: 6, field: 'commentCount' },
      social_share: { value: 3, field: 'shareCount' },
    });
    expect(records).toHaveLength(2);
  });

  it('gives up on a throttled day after its bounded retries', async () => {
    const server = await serve(() => ({ status: 429, json: fixture('linkedin/error-throttled.json') }));
    await expect(collect('linkedin', env(server.url), context('linkedin', { known }))).rejects.toThrow(
      /^LinkedIn API GET \/organizationalEntityShareStatistics: rate limited .*gave up after 3 attempts$/,
    );
    expect(server.requests).toHaveLength(3);
  });
});

describe('missing credentials', () => {
  it.each([
    ['sendgrid', 'SendGrid backfill is not configured: set SENDGRID_API_KEY'],
    ['resend', 'Resend backfill is not configured: set RESEND_API_KEY'],
    ['facebook', 'Facebook backfill is not configured: set META_ACCESS_TOKEN and META_PAGE_ID'],
    ['instagram', 'Instagram backfill is not configured: set META_ACCESS_TOKEN and INSTAGRAM_USER_ID'],
    ['linkedin', 'LinkedIn backfill is not configured: set LINKEDIN_ACCESS_TOKEN and LINKEDIN_ORGANIZATION_URN'],
  ] as const)('%s names the variables to set', (provider, message) => {
    expect(BACKFILL_CLIENTS[provider].open({})).toBe(message);
  });
});
