// Logs, metrics and traces of the real server (`next start`): one JSON log line per request with
// nothing secret in it, the Prometheus scrape endpoint behind its token, and the spans of a
// webhook request exported over OTLP/HTTP to a local receiver.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signResend } from '../../tooling/signing';
import { DATABASE_KINDS } from '../helpers/db';
import { DEV_WORKSPACE_ID, TEST_SECRETS, startApp, type AppUnderTest } from '../helpers/app';
import { spansFrom, startReceiver, type Receiver } from '../helpers/receivers';
import { PROMTOOL, PROMTOOL_MISSING } from '../helpers/promtool';

const SCRAPE_TOKEN = 'scrape-token-7d1f0c2b9e';
const BEARER = 'tok_live_BEARER_5b1e7f9a0c3d';
const API_KEY = 'sk_live_APIKEY_8c2d4e6f0a1b';
const BODY_SECRET = 'whsec_BODYSECRET_3e5g7i9k1m';
const EMAILS = ['ann.secret@example.org', 'bob.private@example.com', 'news-sender@example.net'];

/** The JSON lines the server wrote (pino), parsed; other output is skipped. */
function logLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return null;
      }
    })
    .filter((line): line is Record<string, unknown> => line !== null);
}

/** A counter's value from Prometheus text, 0 when the series does not exist yet. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

function resendDelivery() {
  const body = JSON.stringify({
    type: 'email.opened',
    created_at: new Date().toISOString(),
    data: {
      email_id: randomUUID(),
      created_at: new Date().toISOString(),
      from: `News <${EMAILS[2]}>`,
      to: [EMAILS[0], EMAILS[1]],
      subject: `Your key ${API_KEY}`,
      api_key: API_KEY,
      signing_secret: BODY_SECRET,
    },
  });
  const headers = signResend({ secret: TEST_SECRETS.RESEND_WEBHOOK_SECRET, id: `msg_${randomUUID()}`, body });
  return { body, headers };
}

describe.each(DATABASE_KINDS)('observability of the real server on %s', (kind) => {
  let app: AppUnderTest;
  let otlp: Receiver;
  const endpoint = () => `${app.url}/api/webhooks/metrics?provider=resend&workspace_id=${DEV_WORKSPACE_ID}`;

  async function scrape(token = SCRAPE_TOKEN): Promise<Response> {
    return fetch(`${app.url}/api/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  }

  beforeAll(async () => {
    otlp = await startReceiver();
    app = await startApp(kind, {
      METRICS_SCRAPE_TOKEN: SCRAPE_TOKEN,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'metrics-engine-test',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
  });
  afterAll(async () => {
    await app?.stop();
    await otlp?.close();
  });

  it('logs one JSON line per delivery with the request fields and none of its secrets, and echoes the request id', async () => {
    const requestId = `req-${randomUUID()}`;
    const { body, headers } = resendDelivery();
    const response = await fetch(endpoint(), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${BEARER}`,
        'x-api-key': API_KEY,
        cookie: `session=${BEARER}`,
        'x-request-id': requestId,
        ...headers,
      },
      body,
    });
    expect(response.status).toBe(202);
    expect(response.headers.get('x-request-id')).toBe(requestId);

    const failedId = `req-${randomUUID()}`;
    const forged = await fetch(endpoint(), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': failedId,
        ...headers,
        'svix-signature': 'v1,Zm9yZ2VkIHNpZ25hdHVyZQ==',
      },
      body,
    });
    expect(forged.status).toBe(401);

    await new Promise((r) => setTimeout(r, 300));
    const output = app.server.logs();
    const lines = logLines(output);
    const delivery = lines.filter((line) => line.request_id === requestId);
    expect(delivery).toHaveLength(1);
    expect(delivery[0]).toMatchObject({
      route: '/api/webhooks/metrics',
      method: 'POST',
      provider: 'resend',
      workspace_id: DEV_WORKSPACE_ID,
      status: 202,
      events: { accepted: 1, duplicate: 0, rejected: 0 },
    });
    expect(typeof delivery[0]!.duration_ms).toBe('number');
    const failed = lines.filter((line) => line.request_id === failedId);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ status: 401, provider: 'resend', verification_failure: 'signature_mismatch' });

    const secrets = [
      BEARER,
      API_KEY,
      BODY_SECRET,
      ...EMAILS,
      headers['svix-signature']!,
      TEST_SECRETS.RESEND_WEBHOOK_SECRET,
      TEST_SECRETS.RESEND_WEBHOOK_SECRET.slice('whsec_'.length),
      'Zm9yZ2VkIHNpZ25hdHVyZQ',
      '@example.',
    ];
    for (const secret of secrets) expect(output, secret).not.toContain(secret);
  });

  it("generates a request id when none is sent and takes Vercel's x-vercel-id otherwise", async () => {
    const generated = await fetch(`${app.url}/api/webhooks/metrics`);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const vercel = await fetch(`${app.url}/api/webhooks/metrics`, {
      headers: { 'x-vercel-id': 'fra1::iad1::abc12-1700000000000-0123456789ab' },
    });
    expect(vercel.headers.get('x-request-id')).toBe('fra1::iad1::abc12-1700000000000-0123456789ab');
    const unsafe = await fetch(`${app.url}/api/webhooks/metrics`, { headers: { 'x-request-id': 'a b {"level":"fatal"}' } });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses the scrape without the token and shows the counters moving after a delivery', async () => {
    expect((await scrape('')).status).toBe(401);
    expect((await scrape('wrong-token')).status).toBe(401);
    const before = await (await scrape()).text();
    const { body, headers } = resendDelivery();
    const response = await fetch(endpoint(), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    expect(response.status).toBe(202);
    const forged = await fetch(endpoint(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers, 'svix-signature': 'v1,Zm9yZ2Vk' },
      body,
    });
    expect(forged.status).toBe(401);
    const scraped = await scrape();
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get('content-type')).toContain('text/plain');
    const after = await scraped.text();
    const series = [
      'metrics_engine_webhook_deliveries_total{provider="resend",status="202"}',
      'metrics_engine_webhook_deliveries_total{provider="resend",status="401"}',
      'metrics_engine_webhook_verification_failures_total{provider="resend",reason="signature_mismatch"}',
      'metrics_engine_ingest_duration_seconds_count{provider="resend"}',
    ];
    for (const name of series) expect(sample(after, name) - sample(before, name), name).toBeGreaterThanOrEqual(1);
    const events = (text: string) =>
      ['applied', 'pending', 'recorded', 'orphaned'].reduce(
        (sum, outcome) => sum + sample(text, `metrics_engine_webhook_events_total{provider="resend",outcome="${outcome}"}`),
        0,
      );
    expect(events(after) - events(before)).toBeGreaterThanOrEqual(1);
    expect(after).toContain('metrics_engine_db_queue_wait_seconds_count');
  });

  it('serves a scrape that promtool check metrics accepts, with build_info', async ({ skip }) => {
    skip(PROMTOOL === null, PROMTOOL_MISSING);
    const text = await (await scrape()).text();
    expect(text).toMatch(/^metrics_engine_build_info\{version="[^"]+",node_version="v\d+[^"]*"\} 1$/m);
    const check = spawnSync(PROMTOOL!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
  });

  it('exports the spans of a webhook request over OTLP/HTTP: request, signature check and ingest SQL in one trace', async () => {
    const { body, headers } = resendDelivery();
    const response = await fetch(endpoint(), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    expect(response.status).toBe(202);
    const inOneTrace = () => {
      const spans = spansFrom(otlp.received);
      const request = spans.filter((s) => s.name === 'handle POST /api/webhooks/metrics');
      return request.find((r) =>
        ['webhook.verify_signature', 'metrics.ingest_sql'].every((name) => spans.some((s) => s.name === name && s.traceId === r.traceId)),
      );
    };
    await otlp.waitFor(() => inOneTrace() !== undefined, 20_000);
    const request = inOneTrace()!;
    const spans = spansFrom(otlp.received).filter((s) => s.traceId === request.traceId);
    expect(spans.find((s) => s.name === 'webhook.verify_signature')?.parentSpanId).toBe(request.spanId);
    // Every request's log line names its trace and span, so a line leads to its trace and back.
    const traced = logLines(app.server.logs()).filter((line) => line.route === '/api/webhooks/metrics' && line.trace_id !== undefined);
    expect(traced.find((line) => line.trace_id === request.traceId && line.span_id === request.spanId)).toBeDefined();
  });
});
