// Bounded everything, through the real server on each database: metric labels from route
// templates (1,000 random paths add a handful of series), security headers on pages and API
// answers, 400 (never 500) for out-of-range input with the specific error and nothing written,
// return paths encoded, hardened session cookies, and the shared budgets on sign-in, emailed
// links and workspace creation (429 with Retry-After before Supabase Auth is asked; a cap, 409).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS } from '../helpers/db';
import { DEV_USER_ID, DEV_WORKSPACE_ID, startApp, tokenFor, type AppUnderTest } from '../helpers/app';
import { startFakeSupabaseAuth, type FakeSupabaseAuth } from '../helpers/supabase-auth';

type Json = Record<string, unknown>;

const SCRAPE_TOKEN = 'scrape-token-bounds-41c7';
const MAX_WORKSPACES = 3;
const USER = { id: DEV_USER_ID, email: 'marketer@example.com', password: 'correct horse battery staple' };

/** Series of a metric family in a Prometheus scrape. */
function seriesCount(scrape: string, family: string): number {
  return scrape.split('\n').filter((line) => line.startsWith(`${family}{`)).length;
}

function randomSegment(): string {
  return randomUUID()
    .replace(/-/g, '')
    .slice(0, 4 + Math.floor(Math.random() * 20));
}

/** Paths a caller may invent: random ids under every dynamic route, and paths no route serves. */
function randomPath(i: number): string {
  const id = randomSegment();
  switch (i % 5) {
    case 0:
      return `/api/workspaces/${id}/members`;
    case 1:
      return `/api/workspaces/${id}/members/${randomSegment()}`;
    case 2:
      return `/api/circuits/metrics/connections/${id}/rotate`;
    case 3:
      return `/api/circuits/metrics/ab-tests/export/${id}`;
    default:
      return `/api/${id}/${randomSegment()}`;
  }
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'x-frame-options': 'DENY',
};

function expectSecurityHeaders(response: Response): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(response.headers.get(name), name).toBe(value);
  const csp = response.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("object-src 'none'");
  expect(csp).not.toContain('unsafe-eval');
}

describe.each(DATABASE_KINDS)('bounded input and budgets on %s', (kind) => {
  let app: AppUnderTest;
  let auth: FakeSupabaseAuth;
  let owner: string;

  beforeAll(async () => {
    auth = await startFakeSupabaseAuth(USER);
    app = await startApp(kind, {
      METRICS_SCRAPE_TOKEN: SCRAPE_TOKEN,
      METRICS_TRUST_PROXY_HEADERS: 'true',
      METRICS_MAX_WORKSPACES_PER_USER: String(MAX_WORKSPACES),
      SUPABASE_URL: auth.url,
      SUPABASE_ANON_KEY: 'test-anon-key',
    });
    owner = await tokenFor(DEV_USER_ID);
  });
  afterAll(async () => {
    await app?.stop();
    await auth?.close();
  });

  const scrape = async () => (await fetch(`${app.url}/api/metrics`, { headers: { authorization: `Bearer ${SCRAPE_TOKEN}` } })).text();
  const authCalls = (grant: string) => auth.calls.filter((c) => c.path.includes(grant)).length;

  async function getJson(path: string, token = owner): Promise<{ status: number; json: Json }> {
    const response = await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, json: (await response.json()) as Json };
  }

  function form(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    return fetch(`${app.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  }

  it('labels requests by route template: 1,000 random paths add at most a few series', async () => {
    // Warm every template once so the comparison counts only what the random paths add.
    await fetch(`${app.url}/api/workspaces/${randomUUID()}/members`);
    const before = await scrape();
    const paths = Array.from({ length: 1_000 }, (_, i) => randomPath(i));
    for (let i = 0; i < paths.length; i += 20) {
      await Promise.all(paths.slice(i, i + 20).map((p) => fetch(`${app.url}${p}`).then((r) => r.arrayBuffer())));
    }
    const after = await scrape();
    for (const family of ['metrics_engine_http_requests_total', 'metrics_engine_http_request_duration_seconds_count']) {
      expect(seriesCount(after, family) - seriesCount(before, family), family).toBeLessThanOrEqual(6);
    }
    expect(after).toContain('route="/api/workspaces/[workspaceId]/members"');
    expect(after).not.toMatch(/route="\/api\/workspaces\/[0-9a-f]{4,}/);
    // The scrape stays small whatever was sent (4,000 such requests once grew it to 6.3 MB).
    expect(after.length).toBeLessThan(before.length + 8_000);
  });

  it('sends the security headers on a page and on an API answer', async () => {
    expectSecurityHeaders(await fetch(`${app.url}/sign-in`));
    expectSecurityHeaders(await fetch(`${app.url}/api/webhooks/metrics`));
    expectSecurityHeaders(await fetch(`${app.url}/api/circuits/metrics/rollups?workspaceId=${DEV_WORKSPACE_ID}`));
  });

  it.each([
    ['timeStart in year 0000', `timeStart=${encodeURIComponent('0000-01-01T00:00:00Z')}`, 'timeStart', /years 0001\.\.9999/],
    ['timeEnd past 9999 after its offset', `timeEnd=${encodeURIComponent('9999-12-31T23:59:59-23:59')}`, 'timeEnd', /years 0001\.\.9999/],
    ['a NUL in circuitExecutionId', `circuitExecutionId=${encodeURIComponent('exec\u0000x')}`, 'circuitExecutionId', /control characters/],
  ])('answers 400 naming the field for %s on the read API', async (_name, query, field, message) => {
    for (const route of ['rollups', 'summary']) {
      const { status, json } = await getJson(`/api/circuits/metrics/${route}?workspaceId=${DEV_WORKSPACE_ID}&${query}`);
      expect(status, route).toBe(400);
      expect(json.issues).toEqual([{ field, message: expect.stringMatching(message) as unknown }]);
      expect(json.error).toMatch(new RegExp(`^Invalid ${field}: `));
    }
  });

  it('answers 400 for a CSV export in year 0000', async () => {
    const abTestId = randomUUID();
    for (const table of ['variants', 'hourly']) {
      const { status, json } = await getJson(
        `/api/circuits/metrics/ab-tests/export/${table}?workspaceId=${DEV_WORKSPACE_ID}&abTestId=${abTestId}&timeStart=0000-06-01T00:00:00Z`,
      );
      expect(status, table).toBe(400);
      expect(json.issues).toEqual([{ field: 'timeStart', message: expect.stringMatching(/years 0001\.\.9999/) as unknown }]);
    }
  });

  it('answers 400 for a test registered with started_at in year 0000, and registers nothing', async () => {
    const abTestId = randomUUID();
    const response = await fetch(`${app.url}/api/circuits/metrics/ab-tests?workspaceId=${DEV_WORKSPACE_ID}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        ab_test_id: abTestId,
        name: 'Year zero',
        primary_metric: 'unique_click_rate',
        variants: [
          { variant_id: randomUUID(), name: 'A', is_control: true },
          { variant_id: randomUUID(), name: 'B', is_control: false },
        ],
        started_at: '0000-01-01T00:00:00Z',
      }),
    });
    expect(response.status).toBe(400);
    const json = (await response.json()) as Json;
    expect(json.issues).toEqual([{ field: 'started_at', message: expect.stringMatching(/years 0001\.\.9999/) as unknown }]);
    const listed = await getJson(`/api/circuits/metrics/ab-tests?workspaceId=${DEV_WORKSPACE_ID}`);
    expect((listed.json.tests as Json[]).some((t) => t.ab_test_id === abTestId)).toBe(false);
  });

  it('encodes a non-ASCII return path instead of failing, and still refuses other sites', async () => {
    const signedIn = await form('/api/auth/sign-in', { email: USER.email, password: USER.password, next: '/dashboard/ab-tests?q=café ✓' });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/dashboard/ab-tests?q=caf%C3%A9%20%E2%9C%93');
    for (const next of ['//evil.example/é', '/\\evil.example/é', 'https://evil.example/', '/\té']) {
      const response = await fetch(`${app.url}/api/auth/callback?next=${encodeURIComponent(next)}`, { redirect: 'manual' });
      expect(response.status, next).toBe(303);
      expect(response.headers.get('location'), next).toBe(`/sign-in?error=link_invalid&next=${encodeURIComponent('/dashboard')}`);
    }
    const callback = await fetch(`${app.url}/api/auth/callback?next=${encodeURIComponent('/dashboard/é')}`, { redirect: 'manual' });
    expect(callback.status).toBe(303);
    expect(callback.headers.get('location')).toBe(`/sign-in?error=link_invalid&next=${encodeURIComponent('/dashboard/%C3%A9')}`);
  });

  it('sets the Supabase session cookies HttpOnly, Secure, SameSite=Lax, for at most 7 days', async () => {
    const response = await form('/api/auth/sign-in', { email: USER.email, password: USER.password, next: '/dashboard' });
    expect(response.status).toBe(303);
    const cookies = response.headers.getSetCookie().filter((c) => c.startsWith('sb-'));
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) {
      expect(cookie).toMatch(/; HttpOnly/i);
      expect(cookie).toMatch(/; Secure/i);
      expect(cookie).toMatch(/; SameSite=lax/i);
      const maxAge = Number(/Max-Age=(\d+)/i.exec(cookie)?.[1]);
      expect(maxAge).toBeGreaterThan(0);
      expect(maxAge).toBeLessThanOrEqual(7 * 24 * 3600);
    }
  });

  it('throttles password guesses per email before Supabase Auth sees them (429, Retry-After)', async () => {
    const email = `victim-${randomUUID()}@example.com`;
    const address = { 'x-forwarded-for': `198.51.100.${Math.floor(Math.random() * 200) + 1}` };
    const before = authCalls('grant_type=password');
    for (let i = 0; i < 10; i += 1) {
      const response = await form('/api/auth/sign-in', { email, password: `guess ${i}` }, address);
      expect(response.status, `attempt ${i + 1}`).toBe(303);
    }
    const refused = await form(
      '/api/auth/sign-in',
      { email: email.toUpperCase(), password: 'guess 11' },
      { 'x-forwarded-for': '203.0.113.9' },
    );
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ limit: 'sign-in:email' });
    expect(authCalls('grant_type=password') - before).toBe(10);
    // The real user's other address and another account are unaffected by this email's budget.
    expect((await form('/api/auth/sign-in', { email: USER.email, password: USER.password }, address)).status).toBe(303);
  });

  it('throttles sign-in per client address across many emails', async () => {
    const address = { 'x-forwarded-for': `192.0.2.${Math.floor(Math.random() * 200) + 1}, 10.0.0.1` };
    const before = authCalls('grant_type=password');
    let allowed = 0;
    for (let i = 0; i < 31; i += 1) {
      const response = await form(
        '/api/auth/sign-in',
        { email: `spray-${i}-${randomUUID()}@example.com`, password: 'Winter2025!' },
        address,
      );
      if (response.status === 303) allowed += 1;
      else {
        expect(response.status).toBe(429);
        expect(await response.json()).toMatchObject({ limit: 'sign-in:address' });
      }
    }
    expect(allowed).toBe(30);
    expect(authCalls('grant_type=password') - before).toBe(30);
  });

  it('throttles emailed sign-in links per email; behind a trusted proxy the link uses its forwarded host', async () => {
    const email = `inbox-${randomUUID()}@example.com`;
    const before = authCalls('/auth/v1/otp');
    const statuses = [];
    for (let i = 0; i < 6; i += 1) {
      const response = await form(
        '/api/auth/magic-link',
        { email },
        { 'x-forwarded-host': 'metrics.example.com', 'x-forwarded-proto': 'https' },
      );
      statuses.push(response.status);
    }
    expect(statuses).toEqual([303, 303, 303, 303, 303, 429]);
    expect(authCalls('/auth/v1/otp') - before).toBe(5);
    const otp = auth.calls.filter((c) => c.path.startsWith('/auth/v1/otp')).at(-1);
    expect(decodeURIComponent(otp?.path ?? '')).toContain('redirect_to=https://metrics.example.com/api/auth/callback');
  });

  it('caps the workspaces a user owns (409) and rate-limits creation (429); nothing is created past either', async () => {
    const user = randomUUID();
    const token = await tokenFor(user);
    const create = (name: string) =>
      fetch(`${app.url}/api/workspaces`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
    const statuses: number[] = [];
    let capAnswer: Json | null = null;
    for (let i = 0; i < 11; i += 1) {
      const response = await create(`Workspace ${i}`);
      statuses.push(response.status);
      const json = (await response.json()) as Json;
      if (response.status === 409) capAnswer = json;
      if (response.status === 429) {
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(json).toMatchObject({ limit: 'workspace-create:user' });
      }
    }
    expect(statuses).toEqual([201, 201, 201, 409, 409, 409, 409, 409, 409, 409, 429]);
    expect(capAnswer).toMatchObject({ max_workspaces: MAX_WORKSPACES });
    const listed = await getJson('/api/workspaces', token);
    expect(listed.json.count).toBe(MAX_WORKSPACES);
  });
});

describe('without a trusted proxy or METRICS_PUBLIC_URL (production)', () => {
  let app: AppUnderTest;
  let auth: FakeSupabaseAuth;

  beforeAll(async () => {
    auth = await startFakeSupabaseAuth(USER);
    app = await startApp('pglite', { SUPABASE_URL: auth.url, SUPABASE_ANON_KEY: 'test-anon-key' });
  });
  afterAll(async () => {
    await app?.stop();
    await auth?.close();
  });

  const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${app.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });

  it('refuses to mail a sign-in link (503 naming METRICS_PUBLIC_URL) and never follows X-Forwarded-Host', async () => {
    const response = await post('/api/auth/magic-link', { email: USER.email }, { 'x-forwarded-host': 'evil.example' });
    expect(response.status).toBe(503);
    expect(((await response.json()) as Json).error).toContain('METRICS_PUBLIC_URL');
    expect(auth.calls.filter((c) => c.path.startsWith('/auth/v1/otp'))).toEqual([]);
  });

  it('does not let a caller pick a fresh address budget with X-Forwarded-For', async () => {
    let allowed = 0;
    let last: Response | null = null;
    for (let i = 0; i < 31; i += 1) {
      last = await post(
        '/api/auth/sign-in',
        { email: `spray-${i}@example.com`, password: 'x' },
        { 'x-forwarded-for': `203.0.113.${i + 1}` },
      );
      if (last.status === 303) allowed += 1;
    }
    expect(allowed).toBe(30);
    expect(last?.status).toBe(429);
  });
});
