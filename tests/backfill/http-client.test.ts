// The provider HTTP helper against a real local server: Retry-After, rate-limit headers,
// bounded retries, malformed bodies and the run's deadline.
import { afterEach, describe, expect, it } from 'vitest';
import {
  ProviderApiError,
  ProviderHttp,
  TimeBudgetExhaustedError,
  parseRateLimitReset,
  parseRetryAfter,
} from '../../src/lib/decision-circuits/metrics/providers/kit/backfill-http';
import { fixture, startFakeProvider, withFaults, type FakeProvider, type Handler } from '../fixtures/backfill/fake-providers';

let fake: FakeProvider | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

const ok: Handler = () => ({ json: { messages: [] } });

/** A client whose sleeps are recorded instead of waited. */
function client(options: { maxRetries?: number; deadline?: number } = {}) {
  const sleeps: number[] = [];
  const http = new ProviderHttp('SendGrid Email Activity API', {
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    baseDelayMs: 100,
    ...options,
  });
  return { http, sleeps };
}

async function get(http: ProviderHttp, path = '/v3/messages?query=x') {
  if (!fake) throw new Error('no server');
  return http.getJson(new URL(`${fake.url}${path}`), { authorization: 'Bearer key' }, 'GET /v3/messages');
}

describe('provider HTTP client', () => {
  it('waits the Retry-After of a 429, then returns the page', async () => {
    fake = await startFakeProvider(
      withFaults(ok, [{ status: 429, headers: { 'retry-after': '2' }, json: fixture('resend/error-rate-limited.json') }]),
    );
    const { http, sleeps } = client();
    expect(await get(http)).toEqual({ messages: [] });
    expect(sleeps).toEqual([2000]);
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer key');
  });

  it("uses SendGrid's X-RateLimit-Reset (epoch seconds) when a 429 has no Retry-After", async () => {
    const reset = Math.floor(Date.now() / 1000) + 3;
    fake = await startFakeProvider(
      withFaults(ok, [
        {
          status: 429,
          headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
          json: fixture('sendgrid/error-rate-limited.json'),
        },
      ]),
    );
    const { http, sleeps } = client();
    await get(http);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThan(1000);
    expect(sleeps[0]).toBeLessThanOrEqual(3000);
  });

  it('fails at once, saying how long, when the provider asks to wait longer than the limit', async () => {
    fake = await startFakeProvider(() => ({
      status: 429,
      headers: { 'retry-after': '3600' },
      json: fixture('sendgrid/error-rate-limited.json'),
    }));
    const { http, sleeps } = client();
    const error = await get(http).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderApiError);
    expect((error as ProviderApiError).kind).toBe('rate_limited');
    expect((error as Error).message).toContain('asked to wait 3600 s');
    expect(fake.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('backs off exponentially on repeated 429s without Retry-After, a bounded number of times', async () => {
    fake = await startFakeProvider(() => ({ status: 429, json: fixture('linkedin/error-throttled.json') }));
    const { http, sleeps } = client({ maxRetries: 3 });
    await expect(get(http)).rejects.toThrow(/rate limited \(HTTP 429: Resource level throttle.*gave up after 4 attempts/);
    expect(fake.requests).toHaveLength(4);
    expect(sleeps).toHaveLength(3);
    // 100, 200, 400 ms plus at most 20 % jitter.
    expect(sleeps[0]).toBeGreaterThanOrEqual(100);
    expect(sleeps[1]).toBeGreaterThanOrEqual(200);
    expect(sleeps[2]).toBeGreaterThanOrEqual(400);
    expect(sleeps[2]).toBeLessThanOrEqual(480);
  });

  it('retries 5xx, then fails naming the provider, the endpoint and the status', async () => {
    fake = await startFakeProvider(() => ({ status: 503, text: '<html>Service Unavailable</html>' }));
    const { http } = client({ maxRetries: 2 });
    await expect(get(http)).rejects.toThrow('SendGrid Email Activity API GET /v3/messages: HTTP 503; gave up after 3 attempts');
    expect(fake.requests).toHaveLength(3);
  });

  it('recovers from one 5xx', async () => {
    fake = await startFakeProvider(withFaults(ok, [{ status: 502, json: { message: 'bad gateway' } }]));
    const { http } = client();
    expect(await get(http)).toEqual({ messages: [] });
    expect(fake.requests).toHaveLength(2);
  });

  it('retries a page that is not JSON, then fails saying so', async () => {
    fake = await startFakeProvider(() => ({ text: '{"messages": [{"msg_id": "trunc' }));
    const { http } = client({ maxRetries: 1 });
    const error = (await get(http).catch((e: unknown) => e)) as ProviderApiError;
    expect(error.kind).toBe('malformed');
    expect(error.message).toBe('SendGrid Email Activity API GET /v3/messages: response is not valid JSON; gave up after 2 attempts');
    expect(fake.requests).toHaveLength(2);
  });

  it("does not retry a 401 and reports the provider's own message", async () => {
    fake = await startFakeProvider(() => ({ status: 401, json: fixture('sendgrid/error-unauthorized.json') }));
    const { http } = client();
    await expect(get(http)).rejects.toThrow('SendGrid Email Activity API GET /v3/messages: HTTP 401: authorization required');
    expect(fake.requests).toHaveLength(1);
  });

  it('never puts the query string (cursors, tokens) in an error message', async () => {
    fake = await startFakeProvider(() => ({ status: 400, json: { error: { message: 'bad', code: 100 } } }));
    const { http } = client();
    const error = (await get(http, '/v3/messages?access_token=SECRET-TOKEN').catch((e: unknown) => e)) as Error;
    expect(error.message).not.toContain('SECRET-TOKEN');
  });

  it('paces the next request when the rate-limit headers say the window is used up', async () => {
    fake = await startFakeProvider(() => ({ headers: { 'ratelimit-remaining': '0', 'ratelimit-reset': '1' }, json: { data: [] } }));
    const { http, sleeps } = client();
    await get(http);
    expect(sleeps).toEqual([]);
    await get(http);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThan(900);
    expect(sleeps[0]).toBeLessThanOrEqual(1000);
  });

  it("refuses to wait past the run's deadline (the job pauses instead)", async () => {
    fake = await startFakeProvider(() => ({ status: 429, headers: { 'retry-after': '5' }, json: {} }));
    const { http, sleeps } = client({ deadline: Date.now() + 1000 });
    await expect(get(http)).rejects.toBeInstanceOf(TimeBudgetExhaustedError);
    expect(sleeps).toEqual([]);
  });

  it('reads Retry-After as seconds or an HTTP date, and reset headers as epoch or delta seconds', () => {
    const now = Date.parse('2025-03-02T10:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Sun, 02 Mar 2025 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRateLimitReset(String(now / 1000 + 12), now)).toBe(12_000);
    expect(parseRateLimitReset('1', now)).toBe(1000);
  });
});
