// The backfill worker end to end on a real database, against local provider APIs: top-ups,
// reruns, overlap with webhooks, concurrent workers, crash takeover, failures, pauses.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateSecretBoxKey } from '../../src/lib/crypto/secret-box';
import { createConnection } from '../../src/lib/decision-circuits/metrics/tenancy/connections';
import { createWorkspace as createWorkspaceAs } from '../../src/lib/decision-circuits/metrics/tenancy/members';
import {
  enqueueBackfill,
  getBackfillJob,
  getRollups,
  hashEmail,
  ingestNormalizedEvents,
  processBackfillJobs,
  upsertAttributionMap,
  BACKFILL_MAX_ACTIVE_JOBS,
  type MetricsProvider,
  type ProcessBackfillOptions,
} from '../../src/lib/decision-circuits/metrics';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { createWorkspace, makeEvent } from '../helpers/factories';
import {
  linkedinStatisticsApi,
  resendEmailsApi,
  sendgridActivityApi,
  startFakeProvider,
  type ActivityMessage,
  type FakeProvider,
  type Handler,
  type ResendEmail,
} from '../fixtures/backfill/fake-providers';

const DAY = 24 * 60 * 60 * 1000;
const day = (offset: number) => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);
const RANGE = { start: day(-3), end: day(0) };
const YESTERDAY_NOON = `${day(-1)}T12:00:00.000Z`;
const noSleep: ProcessBackfillOptions['http'] = { sleep: async () => undefined, baseDelayMs: 1 };

const SENDGRID_MSG = 'Xk3pQ2mTR0a9dLw1bYcZfg';
const ANN = 'ann@example.com';
const BOB = 'bob@example.com';

function activity(overrides: Partial<ActivityMessage> & { msg_id: string; to_email: string }): ActivityMessage {
  return { status: 'delivered', opens_count: 0, clicks_count: 0, last_event_time: YESTERDAY_NOON, ...overrides };
}

describe.each(DATABASE_KINDS)('backfill worker on %s', (kind) => {
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
    // Workers take jobs from every workspace: leave none waiting for the next test.
    await t.db.query(`update metrics_backfill_jobs set status = 'failed', heartbeat_at = null where status in ('pending', 'processing')`);
  });

  async function fakeApi(handler: Handler): Promise<FakeProvider> {
    const fake = await startFakeProvider(handler);
    fakes.push(fake);
    return fake;
  }

  async function mapObject(workspaceId: string, provider: MetricsProvider, objectId: string) {
    await upsertAttributionMap(
      {
        workspace_id: workspaceId,
        provider,
        provider_object_id: objectId,
        circuit_execution_id: 'circuit-1',
        channel: provider === 'sendgrid' || provider === 'resend' ? 'email' : 'social',
      },
      { db: t.db },
    );
  }

  async function totals(workspaceId: string) {
    const rows = await getRollups({ workspace_id: workspaceId }, { db: t.db });
    const sum = (key: keyof (typeof rows)[number]) => rows.reduce((n, r) => n + Number(r[key]), 0);
    return {
      sent: sum('email_sent'),
      delivered: sum('email_delivered'),
      opened: sum('email_opened'),
      clicked: sum('email_clicked'),
      bounced: sum('email_bounced'),
      impressions: sum('social_impressions'),
      likes: sum('social_likes'),
      clicks: sum('social_clicks'),
    };
  }

  async function job(workspaceId: string, jobId: string) {
    const found = await getBackfillJob(workspaceId, jobId, { db: t.db });
    if (!found) throw new Error('job not found');
    return found;
  }

  const enqueue = (
    workspaceId: string,
    provider: MetricsProvider,
    channel: 'email' | 'social' = provider === 'sendgrid' || provider === 'resend' ? 'email' : 'social',
  ) => enqueueBackfill(workspaceId, provider, channel, RANGE.start, RANGE.end, { db: t.db });

  it('tops up only what webhooks missed, skips unknown objects, and a rerun adds nothing', async () => {
    const ws = await createWorkspace(t.db);
    await mapObject(ws, 'sendgrid', SENDGRID_MSG);
    // Webhooks already counted Ann's send, delivery and one of her three opens.
    const annHash = hashEmail(ANN);
    await ingestNormalizedEvents(
      ws,
      'sendgrid',
      [
        makeEvent({
          provider_object_id: SENDGRID_MSG,
          recipient_hash: annHash,
          event_type: 'email_sent',
          provider_event_type: 'processed',
          occurred_at: YESTERDAY_NOON,
        }),
        makeEvent({
          provider_object_id: SENDGRID_MSG,
          recipient_hash: annHash,
          event_type: 'email_delivered',
          occurred_at: YESTERDAY_NOON,
        }),
        makeEvent({
          provider_object_id: SENDGRID_MSG,
          recipient_hash: annHash,
          event_type: 'email_open',
          provider_event_type: 'open',
          occurred_at: YESTERDAY_NOON,
        }),
      ],
      true,
      { db: t.db },
    );
    expect(await totals(ws)).toMatchObject({ sent: 1, delivered: 1, opened: 1, clicked: 0 });

    const api = await fakeApi(
      sendgridActivityApi('SG.test', [
        activity({ msg_id: `${SENDGRID_MSG}.filterdrecv-1-12.0`, to_email: ANN, opens_count: 3, clicks_count: 1 }),
        activity({ msg_id: `${SENDGRID_MSG}.filterdrecv-1-13.0`, to_email: BOB, opens_count: 2 }),
        activity({ msg_id: 'UnknownMessageId000000.filterdrecv-9-1.0', to_email: ANN, opens_count: 5 }),
      ]),
    );
    const env = { SENDGRID_API_KEY: 'SG.test', SENDGRID_API_BASE_URL: api.url };

    const first = await enqueue(ws, 'sendgrid');
    const run = await processBackfillJobs({ db: t.db, env, http: noSleep });
    expect(run).toMatchObject({ claimed: 1, completed: 1, failed: 0, events_fetched: 3, events_ingested: 5 });
    expect(await totals(ws)).toMatchObject({ sent: 2, delivered: 2, opened: 5, clicked: 1 });

    const done = await job(ws, first.job_id);
    expect(done).toMatchObject({ status: 'completed', events_fetched: 3, events_ingested: 5, error_message: null, attempts: 1 });
    expect(done.completed_at).not.toBeNull();
    expect(done.progress).toMatchObject({
      pages: 1,
      records_fetched: 3,
      units_added: 7,
      skipped_unknown_objects: 1,
      skipped_before_ledger_horizon: 0,
      fraction: 1,
    });
    const [unknown] = await t.db.query<{ n: number }>(
      `select count(*)::int as n from metrics_webhook_events where workspace_id = $1 and provider_object_id = 'UnknownMessageId000000'`,
      [ws],
    );
    expect(unknown!.n).toBe(0);

    // The same range again, then once more with a late webhook for Bob in between.
    const second = await enqueue(ws, 'sendgrid');
    await processBackfillJobs({ db: t.db, env, http: noSleep });
    expect(await job(ws, second.job_id)).toMatchObject({ status: 'completed', events_fetched: 3, events_ingested: 0 });
    expect(await totals(ws)).toMatchObject({ sent: 2, delivered: 2, opened: 5, clicked: 1 });
  });

  it('a backfill over a LinkedIn post tops up likes and adds the clicks webhooks never carry; impressions are left to the insights poll', async () => {
    const ws = await createWorkspace(t.db);
    const urn = 'urn:li:share:7094637247487995904';
    await mapObject(ws, 'linkedin', urn);
    await ingestNormalizedEvents(
      ws,
      'linkedin',
      [1, 2].map(() =>
        makeEvent({ provider: 'linkedin', provider_object_id: urn, event_type: 'social_like', provider_event_type: 'LIKE' }),
      ),
      true,
      { db: t.db },
    );
    const org = 'urn:li:organization:96072893';
    const api = await fakeApi(
      linkedinStatisticsApi('AQV', org, { [urn]: { impressionCount: 1400, clickCount: 21, likeCount: 5, commentCount: 0, shareCount: 0 } }),
    );
    const env = { LINKEDIN_ACCESS_TOKEN: 'AQV', LINKEDIN_ORGANIZATION_URN: org, LINKEDIN_API_BASE_URL: `${api.url}/rest` };
    for (let i = 0; i < 2; i += 1) {
      await enqueue(ws, 'linkedin');
      await processBackfillJobs({ db: t.db, env, http: noSleep });
    }
    expect(await totals(ws)).toMatchObject({ likes: 5, impressions: 0, clicks: 21 });
    expect(api.requests).toHaveLength(2);
  });

  it('a LinkedIn backfill with no known posts in the range completes without calling LinkedIn', async () => {
    const ws = await createWorkspace(t.db);
    const api = await fakeApi(linkedinStatisticsApi('AQV', 'urn:li:organization:1', {}));
    const queued = await enqueue(ws, 'linkedin');
    await processBackfillJobs({
      db: t.db,
      env: { LINKEDIN_ACCESS_TOKEN: 'AQV', LINKEDIN_ORGANIZATION_URN: 'urn:li:organization:1', LINKEDIN_API_BASE_URL: `${api.url}/rest` },
    });
    const done = await job(ws, queued.job_id);
    expect(done).toMatchObject({ status: 'completed', events_fetched: 0, events_ingested: 0 });
    expect(done.progress).toMatchObject({ pages: 0, fraction: 1 });
    expect(api.requests).toHaveLength(0);
  });

  it("uses the connection's own api_key where the workspace gave one, and the deployment's key elsewhere", async () => {
    const env = {
      RESEND_API_KEY: 're_deployment_key',
      METRICS_ENCRYPTION_KEYS: generateSecretBoxKey('k1'),
      NODE_ENV: 'production',
      DATABASE_URL: 'set',
    };
    const owner = randomUUID();
    const [tenant, single] = [
      (await createWorkspaceAs(owner, 'Tenant', { db: t.db })).workspace_id,
      (await createWorkspaceAs(owner, 'Single', { db: t.db })).workspace_id,
    ];
    await createConnection(
      owner,
      tenant,
      { provider: 'resend', secret: 'whsec_dGVuYW50LXNpZ25pbmctc2VjcmV0LTEyMzQ=', api_key: 're_tenant_own_key' },
      { db: t.db, baseUrl: 'https://m.example', env },
    );
    const emails: ResendEmail[] = [{ id: `key-${randomUUID()}`, created_at: YESTERDAY_NOON, last_event: 'delivered' }];
    for (const ws of [tenant, single]) await mapObject(ws, 'resend', emails[0]!.id);
    // The stand-in answers only the key it is given; it records which one each request carried.
    const tenantApi = await fakeApi(resendEmailsApi('re_tenant_own_key', emails));
    const tenantJob = await enqueue(tenant, 'resend');
    const first = await processBackfillJobs({ db: t.db, env: { ...env, RESEND_API_BASE_URL: tenantApi.url }, http: noSleep });
    expect(first.jobs.map((r) => [r.job_id, r.outcome, r.error_message])).toEqual([[tenantJob.job_id, 'completed', null]]);
    expect(new Set(tenantApi.requests.map((r) => r.headers.authorization))).toEqual(new Set(['Bearer re_tenant_own_key']));
    expect(await totals(tenant)).toMatchObject({ sent: 1, delivered: 1 });

    const deploymentApi = await fakeApi(resendEmailsApi('re_deployment_key', emails));
    await enqueue(single, 'resend');
    const second = await processBackfillJobs({ db: t.db, env: { ...env, RESEND_API_BASE_URL: deploymentApi.url }, http: noSleep });
    expect(second.jobs.map((r) => r.outcome)).toEqual(['completed']);
    expect(new Set(deploymentApi.requests.map((r) => r.headers.authorization))).toEqual(new Set(['Bearer re_deployment_key']));
  });

  it('two workers at once run each job once and never count twice', async () => {
    const ws = await createWorkspace(t.db);
    await mapObject(ws, 'sendgrid', SENDGRID_MSG);
    const emails: ResendEmail[] = Array.from({ length: 30 }, (_, i) => ({
      id: `re-${i}`,
      created_at: YESTERDAY_NOON,
      last_event: 'opened',
    }));
    for (const email of emails) await mapObject(ws, 'resend', email.id);
    const sendgrid = await fakeApi(
      sendgridActivityApi('SG.test', [activity({ msg_id: `${SENDGRID_MSG}.f-1`, to_email: ANN, opens_count: 4 })]),
    );
    const resend = await fakeApi(resendEmailsApi('re_test', emails));
    const env = {
      SENDGRID_API_KEY: 'SG.test',
      SENDGRID_API_BASE_URL: sendgrid.url,
      RESEND_API_KEY: 're_test',
      RESEND_API_BASE_URL: resend.url,
    };
    const jobs = [await enqueue(ws, 'sendgrid'), await enqueue(ws, 'resend'), await enqueue(ws, 'sendgrid'), await enqueue(ws, 'resend')];

    const runs = await Promise.all([1, 2].map(() => processBackfillJobs({ db: t.db, env, http: noSleep })));
    const all = runs.flatMap((r) => r.jobs);
    expect(all.map((r) => r.job_id).sort()).toEqual(jobs.map((j) => j.job_id).sort());
    expect(all.every((r) => r.outcome === 'completed')).toBe(true);
    // 30 emails opened (sent, delivered, opened) plus Ann's send, delivery and four opens.
    expect(await totals(ws)).toMatchObject({ sent: 31, delivered: 31, opened: 34 });
    expect(runs.reduce((n, r) => n + r.events_ingested, 0)).toBe(93);
  });

  it('resumes from its checkpoint after its worker stalls, and the stalled worker cannot overwrite it', async () => {
    const ws = await createWorkspace(t.db);
    const emails: ResendEmail[] = Array.from({ length: 250 }, (_, i) => ({
      id: `crash-${String(i).padStart(3, '0')}`,
      created_at: new Date(Date.parse(YESTERDAY_NOON) - i * 60_000).toISOString(),
      last_event: 'delivered',
    }));
    for (const email of emails) await mapObject(ws, 'resend', email.id);
    const api = resendEmailsApi('re_test', emails);
    let release: () => void = () => undefined;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    let stalls = 0;
    // The first request for page two hangs: the worker is alive but stuck.
    const fake = await fakeApi(async (request) => {
      if (request.query.get('after') === 'crash-099' && stalls++ === 0) await stalled;
      return api(request);
    });
    const env = { RESEND_API_KEY: 're_test', RESEND_API_BASE_URL: fake.url };
    const queued = await enqueue(ws, 'resend');

    const stuck = processBackfillJobs({ db: t.db, env, http: { ...noSleep, timeoutMs: 60_000 } });
    for (let i = 0; i < 200 && stalls === 0; i += 1) await new Promise((r) => setTimeout(r, 25));
    expect(stalls).toBe(1);
    expect((await job(ws, queued.job_id)).progress.pages).toBe(1);

    // Another run sees a stale heartbeat (threshold shortened for the test) and takes over.
    await new Promise((r) => setTimeout(r, 50));
    const takeover = await processBackfillJobs({ db: t.db, env, http: noSleep, staleAfterMs: 10 });
    expect(takeover.jobs).toEqual([
      expect.objectContaining({ job_id: queued.job_id, outcome: 'completed', pages: 2, events_fetched: 150 }),
    ]);
    const afterTakeover = await job(ws, queued.job_id);
    expect(afterTakeover).toMatchObject({ status: 'completed', attempts: 2, events_fetched: 250, events_ingested: 500 });
    // It resumed after page one instead of starting over.
    expect(fake.requests.map((r) => r.query.get('after'))).toEqual([null, 'crash-099', 'crash-099', 'crash-199']);

    release();
    const late = await stuck;
    expect(late.jobs).toEqual([expect.objectContaining({ outcome: 'taken_over' })]);
    expect(await job(ws, queued.job_id)).toMatchObject({ status: 'completed', events_fetched: 250, events_ingested: 500 });
    expect(await totals(ws)).toMatchObject({ sent: 250, delivered: 250 });
  });

  it('a failing provider marks the job failed with the provider, endpoint and status, never stuck processing', async () => {
    const ws = await createWorkspace(t.db);
    const api = await fakeApi(() => ({
      status: 500,
      json: { statusCode: 500, name: 'application_error', message: 'An unexpected error occurred.' },
    }));
    const queued = await enqueue(ws, 'resend');
    const run = await processBackfillJobs({
      db: t.db,
      env: { RESEND_API_KEY: 'k', RESEND_API_BASE_URL: api.url },
      http: { ...noSleep, maxRetries: 1 },
    });
    expect(run).toMatchObject({ claimed: 1, failed: 1 });
    const failed = await job(ws, queued.job_id);
    expect(failed.status).toBe('failed');
    expect(failed.error_message).toBe('Resend API GET /emails: HTTP 500: An unexpected error occurred.; gave up after 2 attempts');
    expect(failed.completed_at).not.toBeNull();
    expect(failed.heartbeat_at).toBeNull();
    expect(api.requests).toHaveLength(2);
  });

  it('missing credentials fail the job at once with the variables to set', async () => {
    const ws = await createWorkspace(t.db);
    const queued = await enqueue(ws, 'instagram');
    await processBackfillJobs({ db: t.db, env: {} });
    expect(await job(ws, queued.job_id)).toMatchObject({
      status: 'failed',
      error_message:
        "Instagram backfill is not configured: set META_ACCESS_TOKEN and INSTAGRAM_USER_ID, or give this workspace's connection an api_key",
    });
  });

  it('a job whose worker died three times is given up with a clear message', async () => {
    const ws = await createWorkspace(t.db);
    const queued = await enqueue(ws, 'sendgrid');
    await t.db.query(
      `update metrics_backfill_jobs set status = 'processing', attempts = 3, heartbeat_at = now() - interval '1 hour' where id = $1`,
      [queued.job_id],
    );
    const run = await processBackfillJobs({ db: t.db, env: {} });
    expect(run.jobs.map((j) => j.job_id)).not.toContain(queued.job_id);
    const failed = await job(ws, queued.job_id);
    expect(failed.status).toBe('failed');
    expect(failed.error_message).toMatch(/^Gave up after 3 attempts: the worker stopped each time without finishing/);
  });

  it('pauses at the time budget and the next run continues where it stopped', async () => {
    const ws = await createWorkspace(t.db);
    const emails: ResendEmail[] = Array.from({ length: 120 }, (_, i) => ({
      id: `slow-${String(i).padStart(3, '0')}`,
      created_at: YESTERDAY_NOON,
      last_event: 'sent',
    }));
    for (const email of emails) await mapObject(ws, 'resend', email.id);
    const api = resendEmailsApi('re_test', emails);
    const fake = await fakeApi(async (request) => {
      await new Promise((r) => setTimeout(r, 300));
      return api(request);
    });
    const env = { RESEND_API_KEY: 're_test', RESEND_API_BASE_URL: fake.url };
    const queued = await enqueue(ws, 'resend');

    const first = await processBackfillJobs({ db: t.db, env, http: noSleep, timeBudgetMs: 200 });
    expect(first).toMatchObject({ claimed: 1, paused: 1, budget_exhausted: true });
    const paused = await job(ws, queued.job_id);
    expect(paused).toMatchObject({ status: 'processing', heartbeat_at: null, events_fetched: 100, attempts: 1 });

    const second = await processBackfillJobs({ db: t.db, env, http: noSleep });
    expect(second).toMatchObject({ claimed: 1, completed: 1, events_fetched: 20 });
    expect(await job(ws, queued.job_id)).toMatchObject({ status: 'completed', events_fetched: 120, events_ingested: 120, attempts: 1 });
    expect(fake.requests.map((r) => r.query.get('after'))).toEqual([null, 'slow-099']);
    expect((await totals(ws)).sent).toBe(120);
  });

  it('leaves alone objects first seen before the ledger horizon (their webhooks may be gone)', async () => {
    const ws = await createWorkspace(t.db);
    await mapObject(ws, 'sendgrid', SENDGRID_MSG);
    await t.db.query(`update metrics_attribution_map set created_at = now() - interval '40 days' where workspace_id = $1`, [ws]);
    const api = await fakeApi(sendgridActivityApi('SG.test', [activity({ msg_id: `${SENDGRID_MSG}.f-1`, to_email: ANN, opens_count: 9 })]));
    const queued = await enqueue(ws, 'sendgrid');
    await processBackfillJobs({ db: t.db, env: { SENDGRID_API_KEY: 'SG.test', SENDGRID_API_BASE_URL: api.url } });
    const done = await job(ws, queued.job_id);
    expect(done).toMatchObject({ status: 'completed', events_fetched: 1, events_ingested: 0 });
    expect(done.progress.skipped_before_ledger_horizon).toBe(1);
    expect((await totals(ws)).opened).toBe(0);
  });

  it('enqueue validates like the API, refuses an unknown workspace, and caps active jobs per workspace', async () => {
    const ws = await createWorkspace(t.db);
    await expect(enqueueBackfill(ws, 'sendgrid', 'email', RANGE.end, RANGE.start, { db: t.db })).rejects.toMatchObject({
      code: 'invalid_request',
      message: 'date_start must be before date_end',
    });
    await expect(enqueueBackfill(ws, 'sendgrid', 'social', RANGE.start, RANGE.end, { db: t.db })).rejects.toMatchObject({
      code: 'invalid_request',
      message: 'channel must be email for provider sendgrid',
    });
    await expect(
      enqueueBackfill('99999999-9999-4999-8999-999999999999', 'sendgrid', 'email', RANGE.start, RANGE.end, { db: t.db }),
    ).rejects.toMatchObject({ code: 'unknown_workspace' });
    for (let i = 0; i < BACKFILL_MAX_ACTIVE_JOBS; i += 1) await enqueue(ws, 'resend');
    await expect(enqueue(ws, 'resend')).rejects.toMatchObject({ code: 'too_many_requests' });
    const [count] = await t.db.query<{ n: number }>('select count(*)::int as n from metrics_backfill_jobs where workspace_id = $1', [ws]);
    expect(count!.n).toBe(BACKFILL_MAX_ACTIVE_JOBS);
  });
});
