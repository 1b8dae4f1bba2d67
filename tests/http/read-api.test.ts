// The read APIs on the real server: auth, validation, tenant isolation (RLS) and the numbers.
import { randomUUID } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSendGridHmac } from '../../tooling/signing';
import { DATABASE_KINDS } from '../helpers/db';
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

const AB_TEST = 'c0ffee00-1111-4222-8333-444455556666';
const VARIANTS = ['0a0a0a0a-1111-4222-8333-444455556666', '0b0b0b0b-1111-4222-8333-444455556666'];
const READ_ROUTES = ['rollups', 'summary', 'variants', 'latest', 'health'] as const;

describe.each(DATABASE_KINDS)('read APIs on %s', (kind) => {
  let app: AppUnderTest;
  let devToken: string;
  let otherToken: string;

  async function get(path: string, token: string | null = devToken) {
    const response = await fetch(`${app.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  async function sendSendGrid(workspaceId: string, events: object[]) {
    const body = `[${events.map((e) => JSON.stringify(e)).join(',\r\n')}]\r\n`;
    const response = await fetch(`${app.url}/api/webhooks/metrics?provider=sendgrid&workspace_id=${workspaceId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signSendGridHmac({ secret: TEST_SECRETS.SENDGRID_WEBHOOK_SECRET, body }) },
      body,
    });
    expect(response.status).toBe(202);
  }

  function event(kindName: string, message: string, variant: string, hour: number, circuit = 'exec-read') {
    return {
      email: 'x@example.com',
      timestamp: Date.UTC(2025, 5, 1, hour, 5) / 1000,
      event: kindName,
      sg_event_id: randomUUID(),
      sg_message_id: `${message}.filter0001`,
      circuit_execution_id: circuit,
      ab_test_id: AB_TEST,
      variant_id: variant,
    };
  }

  beforeAll(async () => {
    app = await startApp(kind);
    devToken = await tokenFor(DEV_USER_ID);
    otherToken = await tokenFor(OTHER_USER_ID);
    // Variant A: 10 delivered, 6 opens, 3 clicks in hour 9; 10 delivered, 2 opens in hour 10.
    // Variant B: 20 delivered, 4 opens, 1 click in hour 9.
    const [a, b] = VARIANTS as [string, string];
    await sendSendGrid(DEV_WORKSPACE_ID, [
      ...Array.from({ length: 10 }, (_, i) => event('delivered', `a${i}`, a, 9)),
      ...Array.from({ length: 6 }, (_, i) => event('open', `a${i}`, a, 9)),
      ...Array.from({ length: 3 }, (_, i) => event('click', `a${i}`, a, 9)),
      ...Array.from({ length: 10 }, (_, i) => event('delivered', `a${i + 10}`, a, 10)),
      ...Array.from({ length: 2 }, (_, i) => event('open', `a${i + 10}`, a, 10)),
      ...Array.from({ length: 20 }, (_, i) => event('delivered', `b${i}`, b, 9)),
      ...Array.from({ length: 4 }, (_, i) => event('open', `b${i}`, b, 9)),
      event('click', 'b0', b, 9),
    ]);
    // The other workspace has data too; the dev user must never see it.
    await sendSendGrid(
      OTHER_WORKSPACE_ID,
      Array.from({ length: 7 }, (_, i) => event('delivered', `o${i}`, a, 9, 'exec-other')),
    );
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("GET rollups answers the release notes' shape, newest first, with rates", async () => {
    const { status, json } = await get(
      `/api/circuits/metrics/rollups?workspaceId=${DEV_WORKSPACE_ID}&abTestId=${AB_TEST}&variantId=${VARIANTS[0]}`,
    );
    expect(status).toBe(200);
    expect(json).toMatchObject({ workspace_id: DEV_WORKSPACE_ID, ab_test_id: AB_TEST, variant_id: VARIANTS[0], count: 2 });
    const rollups = json.rollups as Record<string, unknown>[];
    expect(rollups.map((r) => r.time_bucket)).toEqual(['2025-06-01T10:00:00.000Z', '2025-06-01T09:00:00.000Z']);
    expect(rollups[1]).toMatchObject({
      email_delivered: 10,
      email_opened: 6,
      email_clicked: 3,
      open_rate: 60,
      click_rate: 30,
      engagement_rate: 90,
    });
    expect(rollups[0]).toMatchObject({ email_delivered: 10, email_opened: 2, open_rate: 20 });
  });

  it('limit bounds the rows and time filters apply', async () => {
    const limited = await get(`/api/circuits/metrics/rollups?workspaceId=${DEV_WORKSPACE_ID}&limit=1`);
    expect(limited.json.count).toBe(1);
    const ranged = await get(
      `/api/circuits/metrics/rollups?workspaceId=${DEV_WORKSPACE_ID}&timeStart=2025-06-01T10:00:00Z&timeEnd=2025-06-01T11:00:00Z`,
    );
    expect(ranged.json.count).toBe(1);
  });

  it('summary recomputes rates from totals, not by averaging hourly rates', async () => {
    const { json } = await get(
      `/api/circuits/metrics/summary?workspaceId=${DEV_WORKSPACE_ID}&abTestId=${AB_TEST}&variantId=${VARIANTS[0]}`,
    );
    expect(json.totals).toMatchObject({ email_delivered: 20, email_opened: 8, email_clicked: 3 });
    // Equal-sized hours make the average coincide here; the whole-test case below tells them apart.
    expect(json.rates).toMatchObject({ open_rate: 40, click_rate: 15, engagement_rate: 55 });
    expect(json.rollup_count).toBe(2);
    const whole = await get(`/api/circuits/metrics/summary?workspaceId=${DEV_WORKSPACE_ID}&abTestId=${AB_TEST}`);
    // 12 opens / 40 delivered = 30 %; averaging the three hourly rates (60, 20, 20) would give 33.33 %.
    expect((whole.json.rates as Record<string, number>).open_rate).toBe(30);
  });

  it('variants puts every variant of the test side by side', async () => {
    const { json } = await get(`/api/circuits/metrics/variants?workspaceId=${DEV_WORKSPACE_ID}&abTestId=${AB_TEST}`);
    const variants = json.variants as { variant_id: string; totals: Record<string, number>; rates: Record<string, number> }[];
    expect(variants.map((v) => v.variant_id)).toEqual(VARIANTS);
    expect(variants[1]).toMatchObject({
      totals: { email_delivered: 20, email_opened: 4, email_clicked: 1 },
      rates: { open_rate: 20, click_rate: 5 },
    });
  });

  it('latest shows the newest rollup per variant', async () => {
    const { json } = await get(`/api/circuits/metrics/latest?workspaceId=${DEV_WORKSPACE_ID}&abTestId=${AB_TEST}`);
    const latest = json.latest as { variant_id: string; time_bucket: string }[];
    expect(latest.map((l) => [l.variant_id, l.time_bucket])).toEqual([
      [VARIANTS[0], '2025-06-01T10:00:00.000Z'],
      [VARIANTS[1], '2025-06-01T09:00:00.000Z'],
    ]);
  });

  it('health reports attribution and ingestion per provider', async () => {
    const { json } = await get(`/api/circuits/metrics/health?workspaceId=${DEV_WORKSPACE_ID}`);
    expect(json.attribution).toEqual([
      expect.objectContaining({
        provider: 'sendgrid',
        mapped_count: 40,
        unmapped_count: 0,
        mapped_percentage: 100,
        below_alert_threshold: false,
      }),
    ]);
    expect(json.ingestion).toMatchObject({ total_events: 56, unprocessed_events: 0 });
  });

  it.each(READ_ROUTES)("%s: another workspace's id gets 403 and none of its rows", async (route) => {
    const extra = route === 'variants' ? `&abTestId=${AB_TEST}` : '';
    const response = await get(`/api/circuits/metrics/${route}?workspaceId=${OTHER_WORKSPACE_ID}${extra}`);
    expect(response.status).toBe(403);
    expect(JSON.stringify(response.json)).not.toContain('exec-other');
  });

  it("the other workspace's member sees only their own rows", async () => {
    const { json } = await get(`/api/circuits/metrics/rollups?workspaceId=${OTHER_WORKSPACE_ID}`, otherToken);
    const rollups = json.rollups as { circuit_execution_id: string; email_delivered: number }[];
    expect(rollups).toEqual([expect.objectContaining({ circuit_execution_id: 'exec-other', email_delivered: 7 })]);
  });

  it('refuses missing, forged, expired and wrong-audience tokens with 401', async () => {
    const path = `/api/circuits/metrics/rollups?workspaceId=${DEV_WORKSPACE_ID}`;
    const wrongSecret = await tokenFor(DEV_USER_ID, { secret: 'another-secret-that-is-long-enough-0000' });
    const expired = await new SignJWT({ role: 'authenticated' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(DEV_USER_ID)
      .setAudience('authenticated')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(TEST_SECRETS.SUPABASE_JWT_SECRET));
    const otherAudience = await tokenFor(DEV_USER_ID, { audience: 'anon' });
    const unsigned = new UnsecuredJWT({ role: 'authenticated' }).setSubject(DEV_USER_ID).setAudience('authenticated').encode();
    for (const token of [null, 'garbage', wrongSecret, expired, otherAudience, unsigned]) {
      const { status, json } = await get(path, token);
      expect(status, String(token)).toBe(401);
      expect(json.rollups).toBeUndefined();
    }
    expect((await get(path, expired)).json.error).toBe('Access token expired');
  });

  it.each([
    ['workspaceId=nope', 'workspaceId'],
    [`workspaceId=${DEV_WORKSPACE_ID}&abTestId=test_123`, 'abTestId'],
    [`workspaceId=${DEV_WORKSPACE_ID}&timeStart=yesterday`, 'timeStart'],
    [`workspaceId=${DEV_WORKSPACE_ID}&timeStart=2025-02-01T00:00:00Z&timeEnd=2025-01-01T00:00:00Z`, 'timeStart'],
    [`workspaceId=${DEV_WORKSPACE_ID}&limit=0`, 'limit'],
    [`workspaceId=${DEV_WORKSPACE_ID}&limit=501`, 'limit'],
    [`workspaceId=${DEV_WORKSPACE_ID}&channel=sms`, 'channel'],
    ['', 'workspaceId'],
  ])('rollups?%s is a 400 naming %s', async (query, field) => {
    const { status, json } = await get(`/api/circuits/metrics/rollups?${query}`);
    expect(status).toBe(400);
    expect(json.error).toContain(field);
  });

  it('registers a mapping over HTTP and applies the events that waited for it', async () => {
    await sendSendGrid(DEV_WORKSPACE_ID, [
      {
        email: 'y@example.com',
        timestamp: Date.UTC(2025, 5, 2, 8) / 1000,
        event: 'delivered',
        sg_event_id: randomUUID(),
        sg_message_id: 'late1.filter0001',
      },
    ]);
    const response = await fetch(`${app.url}/api/circuits/metrics/attribution?workspaceId=${DEV_WORKSPACE_ID}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${devToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        provider: 'sendgrid',
        provider_object_id: 'late1',
        circuit_execution_id: 'exec-late',
        ab_test_id: AB_TEST,
        variant_id: VARIANTS[1],
        channel: 'email',
      }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ applied_events: 1, mappings: [expect.objectContaining({ status: 'mapped' })] });
    const bad = await fetch(`${app.url}/api/circuits/metrics/attribution?workspaceId=${DEV_WORKSPACE_ID}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${devToken}`, 'content-type': 'application/json' },
      body: JSON.stringify([
        { provider: 'sendgrid', provider_object_id: 'ok', circuit_execution_id: 'x', channel: 'email' },
        { provider: 'sendgrid', channel: 'social' },
      ]),
    });
    expect(bad.status).toBe(400);
  });
});
