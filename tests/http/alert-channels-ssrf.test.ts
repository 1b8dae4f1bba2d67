// Alert channels cannot reach inside, through the real server in production mode: every spelling
// of an inside address is refused at creation with nothing written; names resolve through a local
// DNS server, so a name that resolves publicly at creation and to loopback at send time is refused
// at send time with nothing sent (alerts and test sends alike); a 302 to loopback is not
// followed; members see only coarse outcomes; URLs and keys are sealed at rest; the channel cap and hourly limit hold.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS } from '../helpers/db';
import { DEV_USER_ID, DEV_WORKSPACE_ID, startApp, tokenFor, type AppUnderTest } from '../helpers/app';
import { startDnsServer, type DnsServer } from '../helpers/dns-server';
import { INSIDE_URLS } from '../helpers/inside-urls';
import { postForgedResendDelivery, startReceiver, startRedirector, type Receiver } from '../helpers/receivers';
import { TEST_SECRETS } from '../helpers/server';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const PUBLIC_ADDRESS = '93.184.216.34';

interface ChannelList {
  channels: { id: string; url_origin: string; delivery: { last_outcome: string | null } }[];
  history: { deliveries: Record<string, unknown>[] | null }[];
}

/** A TCP listener on loopback that only counts connections: what a rebinding attack would reach. */
async function startPrivateService(): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.each(DATABASE_KINDS)('alert channels cannot reach inside on %s', (kind) => {
  let app: AppUnderTest;
  let owner: string;
  let dns: DnsServer;
  let receiver: Receiver;
  let redirector: Awaited<ReturnType<typeof startRedirector>>;
  let inside: Awaited<ReturnType<typeof startPrivateService>>;
  let receiverPort: string;

  const channelsUrl = (query = '') => `${app.url}/api/circuits/metrics/alerts/channels?workspaceId=${DEV_WORKSPACE_ID}${query}`;
  async function call(method: string, url: string, body?: unknown) {
    const response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${owner}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }
  const addChannel = (url: string, name = 'ops') => call('POST', channelsUrl(), { kind: 'slack', name, url });
  const overview = async () =>
    JSON.parse((await call('GET', `${app.url}/api/circuits/metrics/alerts?workspaceId=${DEV_WORKSPACE_ID}`)).text) as ChannelList;
  /** Channel rows and creation rows as the database holds them (postgres), else the API's list. */
  async function stored(): Promise<{ channels: number; creations: number | null }> {
    if (!app.testDb) return { channels: (await overview()).channels.length, creations: null };
    const [row] = await app.testDb.db.query<{ channels: number; creations: number }>(
      `select (select count(*)::int from metrics_alert_channels) as channels,
              (select count(*)::int from metrics_alert_channel_creations) as creations`,
    );
    return row!;
  }

  beforeAll(async () => {
    receiver = await startReceiver();
    inside = await startPrivateService();
    receiverPort = new URL(receiver.url).port;
    redirector = await startRedirector(`http://127.0.0.1:${receiverPort}/stolen`);
    dns = await startDnsServer({
      'evil.test': { A: ['127.0.0.1'] },
      'evil6.test': { AAAA: ['::1'] },
      'split.test': { A: [PUBLIC_ADDRESS, '10.0.0.7'] },
      'rebind.test': { A: [PUBLIC_ADDRESS] },
      'public.test': { A: [PUBLIC_ADDRESS] },
      'hooks.test': { A: ['127.0.0.1'] },
      'redirect.test': { A: ['127.0.0.1'] },
    });
    app = await startApp(kind, {
      METRICS_OUTBOUND_DNS_SERVERS: dns.address,
      // Local receivers are allowed by name only: a loopback CIDR here would let evil.test through.
      METRICS_OUTBOUND_ALLOWLIST: 'hooks.test,redirect.test',
    });
    owner = await tokenFor(DEV_USER_ID);
  });
  afterAll(async () => {
    await app?.stop();
    await Promise.all([receiver?.close(), redirector?.close(), inside?.close(), dns?.close()]);
  });

  it('refuses every spelling of an inside address at creation (400, nothing written)', async () => {
    const before = await stored();
    const urls = [
      ...INSIDE_URLS,
      'https://evil.test/hook',
      'https://evil6.test/hook',
      'https://split.test/hook',
      'https://missing.test/hook',
      `https://evil.test:${inside.port}/hook`,
    ];
    for (const url of urls) {
      const answer = await addChannel(url);
      expect(answer.status, url).toBe(400);
      const body = JSON.parse(answer.text) as { error: string; code: string; issues: { field: string }[] };
      expect(body, url).toMatchObject({ code: 'outbound_url_refused', issues: [{ field: 'url' }] });
      expect(body.error, url).not.toContain('https');
      // The reason names the kind of address, never what a name resolved to.
      if (url.includes('.test')) expect(answer.text, url).not.toMatch(/127\.0\.0\.1|10\.0\.0\.7|::1/);
    }
    expect(await stored()).toEqual(before);
    expect(inside.connections()).toBe(0);
  });

  it('needs https in production unless the operator allowlisted the host', async () => {
    const plain = await addChannel('http://public.test/hook');
    expect(plain.status).toBe(400);
    expect(JSON.parse(plain.text).error).toBe('Invalid url: must be https');
    expect((await addChannel(`http://hooks.test:${receiverPort}/ok`, 'allowed')).status).toBe(201);
  });

  it('refuses at send time what resolves inside by then, follows no redirect, and shows only coarse outcomes', async () => {
    expect((await addChannel(`http://redirect.test:${redirector.port}/hook`, 'redirected')).status).toBe(201);
    expect((await addChannel(`https://rebind.test:${inside.port}/hook`, 'rebinding')).status).toBe(201);
    // The name now points at the private service (TTL 0): the send-time check must catch it.
    dns.records.set('rebind.test', { A: ['127.0.0.1'] });

    const rules = await call('PUT', `${app.url}/api/circuits/metrics/alerts?workspaceId=${DEV_WORKSPACE_ID}`, {
      rules: [{ rule: 'verification_failures', enabled: true, threshold: 1 }],
    });
    expect(rules.status).toBe(200);
    const forged = await postForgedResendDelivery(app.url, DEV_WORKSPACE_ID);
    expect(forged.status).toBe(401);

    const cron = await fetch(`${app.url}/api/cron/metrics/alerts`, { headers: { authorization: `Bearer ${TEST_SECRETS.CRON_SECRET}` } });
    expect(await cron.json()).toMatchObject({ fired: 1, notifications_delivered: 1, notifications_failed: 2 });

    expect(receiver.received.map((r) => r.path)).toEqual(['/ok']);
    expect(receiver.received[0]!.headers.host).toBe(`hooks.test:${receiverPort}`);
    expect(redirector.hits()).toBe(1);
    expect(inside.connections()).toBe(0);

    const { channels, history } = await overview();
    const byName = new Map(channels.map((c) => [c.id, c]));
    const outcomes = Object.fromEntries(
      history[0]!.deliveries!.map((d) => [new URL(byName.get(String(d.channel_id))!.url_origin).hostname, d.outcome]),
    );
    // A failed first attempt is retried later (with backoff): the history says pending, and the
    // channel says how its last attempt ended, coarsely.
    expect(outcomes).toEqual({ 'hooks.test': 'delivered', 'redirect.test': 'pending', 'rebind.test': 'pending' });
    for (const delivery of history[0]!.deliveries!) {
      expect(Object.keys(delivery).sort()).toEqual(['attempts', 'channel_id', 'kind', 'ok', 'outcome']);
      expect(delivery.attempts).toBe(1);
    }
    const lastOutcomes = Object.fromEntries(channels.map((c) => [new URL(c.url_origin).hostname, c.delivery.last_outcome]));
    expect(lastOutcomes).toMatchObject({ 'hooks.test': 'delivered', 'redirect.test': 'failed', 'rebind.test': 'refused' });
    expect(JSON.stringify(channels.map((c) => c.delivery))).not.toMatch(/\b302\b|"status"/);
    // Word boundaries: a channel id (a UUID) may contain the digits 302.
    expect(JSON.stringify(history)).not.toMatch(/\b302\b|"status"/);
  });

  it('checks a test send as an alert: refused when the name resolves inside by then, no redirect followed, no address named', async () => {
    const { channels } = await overview();
    const idOf = (host: string) => channels.find((c) => new URL(c.url_origin).hostname === host)!.id;
    const testSend = (host: string) =>
      call('POST', `${app.url}/api/circuits/metrics/alerts/channels/${idOf(host)}/test?workspaceId=${DEV_WORKSPACE_ID}`);
    const redirectsBefore = redirector.hits();
    const receivedBefore = receiver.received.length;

    const rebinding = await testSend('rebind.test');
    expect(rebinding.status).toBe(200);
    expect(JSON.parse(rebinding.text)).toMatchObject({ delivered: false, outcome: 'refused', http_status: null });
    expect(JSON.parse(rebinding.text).error).toMatch(/^refused: the URL resolves to a .* address, which the server does not call$/);
    expect(rebinding.text).not.toMatch(/127\.0\.0\.1|::1/);
    expect(inside.connections()).toBe(0);

    const redirected = await testSend('redirect.test');
    expect(JSON.parse(redirected.text)).toMatchObject({ delivered: false, outcome: 'failed', http_status: 302 });
    expect(redirector.hits()).toBe(redirectsBefore + 1);
    expect(receiver.received.map((r) => r.path)).not.toContain('/stolen');

    expect(JSON.parse((await testSend('hooks.test')).text)).toMatchObject({ delivered: true, http_status: 200 });
    expect(receiver.received).toHaveLength(receivedBefore + 1);
    expect(receiver.received.at(-1)!.headers.host).toBe(`hooks.test:${receiverPort}`);
  });

  it.runIf(kind === 'postgres')('stores URLs and keys sealed: the raw columns hold no URL or key', async () => {
    const added = await call('POST', channelsUrl(), {
      kind: 'webhook',
      name: 'signed',
      url: `http://hooks.test:${receiverPort}/signed`,
      secret: SECRET,
    });
    expect(added.status).toBe(201);
    expect(added.text).not.toContain('/signed');
    expect(added.text).not.toContain(SECRET.slice(6, 30));
    const rows = await app.testDb!.db.query<Record<string, string | null>>(
      'select url, secret, url_sealed, secret_sealed, url_origin from metrics_alert_channels where id = $1',
      [JSON.parse(added.text).channel.id],
    );
    expect(rows[0]).toMatchObject({ url: null, secret: null, url_origin: `http://hooks.test:${receiverPort}` });
    expect(rows[0]!.url_sealed).toMatch(/^v1\./);
    expect(JSON.stringify(rows)).not.toContain('/signed');
    expect(JSON.stringify(rows)).not.toContain(SECRET.slice(6, 30));
  });

  it.runIf(kind === 'postgres')('seals a channel stored in plain text before sealing existed, on the next alert run', async () => {
    const [legacy] = await app.testDb!.db.query<{ id: string }>(
      `insert into metrics_alert_channels (workspace_id, kind, name, url) values ($1, 'slack', 'legacy', $2) returning id`,
      [DEV_WORKSPACE_ID, `http://hooks.test:${receiverPort}/legacy`],
    );
    const cron = await fetch(`${app.url}/api/cron/metrics/alerts`, { headers: { authorization: `Bearer ${TEST_SECRETS.CRON_SECRET}` } });
    expect(cron.status).toBe(200);
    const [row] = await app.testDb!.db.query<{ url: string | null; url_sealed: string | null }>(
      'select url, url_sealed from metrics_alert_channels where id = $1',
      [legacy!.id],
    );
    expect(row!.url).toBeNull();
    expect(row!.url_sealed).toMatch(/^v1\./);
    expect(row!.url_sealed).not.toContain('legacy');
  });

  it('caps channels at 10 per workspace (409) and creations at 20 per hour (429), concurrent requests included', async () => {
    const existing = (await overview()).channels;
    let created = existing.length;
    if (app.testDb) {
      const [row] = await app.testDb.db.query<{ n: number }>(
        'select count(*)::int as n from metrics_alert_channel_creations where workspace_id = $1',
        [DEV_WORKSPACE_ID],
      );
      created = row!.n;
    }
    const fill = async (count: number) => {
      for (let i = 0; i < count; i += 1) expect((await addChannel(`http://hooks.test:${receiverPort}/n${i}`, `n${i}`)).status).toBe(201);
      created += count;
    };
    await fill(8 - existing.length);
    // Four at once with room for two: the database lets exactly two in.
    const racing = await Promise.all([0, 1, 2, 3].map((i) => addChannel(`http://hooks.test:${receiverPort}/r${i}`, `r${i}`)));
    expect(racing.map((r) => r.status).sort()).toEqual([201, 201, 409, 409]);
    created += 2;
    const full = JSON.parse(racing.find((r) => r.status === 409)!.text) as { code: string; limit: number };
    expect(full).toMatchObject({ code: 'alert_channel_limit', limit: 10 });
    expect((await overview()).channels).toHaveLength(10);

    // Deleting does not give creations back: create-delete loops stop at 20 within the hour.
    while (created < 20) {
      const [first] = (await overview()).channels;
      expect((await call('DELETE', channelsUrl(`&channelId=${first!.id}`))).status).toBe(200);
      await fill(1);
    }
    const [first] = (await overview()).channels;
    expect((await call('DELETE', channelsUrl(`&channelId=${first!.id}`))).status).toBe(200);
    const before = await stored();
    const limited = await addChannel(`http://hooks.test:${receiverPort}/late`, 'late');
    expect(limited.status).toBe(429);
    expect(JSON.parse(limited.text)).toMatchObject({ code: 'alert_channel_rate_limited', limit: 20 });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await stored()).toEqual(before);
  });
});
