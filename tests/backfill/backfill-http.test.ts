// The backfill API and its cron on the real server: validation, auth, tenant isolation, and a
// backfill against a local Resend API that tops up what a webhook missed, exactly once.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signResend } from '../../tooling/signing';
import {
  DEV_USER_ID,
  DEV_WORKSPACE_ID,
  OTHER_USER_ID,
  OTHER_WORKSPACE_ID,
  TEST_SECRETS,
  startApp,
  tokenFor,
  type AppUnderTest,
} from '../helpers/app';
import { DATABASE_KINDS } from '../helpers/db';
import { resendEmailsApi, startFakeProvider, type FakeProvider } from '../fixtures/backfill/fake-providers';

const DAY = 24 * 60 * 60 * 1000;
const day = (offset: number) => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);
const RANGE = { date_start: day(-3), date_end: day(0) };
const YESTERDAY_NOON = `${day(-1)}T12:00:00.000Z`;
const EMAILS = { opened: randomUUID(), clicked: randomUUID(), unknown: randomUUID() };

type Json = Record<string, unknown>;

describe.each(DATABASE_KINDS)('backfill API on %s', (kind) => {
  let app: AppUnderTest;
  let resend: FakeProvider;
  let devToken: string;
  let otherToken: string;

  beforeAll(async () => {
    resend = await startFakeProvider(
      resendEmailsApi('re_test', [
        { id: EMAILS.opened, created_at: YESTERDAY_NOON, last_event: 'opened' },
        { id: EMAILS.clicked, created_at: YESTERDAY_NOON, last_event: 'clicked' },
        { id: EMAILS.unknown, created_at: YESTERDAY_NOON, last_event: 'delivered' },
      ]),
    );
    // LinkedIn and the others are left unconfigured on purpose.
    app = await startApp(kind, { RESEND_API_KEY: 're_test', RESEND_API_BASE_URL: resend.url });
    devToken = await tokenFor(DEV_USER_ID);
    otherToken = await tokenFor(OTHER_USER_ID);
  });
  afterAll(async () => {
    await app?.stop();
    await resend?.close();
  });

  async function call(
    method: 'GET' | 'POST',
    path: string,
    options: { token?: string | null; body?: unknown; raw?: string; type?: string } = {},
  ) {
    const token = options.token === undefined ? devToken : options.token;
    const response = await fetch(`${app.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(method === 'POST' ? { 'content-type': options.type ?? 'application/json' } : {}),
      },
      body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    return { status: response.status, json: (await response.json()) as Json };
  }

  const enqueue = (body: unknown, workspaceId = DEV_WORKSPACE_ID, token?: string | null) =>
    call('POST', `/api/circuits/metrics/backfill?workspaceId=${workspaceId}`, { body, token });
  const cron = (method: 'GET' | 'POST' = 'POST') =>
    fetch(`${app.url}/api/cron/metrics/process-backfill-jobs`, {
      method,
      headers: { authorization: `Bearer ${TEST_SECRETS.CRON_SECRET}` },
    }).then(async (r) => ({ status: r.status, json: (await r.json()) as Json }));

  async function totals() {
    const { json } = await call('GET', `/api/circuits/metrics/rollups?workspaceId=${DEV_WORKSPACE_ID}&limit=500`);
    const rows = json.rollups as Json[];
    const sum = (key: string) => rows.reduce((n, r) => n + Number(r[key]), 0);
    return { sent: sum('email_sent'), delivered: sum('email_delivered'), opened: sum('email_opened'), clicked: sum('email_clicked') };
  }

  it('answers 202 with exactly the release notes fields', async () => {
    const { status, json } = await enqueue({ provider: 'sendgrid', channel: 'email', ...RANGE });
    expect(status).toBe(202);
    expect(Object.keys(json).sort()).toEqual(
      ['channel', 'date_end', 'date_start', 'job_id', 'message', 'note', 'provider', 'status', 'timestamp', 'workspace_id'].sort(),
    );
    expect(json).toMatchObject({
      workspace_id: DEV_WORKSPACE_ID,
      status: 'pending',
      provider: 'sendgrid',
      channel: 'email',
      ...RANGE,
      message: 'Backfill job enqueued',
      note: 'Historical data will be fetched asynchronously. Check job status for progress.',
    });
    expect(json.job_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    [
      { provider: 'mailchimp', channel: 'email', ...RANGE },
      'Invalid provider: must be one of: sendgrid, resend, mailgun, facebook, instagram, linkedin',
    ],
    [{ provider: 'sendgrid', channel: 'sms', ...RANGE }, 'Invalid channel: must be one of: email, social'],
    [
      { provider: 'sendgrid', channel: 'email', date_start: RANGE.date_end, date_end: RANGE.date_start },
      'date_start must be before date_end',
    ],
    [
      { provider: 'sendgrid', channel: 'email', date_start: RANGE.date_start, date_end: RANGE.date_start },
      'date_start must be before date_end',
    ],
    [{ provider: 'sendgrid', channel: 'email', date_start: day(-40), date_end: day(-9) }, 'Date range cannot exceed 30 days per job'],
    [{ provider: 'linkedin', channel: 'email', ...RANGE }, 'channel must be social for provider linkedin'],
    [
      { provider: 'sendgrid', channel: 'email', date_start: '2024/12/01', date_end: RANGE.date_end },
      'Invalid date_start: must be a date in YYYY-MM-DD format',
    ],
    [
      { provider: 'sendgrid', channel: 'email', date_start: '2024-02-30', date_end: '2024-03-02' },
      'Invalid date_start: must be a date in YYYY-MM-DD format',
    ],
    [{ provider: 'sendgrid', channel: 'email', date_start: day(2), date_end: day(5) }, 'date_start must not be in the future'],
    [{ provider: 'sendgrid', channel: 'email', date_start: RANGE.date_start }, 'Invalid date_end: must be a date in YYYY-MM-DD format'],
    [
      { provider: 'sendgrid', channel: 'email', date_start: '0001-01-01', date_end: '0001-01-02' },
      'date_start must be within the last 365 days (rollups older than that are removed by retention)',
    ],
    [
      { provider: 'sendgrid', channel: 'email', date_start: day(-400), date_end: day(-380) },
      'date_start must be within the last 365 days (rollups older than that are removed by retention)',
    ],
    [{ provider: 'sendgrid', channel: 'email', date_start: day(0), date_end: day(5) }, 'date_end must not be later than tomorrow'],
  ])('rejects %j with 400 "%s"', async (body, message) => {
    const { status, json } = await enqueue(body);
    expect(status).toBe(400);
    expect(json.error).toBe(message);
    expect(typeof json.timestamp).toBe('string');
  });

  it('a 30-day range is accepted (the limit is inclusive)', async () => {
    // Well before the emails the cron test backfills, so this job finds nothing of theirs.
    expect((await enqueue({ provider: 'resend', channel: 'email', date_start: day(-45), date_end: day(-15) })).status).toBe(202);
  });

  it('answers 400 for malformed JSON, 415 for another content type, 400 without workspaceId', async () => {
    expect((await call('POST', `/api/circuits/metrics/backfill?workspaceId=${DEV_WORKSPACE_ID}`, { raw: '{"provider":' })).json.error).toBe(
      'Malformed JSON body',
    );
    expect(
      (await call('POST', `/api/circuits/metrics/backfill?workspaceId=${DEV_WORKSPACE_ID}`, { raw: 'provider=x', type: 'text/plain' }))
        .status,
    ).toBe(415);
    const missing = await call('POST', '/api/circuits/metrics/backfill', { body: { provider: 'sendgrid', channel: 'email', ...RANGE } });
    expect(missing.status).toBe(400);
    expect(missing.json.error).toMatch(/^Invalid workspaceId/);
  });

  it('requires a token (401) and membership (403)', async () => {
    const body = { provider: 'sendgrid', channel: 'email', ...RANGE };
    expect((await enqueue(body, DEV_WORKSPACE_ID, null)).status).toBe(401);
    expect((await enqueue(body, DEV_WORKSPACE_ID, 'not-a-jwt')).status).toBe(401);
    expect((await enqueue(body, DEV_WORKSPACE_ID, otherToken)).status).toBe(403);
    expect((await call('GET', `/api/circuits/metrics/backfill?workspaceId=${OTHER_WORKSPACE_ID}`)).status).toBe(403);
    expect((await call('GET', `/api/circuits/metrics/backfill?workspaceId=${DEV_WORKSPACE_ID}`, { token: null })).status).toBe(401);
  });

  it("returns a job by id; another workspace's job and unknown ids are 404, a malformed id 400", async () => {
    const mine = await enqueue({ provider: 'facebook', channel: 'social', ...RANGE });
    const theirs = await enqueue({ provider: 'facebook', channel: 'social', ...RANGE }, OTHER_WORKSPACE_ID, otherToken);
    expect(theirs.status).toBe(202);

    const found = await call('GET', `/api/circuits/metrics/backfill?workspaceId=${DEV_WORKSPACE_ID}&jobId=${mine.json.job_id as string}`);
    expect(found.status).toBe(200);
    expect(found.json).toMatchObject({
      job_id: mine.json.job_id,
      workspace_id: DEV_WORKSPACE_ID,
      provider: 'facebook',
      status: 'pending',
      events_fetched: 0,
      events_ingested: 0,
      error_message: null,
      started_at: null,
      completed_at: null,
      attempts: 0,
      progress: { pages: 0, records_fetched: 0, fraction: null },
    });
    expect(typeof found.json.created_at).toBe('string');

    const crossTenant = await call(
      'GET',
      `/api/circuits/metrics/backfill?workspaceId=${DEV_WORKSPACE_ID}&jobId=${theirs.json.job_id as string}`,
    );
    expect(crossTenant.status).toBe(404);
    expect(crossTenant.json).toMatchObject({ error: 'Backfill job not found', job_id: theirs.json.job_id });
    expect((await call('GET', `/api/circuits/metrics/backfill?workspaceId=${DEV_WORKSPACE_ID}&jobId=${randomUUID()}`)).status).toBe(404);
    expect((await call('GET', `/api/circuits/metrics/backfill?workspaceId=${DEV_WORKSPACE_ID}&jobId=backfill-1`)).status).toBe(400);

    const list = await call('GET', `/api/circuits/metrics/backfill?workspaceId=${DEV_WORKSPACE_ID}&limit=2`);
    expect(list.json).toMatchObject({ workspace_id: DEV_WORKSPACE_ID, count: 2 });
    expect((list.json.jobs as Json[])[0]?.job_id).toBe(mine.json.job_id);
    expect((list.json.jobs as Json[]).some((j) => j.job_id === theirs.json.job_id)).toBe(false);
  });

  it('backfills what a webhook missed through the cron, twice and concurrently, counting each engagement once', async () => {
    // The sender registered two of the three emails; a webhook already counted one delivery.
    const mapped = await call('POST', `/api/circuits/metrics/attribution?workspaceId=${DEV_WORKSPACE_ID}`, {
      body: [EMAILS.opened, EMAILS.clicked].map((id) => ({
        provider: 'resend',
        provider_object_id: id,
        circuit_execution_id: 'exec-backfill',
        channel: 'email',
      })),
    });
    expect(mapped.status).toBe(200);
    const payload = JSON.stringify({
      type: 'email.delivered',
      created_at: YESTERDAY_NOON,
      data: { email_id: EMAILS.opened, created_at: YESTERDAY_NOON, to: ['ann@example.org'] },
    });
    const webhook = await fetch(`${app.url}/api/webhooks/metrics?provider=resend&workspace_id=${DEV_WORKSPACE_ID}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signResend({ secret: TEST_SECRETS.RESEND_WEBHOOK_SECRET, id: `msg_${randomUUID()}`, body: payload }),
      },
      body: payload,
    });
    expect(webhook.status).toBe(202);
    expect(await totals()).toMatchObject({ sent: 0, delivered: 1 });

    const first = await enqueue({ provider: 'resend', channel: 'email', ...RANGE });
    const second = await enqueue({ provider: 'resend', channel: 'email', ...RANGE });
    const linkedin = await enqueue({ provider: 'linkedin', channel: 'social', ...RANGE });
    const runs = await Promise.all([cron('POST'), cron('GET')]);
    expect(runs.map((r) => r.status)).toEqual([200, 200]);
    expect(runs[0]?.json.job).toBe('process-backfill-jobs');

    const job = async (id: unknown) =>
      (await call('GET', `/api/circuits/metrics/backfill?workspaceId=${DEV_WORKSPACE_ID}&jobId=${id as string}`)).json;
    // Both workers may share the jobs, but each job ran once: claims add up to the jobs run.
    const ran = runs.flatMap((r) => (r.json.jobs as Json[]).map((j) => j.job_id));
    expect(ran.filter((id) => id === first.json.job_id || id === second.json.job_id)).toHaveLength(2);
    const jobs = [await job(first.json.job_id), await job(second.json.job_id)];
    expect(jobs.map((j) => j.status)).toEqual(['completed', 'completed']);
    expect(jobs.map((j) => j.events_fetched)).toEqual([3, 3]);
    // Sent for both, delivered for the clicked one, one open, one click; the rerun adds nothing.
    expect(jobs.map((j) => j.events_ingested).sort()).toEqual([0, 5]);
    expect(jobs.map((j) => (j.progress as Json).skipped_unknown_objects)).toEqual([1, 1]);
    expect(await totals()).toEqual({ sent: 2, delivered: 2, opened: 1, clicked: 1 });

    expect(await job(linkedin.json.job_id)).toMatchObject({
      status: 'failed',
      error_message:
        "LinkedIn backfill is not configured: set LINKEDIN_ACCESS_TOKEN and LINKEDIN_ORGANIZATION_URN, or give this workspace's connection an api_key",
    });
    expect(resend.requests.every((r) => r.headers.authorization === 'Bearer re_test')).toBe(true);
  });
});
