// An admin's actions on an alert channel through the real server, against local receivers that
// verify Standard Webhooks signatures with the `standardwebhooks` library: "Send test
// notification" delivers one signed, marked notification and answers what the receiver said
// (status, latency, a failure in words that name no address); members get 403 and nothing is
// sent; another workspace's channel is 404; secret rotation shows the new secret once and signs
// with both secrets during the overlap, with the new one only once the previous is dropped.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretFingerprint } from '../../src/lib/crypto/secret-box';
import { DATABASE_KINDS } from '../helpers/db';
import {
  DEV_USER_ID,
  DEV_WORKSPACE_ID,
  OTHER_USER_ID,
  OTHER_WORKSPACE_ID,
  TEST_SECRETS,
  joinByInvitation,
  startApp,
  tokenFor,
  type AppUnderTest,
} from '../helpers/app';
import { startReceiver, verifiesWith, type Receiver } from '../helpers/receivers';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

interface TestAnswer {
  channel_id: string;
  delivered: boolean;
  outcome: string;
  http_status: number | null;
  error: string | null;
  webhook_id: string;
  latency_ms: number;
}

interface RotateAnswer {
  secret: string;
  secret_fingerprint: string;
  previous_secret_fingerprint: string | null;
  previous_secret_expires_at: string | null;
}

interface ChannelListing {
  channels: {
    id: string;
    secret_fingerprint: string | null;
    previous_secret_fingerprint: string | null;
    audit: Record<string, unknown>[];
  }[];
}

describe.each(DATABASE_KINDS)('alert channel test sends and secret rotation on %s', (kind) => {
  let app: AppUnderTest;
  let owner: string;
  let receiver: Receiver;
  let failing: Receiver;
  let hookId: string;
  let slackId: string;
  let failingId: string;
  let closedId: string;

  const channelUrl = (id: string, action: string, workspaceId = DEV_WORKSPACE_ID) =>
    `${app.url}/api/circuits/metrics/alerts/channels/${id}/${action}?workspaceId=${workspaceId}`;
  async function call(method: string, url: string, token: string, body?: unknown) {
    const response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }
  async function addChannel(body: Record<string, unknown>): Promise<string> {
    const added = await call('POST', `${app.url}/api/circuits/metrics/alerts/channels?workspaceId=${DEV_WORKSPACE_ID}`, owner, body);
    expect(added.status).toBe(201);
    return (JSON.parse(added.text) as { channel: { id: string } }).channel.id;
  }
  async function testSend(id: string, token = owner): Promise<TestAnswer> {
    const answer = await call('POST', channelUrl(id, 'test'), token);
    expect(answer.status, answer.text).toBe(200);
    return JSON.parse(answer.text) as TestAnswer;
  }
  const listing = async (token = owner) =>
    JSON.parse((await call('GET', `${app.url}/api/circuits/metrics/alerts?workspaceId=${DEV_WORKSPACE_ID}`, token)).text) as ChannelListing;
  const receivedWith = (webhookId: string) => receiver.received.filter((r) => r.headers['webhook-id'] === webhookId);

  beforeAll(async () => {
    receiver = await startReceiver();
    failing = await startReceiver(503);
    // The receivers are on loopback: only the operator's allowlist lets the server call them.
    app = await startApp(kind, { METRICS_OUTBOUND_ALLOWLIST: '127.0.0.1' });
    owner = await tokenFor(DEV_USER_ID);
    hookId = await addChannel({ kind: 'webhook', name: 'pager', url: `${receiver.url}/hook`, secret: SECRET });
    slackId = await addChannel({ kind: 'slack', name: 'chat', url: `${receiver.url}/services/T0/B0/x` });
    failingId = await addChannel({ kind: 'webhook', name: 'down', url: `${failing.url}/hook`, secret: SECRET });
    // A port nothing listens on any more: the connection is refused.
    const gone = await startReceiver();
    await gone.close();
    closedId = await addChannel({ kind: 'slack', name: 'gone', url: `${gone.url}/hook` });
  });
  afterAll(async () => {
    await app?.stop();
    await Promise.all([receiver?.close(), failing?.close()]);
  });

  it('delivers one signed test notification and answers the receiver status and latency', async () => {
    const sent = await testSend(hookId);
    expect(sent).toMatchObject({ channel_id: hookId, delivered: true, outcome: 'delivered', http_status: 200, error: null });
    expect(sent.latency_ms).toBeGreaterThanOrEqual(0);
    expect(sent.latency_ms).toBeLessThan(5_000);
    const arrived = receivedWith(sent.webhook_id);
    expect(arrived).toHaveLength(1);
    expect(arrived[0]!.path).toBe('/hook');
    expect(new Webhook(SECRET).verify(arrived[0]!.body, arrived[0]!.headers as Record<string, string>)).toMatchObject({
      type: 'alert.test',
      data: { test: true, channel_id: hookId, workspace_id: DEV_WORKSPACE_ID },
    });

    const before = receiver.received.length;
    expect(await testSend(slackId)).toMatchObject({ delivered: true, http_status: 200 });
    expect(receiver.received).toHaveLength(before + 1);
    expect(JSON.parse(receiver.received.at(-1)!.body)).toEqual({ text: expect.stringMatching(/^\[TEST\] /) });

    // A test send is not an alert: no history entry, no queued delivery; it is in the audit trail.
    const overview = (await listing()) as ChannelListing & { history: unknown[] };
    expect(overview.history).toEqual([]);
    expect(overview.channels.find((c) => c.id === hookId)!.audit).toEqual([
      expect.objectContaining({ action: 'test_sent', actor: DEV_USER_ID, outcome: 'delivered', http_status: 200 }),
    ]);
  });

  it('answers what a failing receiver said, in words that name no address', async () => {
    const down = await testSend(failingId);
    expect(down).toMatchObject({ delivered: false, outcome: 'failed', http_status: 503, error: 'the receiver answered HTTP 503' });
    expect(failing.received).toHaveLength(1);
    expect(verifiesWith(SECRET, failing.received[0]!)).toBe(true);

    const answer = await call('POST', channelUrl(closedId, 'test'), owner);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ delivered: false, http_status: null, error: 'the connection was refused' });
    expect(answer.text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
  });

  it('refuses a member (403) and sends nothing; members see no receiver status in the audit trail', async () => {
    const member = await joinByInvitation(app.url, owner, DEV_WORKSPACE_ID, 'member');
    const before = receiver.received.length;
    const test = await call('POST', channelUrl(hookId, 'test'), member);
    expect(test.status).toBe(403);
    expect(JSON.parse(test.text)).toMatchObject({ code: 'insufficient_role', required_role: 'admin' });
    const rotate = await call('POST', channelUrl(hookId, 'rotate-secret'), member, {});
    expect(rotate.status).toBe(403);
    expect(receiver.received).toHaveLength(before);
    expect((await listing()).channels.find((c) => c.id === hookId)!.secret_fingerprint).toBe(secretFingerprint(SECRET));

    const seen = (await listing(member)).channels.find((c) => c.id === hookId)!;
    expect(seen.audit).toEqual([expect.objectContaining({ action: 'test_sent', outcome: 'delivered' })]);
    expect(seen.audit[0]).not.toHaveProperty('http_status');
  });

  it('answers 404 for another workspace’s channel, 400 for a malformed id, 409 for rotating a Slack channel', async () => {
    const stranger = await tokenFor(OTHER_USER_ID);
    const before = receiver.received.length;
    for (const action of ['test', 'rotate-secret']) {
      const foreign = await call('POST', channelUrl(hookId, action, OTHER_WORKSPACE_ID), stranger, {});
      expect(foreign.status, action).toBe(404);
      expect(JSON.parse(foreign.text), action).toMatchObject({ code: 'not_found' });
      // The owner of this workspace asking through a workspace they are not in: 403, not a hint.
      expect((await call('POST', channelUrl(hookId, action, OTHER_WORKSPACE_ID), owner, {})).status, action).toBe(403);
      expect((await call('POST', channelUrl('not-a-uuid', action), owner, {})).status, action).toBe(400);
    }
    expect(receiver.received).toHaveLength(before);
    expect((await listing()).channels.find((c) => c.id === hookId)!.secret_fingerprint).toBe(secretFingerprint(SECRET));

    const slack = await call('POST', channelUrl(slackId, 'rotate-secret'), owner, {});
    expect(slack.status).toBe(409);
    expect(JSON.parse(slack.text)).toMatchObject({ code: 'conflict' });
    expect((await call('POST', channelUrl(hookId, 'rotate-secret'), owner, { overlap_hours: 169 })).status).toBe(400);
    expect((await call('GET', channelUrl(hookId, 'test'), owner)).status).toBe(405);
  });

  it('rotates: the new secret is shown once, both secrets sign during the overlap, then only the new one', async () => {
    const answer = await call('POST', channelUrl(hookId, 'rotate-secret'), owner, { overlap_hours: 24 });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toContain('no-store');
    const rotated = JSON.parse(answer.text) as RotateAnswer;
    expect(rotated.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(rotated).toMatchObject({
      secret_fingerprint: secretFingerprint(rotated.secret),
      previous_secret_fingerprint: secretFingerprint(SECRET),
    });
    const hoursLeft = (Date.parse(rotated.previous_secret_expires_at!) - Date.now()) / 3_600_000;
    expect(hoursLeft).toBeGreaterThan(23.9);
    expect(hoursLeft).toBeLessThanOrEqual(24);

    const listed = await listing();
    expect(listed.channels.find((c) => c.id === hookId)).toMatchObject({
      secret_fingerprint: rotated.secret_fingerprint,
      previous_secret_fingerprint: secretFingerprint(SECRET),
    });
    expect(JSON.stringify(listed)).not.toContain(rotated.secret.slice(6, 30));

    // During the overlap: two signatures; a receiver on either secret accepts.
    const during = receivedWith((await testSend(hookId)).webhook_id)[0]!;
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifiesWith(rotated.secret, during)).toBe(true);
    expect(verifiesWith(SECRET, during)).toBe(true);

    // A rotation with no overlap drops the previous secret at once.
    const again = JSON.parse((await call('POST', channelUrl(hookId, 'rotate-secret'), owner, { overlap_hours: 0 })).text) as RotateAnswer;
    expect(again).toMatchObject({ previous_secret_fingerprint: null, previous_secret_expires_at: null });
    const after = receivedWith((await testSend(hookId)).webhook_id)[0]!;
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifiesWith(again.secret, after)).toBe(true);
    expect(verifiesWith(rotated.secret, after)).toBe(false);
    expect(verifiesWith(SECRET, after)).toBe(false);
  });

  it.runIf(kind === 'postgres')('drops the previous secret once its overlap ends, on the next alerts run', async () => {
    const rotated = JSON.parse((await call('POST', channelUrl(hookId, 'rotate-secret'), owner, {})).text) as RotateAnswer;
    expect((Date.parse(rotated.previous_secret_expires_at!) - Date.now()) / 3_600_000).toBeGreaterThan(23.9);
    await app.testDb!.db.query(`update metrics_alert_channels set previous_secret_expires_at = now() - interval '1 second' where id = $1`, [
      hookId,
    ]);
    const cron = await fetch(`${app.url}/api/cron/metrics/alerts`, { headers: { authorization: `Bearer ${TEST_SECRETS.CRON_SECRET}` } });
    expect(cron.status).toBe(200);
    const channel = (await listing()).channels.find((c) => c.id === hookId)!;
    expect(channel.previous_secret_fingerprint).toBeNull();
    expect(channel.audit.map((e) => e.action).slice(-2)).toEqual(['secret_rotated', 'previous_secret_retired']);
    const rows = await app.testDb!.db.query<{ previous_secret_sealed: string | null }>(
      'select previous_secret_sealed from metrics_alert_channels where id = $1',
      [hookId],
    );
    expect(rows[0]!.previous_secret_sealed).toBeNull();
  });

  it('allows 5 test sends per channel in 10 minutes (429 with Retry-After after that)', async () => {
    // The slack channel has had one test send.
    for (let i = 0; i < 4; i += 1) await testSend(slackId);
    const before = receiver.received.length;
    const limited = await call('POST', channelUrl(slackId, 'test'), owner);
    expect(limited.status).toBe(429);
    expect(JSON.parse(limited.text)).toMatchObject({ code: 'too_many_requests', limit: 'alert-channel-test:channel' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(receiver.received).toHaveLength(before);
  });
});
