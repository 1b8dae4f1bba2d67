// The insights poll end to end on a real database against local stand-ins of Meta's Graph API
// and LinkedIn's share statistics: lifetime totals become hourly deltas counted once, LinkedIn's
// posts are read in pages of URNs, throttled and rejected accounts back off, deleted posts stop.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateSecretBoxKey } from '../../src/lib/crypto/secret-box';
import { createConnection } from '../../src/lib/decision-circuits/metrics/tenancy/connections';
import { createWorkspace } from '../../src/lib/decision-circuits/metrics/tenancy/members';
import { getRollups, upsertAttributionMap, type MetricsProvider } from '../../src/lib/decision-circuits/metrics';
import { getInsightsStatus, processInsightsPoll, type InsightsPollOptions } from '../../src/lib/decision-circuits/metrics/insights';
import { LINKEDIN_URNS_PER_REQUEST } from '../../src/lib/decision-circuits/metrics/providers/linkedin/backfill';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import {
  linkedinStatisticsApi,
  metaGraphApi,
  startFakeProvider,
  withFaults,
  type FakeProvider,
  type Handler,
  type MetaData,
  type ShareStatistics,
} from '../fixtures/backfill/fake-providers';

const HOUR = 60 * 60 * 1000;
const ENV = { METRICS_ENCRYPTION_KEYS: generateSecretBoxKey('k1'), NODE_ENV: 'production', DATABASE_URL: 'set' };
const noSleep: InsightsPollOptions['http'] = { sleep: async () => undefined, baseDelayMs: 1 };
const throttled = {
  status: 400,
  json: { error: { message: '(#613) Calls to this api have exceeded the rate limit.', type: 'OAuthException', code: 613 } },
};
const missingPost = (id: string) => ({
  status: 400,
  json: {
    error: {
      message: `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
      type: 'GraphMethodException',
      code: 100,
      error_subcode: 33,
    },
  },
});

describe.each(DATABASE_KINDS)('insights poll on %s', (kind) => {
  let t: TestDatabase;
  const fakes: FakeProvider[] = [];
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await t.drop();
  });
  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((f) => f.close()));
    // Polls read every workspace's due posts: leave none due for the next test.
    await t.db.query(`update metrics_social_insight_posts set state = 'stopped', stop_reason = 'aged_out'`);
  });

  async function fakeApi(handler: Handler): Promise<FakeProvider> {
    const fake = await startFakeProvider(handler);
    fakes.push(fake);
    return fake;
  }

  /** A workspace with a verified connection holding `token` for `account`, and mapped posts. */
  async function connectedAccount(provider: MetricsProvider, account: string, token: string, posts: string[]) {
    const owner = randomUUID();
    const ws = (await createWorkspace(owner, 'Social', { db: t.db })).workspace_id;
    const view = await createConnection(
      owner,
      ws,
      { provider, external_account_id: account, api_key: token },
      { db: t.db, baseUrl: 'https://m.example', env: ENV },
    );
    await t.db.query('select metrics_operator_approve_claim($1)', [view.connection_id]);
    const variants = [randomUUID(), randomUUID()];
    const abTest = randomUUID();
    for (const [i, post] of posts.entries()) {
      await upsertAttributionMap(
        {
          workspace_id: ws,
          provider,
          provider_object_id: post,
          circuit_execution_id: 'circuit-social',
          ab_test_id: abTest,
          variant_id: variants[i % 2],
          channel: 'social',
        },
        { db: t.db },
      );
    }
    return { ws, variants };
  }

  async function impressions(ws: string) {
    const rows = await getRollups({ workspace_id: ws }, { db: t.db });
    const byHour = new Map<string, number>();
    for (const r of rows) byHour.set(r.time_bucket, (byHour.get(r.time_bucket) ?? 0) + Number(r.social_impressions));
    return { total: rows.reduce((n, r) => n + Number(r.social_impressions), 0), byHour };
  }

  const dueNow = () =>
    t.db.query(`update metrics_social_insight_posts set next_poll_at = now() - interval '1 second' where state = 'polling'`);
  const clearBackoff = () => t.db.query(`update metrics_social_insight_accounts set backoff_until = null`);
  const poll = (env: Record<string, string>, at: Date) =>
    processInsightsPoll({ db: t.db, env: { ...ENV, ...env }, http: noSleep, now: () => at });

  it("turns a Page's lifetime views into hourly deltas, counted once: a rerun and an unchanged total add nothing", async () => {
    const page = `1${Date.now()}`;
    const [a, b] = [`${page}_101`, `${page}_102`];
    const { ws } = await connectedAccount('facebook', page, 'EAApage-token', [a, b]);
    const data: MetaData = {
      token: 'EAApage-token',
      insights: { [a]: { post_media_view: 100, post_total_media_view_unique: 80 }, [b]: { post_media_view: 50 } },
    };
    const api = await fakeApi(metaGraphApi(data));
    const t1 = new Date();

    const first = await poll({ META_GRAPH_BASE_URL: `${api.url}/v23.0` }, t1);
    expect(first).toMatchObject({ enrolled: 2, posts_read: 2, snapshots: 2, impressions_added: 150, budget_exhausted: false });
    expect(first.accounts).toEqual([
      expect.objectContaining({ workspace_id: ws, provider: 'facebook', outcome: 'fetched', posts_read: 2 }),
    ]);
    expect(new Set(api.requests.map((r) => r.headers.authorization))).toEqual(new Set(['Bearer EAApage-token']));
    expect(api.requests.map((r) => r.query.get('metric'))).toEqual([
      'post_media_view,post_total_media_view_unique',
      'post_media_view,post_total_media_view_unique',
    ]);

    // Not due yet (15 minutes for a fresh post): a second run reads nothing.
    expect(await poll({ META_GRAPH_BASE_URL: `${api.url}/v23.0` }, t1)).toMatchObject({ posts_read: 0, impressions_added: 0 });

    data.insights = { [a]: { post_media_view: 130 }, [b]: { post_media_view: 50 } };
    await dueNow();
    const t2 = new Date(t1.getTime() + HOUR);
    expect(await poll({ META_GRAPH_BASE_URL: `${api.url}/v23.0` }, t2)).toMatchObject({ posts_read: 2, impressions_added: 30 });
    const counted = await impressions(ws);
    expect(counted.total).toBe(180);
    expect(counted.byHour.get(new Date(Math.floor(t1.getTime() / HOUR) * HOUR).toISOString())).toBe(150);
    expect(counted.byHour.get(new Date(Math.floor(t2.getTime() / HOUR) * HOUR).toISOString())).toBe(30);

    const [post] = await t.db.query<{ unchanged_polls: number; latest_reach: string | null; counted_impressions: string }>(
      `select unchanged_polls, latest_reach, counted_impressions from metrics_social_insight_posts where provider_object_id = $1`,
      [b],
    );
    expect(post).toMatchObject({ unchanged_polls: 1, latest_reach: null });
    expect(Number(post!.counted_impressions)).toBe(50);
    const status = await getInsightsStatus(ws, { db: t.db });
    expect(status).toEqual([expect.objectContaining({ provider: 'facebook', last_fetched_at: t2.toISOString(), posts_polling: 2 })]);
  });

  it(`reads LinkedIn posts ${LINKEDIN_URNS_PER_REQUEST} URNs per request; a post without statistics reads as no figure`, async () => {
    const org = `urn:li:organization:${Date.now() % 1_000_000}`;
    const posts = Array.from({ length: 45 }, (_, i) => `urn:li:share:7${String(i).padStart(4, '0')}`);
    const { ws, variants } = await connectedAccount('linkedin', org, 'AQVlinkedin', posts);
    const stats: Record<string, ShareStatistics> = {};
    // The last post has no statistics yet.
    for (const [i, urn] of posts.slice(0, -1).entries()) {
      stats[urn] = { impressionCount: 10 + i, clickCount: 0, likeCount: 0, commentCount: 0, shareCount: 0 };
    }
    const api = await fakeApi(linkedinStatisticsApi('AQVlinkedin', org, stats));
    const summary = await poll({ LINKEDIN_API_BASE_URL: `${api.url}/rest` }, new Date());
    const expected = posts.slice(0, -1).reduce((n, _, i) => n + 10 + i, 0);
    expect(summary).toMatchObject({ posts_read: 45, snapshots: 44, impressions_added: expected });
    expect(api.requests.map((r) => (r.rawQuery.match(/urn%3Ali%3Ashare/g) ?? []).length)).toEqual([20, 20, 5]);
    const rows = await getRollups({ workspace_id: ws }, { db: t.db });
    const perVariant = (v: string) => rows.filter((r) => r.variant_id === v).reduce((n, r) => n + Number(r.social_impressions), 0);
    expect(perVariant(variants[0]!) + perVariant(variants[1]!)).toBe(expected);
    expect(perVariant(variants[0]!)).toBeGreaterThan(0);
  });

  it('backs off a throttled account (longer each time), reads the others, and resumes once the back-off ends', async () => {
    const [pageA, pageB] = [`2${Date.now()}`, `3${Date.now()}`];
    const throttledWs = (await connectedAccount('facebook', pageA, 'EAAthrottled', [`${pageA}_1`])).ws;
    const okWs = (await connectedAccount('facebook', pageB, 'EAAfine', [`${pageB}_1`])).ws;
    const fine = metaGraphApi({ token: 'EAAfine', insights: { [`${pageB}_1`]: { post_media_view: 7 } } });
    const busy = metaGraphApi({ token: 'EAAthrottled', insights: { [`${pageA}_1`]: { post_media_view: 9 } } });
    let throttling = true;
    const api = await fakeApi((request) => {
      if (request.headers.authorization === 'Bearer EAAfine') return fine(request);
      return throttling ? throttled : busy(request);
    });
    const env = { META_GRAPH_BASE_URL: `${api.url}/v23.0` };

    const first = await poll(env, new Date());
    const byWs = new Map(first.accounts.map((a) => [a.workspace_id, a]));
    expect(byWs.get(okWs)).toMatchObject({ outcome: 'fetched', posts_read: 1 });
    expect(byWs.get(throttledWs)).toMatchObject({ outcome: 'throttled', posts_read: 0 });
    const backoff1 = Date.parse(byWs.get(throttledWs)!.backoff_until!) - Date.now();
    expect(backoff1).toBeGreaterThan(14 * 60 * 1000);
    expect(backoff1).toBeLessThanOrEqual(15 * 60 * 1000);
    // Three tries (two retries) and then the account waits: no more calls while it backs off.
    const throttledCalls = () => api.requests.filter((r) => r.headers.authorization === 'Bearer EAAthrottled').length;
    expect(throttledCalls()).toBe(3);
    await dueNow();
    expect((await poll(env, new Date())).accounts.map((a) => a.workspace_id)).toEqual([okWs]);
    expect(throttledCalls()).toBe(3);

    await clearBackoff();
    const second = await poll(env, new Date());
    const backoff2 = Date.parse(second.accounts.find((a) => a.workspace_id === throttledWs)!.backoff_until!) - Date.now();
    expect(backoff2).toBeGreaterThan(29 * 60 * 1000);

    throttling = false;
    await clearBackoff();
    const third = await poll(env, new Date());
    expect(third.accounts.find((a) => a.workspace_id === throttledWs)).toMatchObject({ outcome: 'fetched', posts_read: 1 });
    expect((await impressions(throttledWs)).total).toBe(9);
    const [account] = await getInsightsStatus(throttledWs, { db: t.db });
    expect(account).toMatchObject({ last_error_kind: null, backoff_until: null });
  });

  it('stops a post deleted mid-way and keeps what it counted; the other posts go on', async () => {
    const user = `178414${Date.now()}`;
    const [kept, deleted] = ['17895695668004550', '17895695668004551'];
    const { ws } = await connectedAccount('instagram', user, 'IGQtoken', [kept, deleted]);
    const data: MetaData = { token: 'IGQtoken', insights: { [kept]: { views: 40, reach: 30 }, [deleted]: { views: 25, reach: 20 } } };
    const api = await fakeApi(metaGraphApi(data));
    const env = { META_GRAPH_BASE_URL: `${api.url}/v23.0` };
    expect(await poll(env, new Date())).toMatchObject({ impressions_added: 65 });

    data.insights = { [kept]: { views: 55, reach: 41 }, [deleted]: missingPost(deleted) };
    await dueNow();
    expect(await poll(env, new Date(Date.now() + 60_000))).toMatchObject({ posts_read: 2, impressions_added: 15, stopped: 1 });
    const rows = await t.db.query<{ provider_object_id: string; state: string; stop_reason: string | null; latest_reach: string }>(
      `select provider_object_id, state, stop_reason, latest_reach from metrics_social_insight_posts where workspace_id = $1 order by 1`,
      [ws],
    );
    expect(rows.map((r) => [r.provider_object_id, r.state, r.stop_reason, Number(r.latest_reach)])).toEqual([
      [kept, 'polling', null, 41],
      [deleted, 'stopped', 'deleted', 20],
    ]);
    expect((await impressions(ws)).total).toBe(80);
    await dueNow();
    const requestsBefore = api.requests.length;
    await poll(env, new Date(Date.now() + 120_000));
    expect(api.requests.slice(requestsBefore).map((r) => r.path)).toEqual([`/v23.0/${kept}/insights`]);
  });

  it('a revoked token backs the account off for hours and says so; nothing counted is lost', async () => {
    const page = `4${Date.now()}`;
    const { ws } = await connectedAccount('facebook', page, 'EAAsoon-revoked', [`${page}_1`]);
    const data: MetaData = { token: 'EAAsoon-revoked', insights: { [`${page}_1`]: { post_media_view: 12 } } };
    const api = await fakeApi(metaGraphApi(data));
    const env = { META_GRAPH_BASE_URL: `${api.url}/v23.0` };
    await poll(env, new Date());
    data.token = 'EAAsomeone-else';
    await dueNow();
    const run = await poll(env, new Date());
    expect(run.accounts).toEqual([expect.objectContaining({ workspace_id: ws, outcome: 'token_rejected', posts_read: 0 })]);
    expect(run.accounts[0]!.error_message).toMatch(/Invalid OAuth access token/);
    expect(Date.parse(run.accounts[0]!.backoff_until!) - Date.now()).toBeGreaterThan(5.9 * HOUR);
    const [status] = await getInsightsStatus(ws, { db: t.db });
    expect(status).toMatchObject({ last_error_kind: 'token_rejected', posts_polling: 1 });
    expect(status!.last_fetched_at).not.toBeNull();
    expect((await impressions(ws)).total).toBe(12);
    // The post itself stays due: it is read again once the account is reconnected.
    const [post] = await t.db.query<{ state: string }>(`select state from metrics_social_insight_posts where workspace_id = $1`, [ws]);
    expect(post!.state).toBe('polling');
  });

  it('throttling answered as HTTP 429 by LinkedIn backs off the same way; a run out of budget hands its posts back', async () => {
    const org = `urn:li:organization:${(Date.now() % 1_000_000) + 1}`;
    const { ws } = await connectedAccount('linkedin', org, 'AQVbusy', ['urn:li:share:9001']);
    const ok = linkedinStatisticsApi('AQVbusy', org, {
      'urn:li:share:9001': { impressionCount: 33, clickCount: 1, likeCount: 2, commentCount: 0, shareCount: 0 },
    });
    const api = await fakeApi(
      withFaults(ok, [{ status: 429, json: { status: 429, message: 'Resource level throttle limit' } }], () => true),
    );
    const env = { LINKEDIN_API_BASE_URL: `${api.url}/rest` };

    const outOfBudget = await processInsightsPoll({ db: t.db, env: { ...ENV, ...env }, http: noSleep, timeBudgetMs: 0 });
    expect(outOfBudget).toMatchObject({ budget_exhausted: true, posts_read: 0 });
    expect(api.requests).toHaveLength(0);

    // One 429, then an answer: the retry inside the run absorbs it.
    expect(await poll(env, new Date())).toMatchObject({ posts_read: 1, impressions_added: 33 });
    expect((await impressions(ws)).total).toBe(33);
  });

  it('asks Meta only for the metrics it serves: a refused reach metric is asked again without it; a retired name in an answer is read', async () => {
    const page = `9${Date.now()}`;
    const [a, b] = [`${page}_1`, `${page}_2`];
    const { ws } = await connectedAccount('facebook', page, 'EAAnames', [a, b]);
    // Meta refuses the whole request when one metric is retired: here the unique "reach" one.
    const graph = metaGraphApi({
      token: 'EAAnames',
      insights: { [a]: { post_media_view: 70, post_total_media_view_unique: 50 } },
      refusedMetrics: ['post_total_media_view_unique'],
    });
    // An older Graph API version still answering under the former name.
    const older: Handler = () => ({
      json: {
        data: [{ name: 'post_impressions', period: 'lifetime', values: [{ value: 30 }], id: `${b}/insights/post_impressions/lifetime` }],
      },
    });
    const api = await fakeApi((request) => (request.path.includes(b) ? older(request) : graph(request)));
    expect(await poll({ META_GRAPH_BASE_URL: `${api.url}/v23.0` }, new Date())).toMatchObject({ posts_read: 2, impressions_added: 100 });
    const asked = (post: string) => api.requests.filter((r) => r.path.includes(post)).map((r) => r.query.get('metric'));
    expect(asked(a)).toEqual(['post_media_view,post_total_media_view_unique', 'post_media_view']);
    expect(asked(b)).toEqual(['post_media_view,post_total_media_view_unique']);
    const snapshots = await t.db.query<{
      provider_object_id: string;
      metric: string;
      impressions: string;
      reach: string | null;
      views: string | null;
    }>(
      `select provider_object_id, metric, impressions, reach, views from metrics_social_insight_snapshots where workspace_id = $1 order by 1`,
      [ws],
    );
    expect(
      snapshots.map((r) => [r.provider_object_id, r.metric, Number(r.impressions), r.reach, r.views === null ? null : Number(r.views)]),
    ).toEqual([
      [a, 'post_media_view', 70, null, 70],
      [b, 'post_impressions', 30, null, null],
    ]);
  });

  it('a run that spends its budget part-way through an account does not mark it fetched; the next run reads the rest', async () => {
    const page = `8${Date.now()}`;
    const posts = Array.from({ length: 5 }, (_, i) => `${page}_${i + 1}`);
    const { ws } = await connectedAccount('facebook', page, 'EAApartial', posts);
    const graph = metaGraphApi({
      token: 'EAApartial',
      insights: Object.fromEntries(posts.map((p, i) => [p, { post_media_view: 10 * (i + 1) }])),
    });
    // The budget's clock: the stand-in moves it an hour on while it answers call number `skewOnCall`.
    let skewMs = 0;
    let calls = 0;
    let skewOnCall: number | null = null;
    const api = await fakeApi((request) => {
      calls += 1;
      if (calls === skewOnCall) skewMs = HOUR;
      return graph(request);
    });
    const env = { ...ENV, META_GRAPH_BASE_URL: `${api.url}/v23.0` };
    const poll = () => processInsightsPoll({ db: t.db, env, http: noSleep, clock: () => Date.now() + skewMs, timeBudgetMs: 60_000 });
    const postRows = () =>
      t.db.query<{ provider_object_id: string; last_polled_at: Date | string; due: boolean }>(
        `select provider_object_id, last_polled_at, next_poll_at <= now() as due
         from metrics_social_insight_posts where workspace_id = $1 order by 1`,
        [ws],
      );
    const fetchedAt = async () => (await getInsightsStatus(ws, { db: t.db }))[0]!.last_fetched_at!;

    // A whole pass first.
    expect(await poll()).toMatchObject({ posts_read: 5, budget_exhausted: false });
    const wholePass = await fetchedAt();
    expect(Math.max(...(await postRows()).map((p) => new Date(p.last_polled_at).getTime()))).toBe(Date.parse(wholePass));

    // Part-way: the budget is spent while the second post is read.
    await dueNow();
    [calls, skewOnCall] = [0, 2];
    const partial = await poll();
    expect(partial).toMatchObject({ posts_read: 2, budget_exhausted: true });
    expect(partial.accounts).toEqual([expect.objectContaining({ workspace_id: ws, outcome: 'paused', posts_read: 2 })]);
    const rows = await postRows();
    const readNow = rows.filter((p) => new Date(p.last_polled_at).getTime() > Date.parse(wholePass));
    const rest = rows.filter((p) => new Date(p.last_polled_at).getTime() <= Date.parse(wholePass));
    expect(readNow.map((p) => p.due)).toEqual([false, false]);
    expect(rest.map((p) => p.due)).toEqual([true, true, true]);
    // The account's time is still the whole pass's, not the partial run's.
    expect(await fetchedAt()).toBe(wholePass);

    // The next run reads exactly the three left, and then the account is fetched.
    [skewMs, skewOnCall] = [0, null];
    const before = api.requests.length;
    expect(await poll()).toMatchObject({ posts_read: 3, budget_exhausted: false });
    expect(new Set(api.requests.slice(before).map((r) => r.path))).toEqual(
      new Set(rest.map((p) => `/v23.0/${p.provider_object_id}/insights`)),
    );
    expect(Date.parse(await fetchedAt())).toBeGreaterThan(Math.max(...readNow.map((p) => new Date(p.last_polled_at).getTime())));
    // Each post counted once, at its one total.
    expect((await impressions(ws)).total).toBe(10 + 20 + 30 + 40 + 50);
  });

  it('reads each post once a run even when the app clock runs behind the database (the post is due again at once)', async () => {
    const page = `7${Date.now()}`;
    const { ws } = await connectedAccount('facebook', page, 'EAAskew', [`${page}_1`]);
    const api = await fakeApi(metaGraphApi({ token: 'EAAskew', insights: { [`${page}_1`]: { post_media_view: 5 } } }));
    const run = await poll({ META_GRAPH_BASE_URL: `${api.url}/v23.0` }, new Date(Date.now() - 2 * HOUR));
    expect(run).toMatchObject({ posts_read: 1, impressions_added: 5, budget_exhausted: false });
    expect(api.requests).toHaveLength(1);
    expect((await impressions(ws)).total).toBe(5);
  });

  it('two polls at once read each post once and count it once', async () => {
    const page = `6${Date.now()}`;
    const posts = Array.from({ length: 12 }, (_, i) => `${page}_${i}`);
    const { ws } = await connectedAccount('facebook', page, 'EAAconcurrent', posts);
    const insights = Object.fromEntries(posts.map((p) => [p, { post_media_view: 10 }]));
    const api = await fakeApi(metaGraphApi({ token: 'EAAconcurrent', insights }));
    const env = { META_GRAPH_BASE_URL: `${api.url}/v23.0` };
    const runs = await Promise.all([poll(env, new Date()), poll(env, new Date())]);
    expect(runs.reduce((n, r) => n + r.posts_read, 0)).toBe(12);
    expect(api.requests).toHaveLength(12);
    expect((await impressions(ws)).total).toBe(120);
  });
});
