// GET /api/circuits/metrics/live on the real server: a strong ETag and 304 while nothing changed,
// a new version once a signed delivery is counted, and the read routes' tenancy (401, 403, 404).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSendGridHmac } from '../../tooling/signing';
import { DATABASE_KINDS } from '../helpers/db';
import { sendgridDelivered } from '../helpers/factories';
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

const AB_TEST = '11fe0000-1111-4222-8333-444455556666';
const VARIANT = '11fe0000-aaaa-4222-8333-444455556666';

describe.each(DATABASE_KINDS)('live version route on %s', (kind) => {
  let app: AppUnderTest;
  let devToken: string;
  let otherToken: string;
  const path = `/api/circuits/metrics/live?workspaceId=${DEV_WORKSPACE_ID}&abTestId=${AB_TEST}`;

  const get = (url: string, headers: Record<string, string> = { authorization: `Bearer ${devToken}` }) =>
    fetch(`${app.url}${url}`, { headers });

  async function deliver(workspaceId: string) {
    const body = JSON.stringify(sendgridDelivered(1, AB_TEST, VARIANT));
    const response = await fetch(`${app.url}/api/webhooks/metrics?provider=sendgrid&workspace_id=${workspaceId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signSendGridHmac({ secret: TEST_SECRETS.SENDGRID_WEBHOOK_SECRET, body }) },
      body,
    });
    expect(response.status).toBe(202);
  }

  beforeAll(async () => {
    app = await startApp(kind);
    devToken = await tokenFor(DEV_USER_ID);
    otherToken = await tokenFor(OTHER_USER_ID);
    await deliver(DEV_WORKSPACE_ID);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('answers a small version with a strong ETag, then 304 until a delivery is counted', async () => {
    const first = await get(path);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(first.headers.get('cache-control')).toContain('no-cache');
    const body = (await first.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ workspace_id: DEV_WORKSPACE_ID, ab_test_id: AB_TEST, version: etag.slice(1, -1) });
    expect(body.providers).toEqual([{ provider: 'sendgrid', last_received_at: expect.any(String) }]);
    expect(Date.parse(String(body.counted_up_to))).toBeGreaterThanOrEqual(Date.parse(String(body.last_counted_at)));

    const unchanged = await get(path, { authorization: `Bearer ${devToken}`, 'if-none-match': etag });
    expect(unchanged.status).toBe(304);
    expect(await unchanged.text()).toBe('');
    expect(unchanged.headers.get('etag')).toBe(etag);
    expect(Date.parse(unchanged.headers.get('x-counted-up-to')!)).toBeGreaterThanOrEqual(Date.parse(String(body.counted_up_to)));

    await deliver(DEV_WORKSPACE_ID);
    const changed = await get(path, { authorization: `Bearer ${devToken}`, 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('answers the workspace scope for the Operations page', async () => {
    const response = await get(`/api/circuits/metrics/live?workspaceId=${DEV_WORKSPACE_ID}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ab_test_id: null, last_counted_at: null, alerts_firing: 0 });
  });

  it('is tenant-scoped like the other reads', async () => {
    expect((await get(path, {})).status).toBe(401);
    // Not a member of the seeded workspace.
    const foreign = await get(path, { authorization: `Bearer ${otherToken}` });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ code: 'forbidden' });
    // The test exists, but in another workspace: this one knows no such test.
    const elsewhere = await get(`/api/circuits/metrics/live?workspaceId=${OTHER_WORKSPACE_ID}&abTestId=${AB_TEST}`, {
      authorization: `Bearer ${otherToken}`,
    });
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.json()).toMatchObject({ code: 'not_found' });
    const malformed = await get(`/api/circuits/metrics/live?workspaceId=${DEV_WORKSPACE_ID}&abTestId=nope`);
    expect(malformed.status).toBe(400);
    expect((await fetch(`${app.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${devToken}` } })).status).toBe(405);
  });
});
