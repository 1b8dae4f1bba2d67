// The alerts API and cron route on the real server: admins configure rules and channels
// (secrets never returned), forged deliveries are counted per workspace, and the cron run sends
// one signed notification that the receiver verifies with `standardwebhooks`.
import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretFingerprint } from '../../src/lib/crypto/secret-box';
import { DATABASE_KINDS } from '../helpers/db';
import { addMember } from '../helpers/factories';
import { DEV_USER_ID, DEV_WORKSPACE_ID, OTHER_USER_ID, TEST_SECRETS, startApp, tokenFor, type AppUnderTest } from '../helpers/app';
import { startReceiver, type Receiver } from '../helpers/receivers';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;

describe.each(DATABASE_KINDS)('alerts API and cron on %s', (kind) => {
  let app: AppUnderTest;
  let owner: string;
  let receiver: Receiver;
  const alertsUrl = (path = '') => `${app.url}/api/circuits/metrics/alerts${path}?workspaceId=${DEV_WORKSPACE_ID}`;

  async function call(method: string, url: string, token: string, body?: unknown) {
    const response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, text: await response.text() };
  }

  const cron = () => fetch(`${app.url}/api/cron/metrics/alerts`, { headers: { authorization: `Bearer ${TEST_SECRETS.CRON_SECRET}` } });

  beforeAll(async () => {
    receiver = await startReceiver();
    // The receiver is on loopback: only the operator's allowlist lets the server call it.
    app = await startApp(kind, { METRICS_OUTBOUND_ALLOWLIST: '127.0.0.1' });
    owner = await tokenFor(DEV_USER_ID);
  });
  afterAll(async () => {
    await app?.stop();
    await receiver?.close();
  });

  it('lets an owner set rules and add channels; answers never carry a secret', async () => {
    const rules = await call('PUT', alertsUrl(), owner, { rules: [{ rule: 'verification_failures', enabled: true, threshold: 2 }] });
    expect(rules.status).toBe(200);
    expect(JSON.parse(rules.text).rules).toContainEqual({
      rule: 'verification_failures',
      enabled: true,
      threshold: 2,
      default_threshold: 20,
    });

    expect((await call('PUT', alertsUrl(), owner, { rules: [{ rule: 'backfill_failed', enabled: true, threshold: 3 }] })).status).toBe(400);
    expect((await call('POST', alertsUrl('/channels'), owner, { kind: 'slack', name: 'x', url: 'file:///etc/passwd' })).status).toBe(400);

    const added = await call('POST', alertsUrl('/channels'), owner, {
      kind: 'webhook',
      name: 'pager',
      url: `${receiver.url}/hook`,
      secret: SECRET,
    });
    expect(added.status).toBe(201);
    expect(JSON.parse(added.text).channel).toMatchObject({
      kind: 'webhook',
      url_origin: receiver.url,
      secret_fingerprint: secretFingerprint(SECRET),
    });
    expect(added.text).not.toContain(SECRET.slice(6, 30));

    const listed = await call('GET', alertsUrl(), owner);
    expect(listed.status).toBe(200);
    expect(JSON.parse(listed.text).channels).toHaveLength(1);
    expect(listed.text).not.toContain(SECRET.slice(6, 30));
  });

  it('refuses a non-member (403) for reading and writing', async () => {
    const stranger = await tokenFor(OTHER_USER_ID);
    expect((await call('GET', alertsUrl(), stranger)).status).toBe(403);
    expect((await call('PUT', alertsUrl(), stranger, { rules: [{ rule: 'provider_silent', enabled: false }] })).status).toBe(403);
    expect((await call('POST', alertsUrl('/channels'), stranger, { kind: 'slack', name: 'x', url: 'https://example.com/x' })).status).toBe(
      403,
    );
  });

  it.runIf(kind === 'postgres')('lets a member read but not configure (403)', async () => {
    const member = await tokenFor(await addMember(app.testDb!.db, DEV_WORKSPACE_ID, randomUUID(), 'member'));
    expect((await call('GET', alertsUrl(), member)).status).toBe(200);
    expect((await call('PUT', alertsUrl(), member, { rules: [{ rule: 'provider_silent', enabled: false }] })).status).toBe(403);
    expect((await call('POST', alertsUrl('/channels'), member, { kind: 'slack', name: 'x', url: 'https://example.com/x' })).status).toBe(
      403,
    );
  });

  it('counts forged deliveries and notifies once from the cron route, verified with standardwebhooks', async () => {
    const body = JSON.stringify({ type: 'email.opened', created_at: new Date().toISOString(), data: { email_id: randomUUID() } });
    for (let i = 0; i < 2; i += 1) {
      const forged = await fetch(`${app.url}/api/webhooks/metrics?provider=resend&workspace_id=${DEV_WORKSPACE_ID}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'svix-id': `msg_${i}`,
          'svix-timestamp': String(Math.floor(Date.now() / 1000)),
          'svix-signature': 'v1,Zm9yZ2Vk',
        },
        body,
      });
      expect(forged.status).toBe(401);
    }
    const first = await cron();
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ job: 'alerts', fired: 1, notifications_delivered: 1 });
    expect((await (await cron()).json()) as object).toMatchObject({ fired: 0, notifications_delivered: 0 });
    expect(receiver.received).toHaveLength(1);
    const event = new Webhook(SECRET).verify(receiver.received[0]!.body, receiver.received[0]!.headers as Record<string, string>);
    expect(event).toMatchObject({
      type: 'alert.firing',
      data: { rule: 'verification_failures', subject: 'resend', workspace_id: DEV_WORKSPACE_ID },
    });

    const history = JSON.parse((await call('GET', alertsUrl(), owner)).text) as { history: { state: string; rule: string }[] };
    expect(history.history).toEqual([expect.objectContaining({ rule: 'verification_failures', state: 'firing' })]);
  });

  it('deletes a channel (404 the second time)', async () => {
    const { channels } = JSON.parse((await call('GET', alertsUrl(), owner)).text) as { channels: { id: string }[] };
    const url = `${app.url}/api/circuits/metrics/alerts/channels?workspaceId=${DEV_WORKSPACE_ID}&channelId=${channels[0]!.id}`;
    expect((await call('DELETE', url, owner)).status).toBe(200);
    expect((await call('DELETE', url, owner)).status).toBe(404);
  });
});
