// Hostile input against the real webhook route (`next start`), on PGlite and PostgreSQL:
// oversized and slow bodies, deep nesting, huge arrays, wrong content types, header injection in
// the workspace id, SQL metacharacters in every field, characters PostgreSQL cannot store — and a
// property-based fuzz of signed random and mutated real payloads. Never a 5xx, never a crash,
// never a partial write: a 4xx stores nothing, a 202 stores exactly what it says it stored.
//
//   NEXT_DIST_DIR=.next-rel TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//     npx vitest run tests/reliability/hostile-http.test.ts
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MetricsProvider } from '../../src/lib/decision-circuits/metrics/metrics-types';
import { METRICS_PROVIDERS, PROVIDERS } from '../../src/lib/decision-circuits/metrics/providers/registry';
import { generateSendGridKeyPair } from '../../tooling/signing';
import { signedWebhookRequest, signingKeysFromEnv } from '../../tooling/simulator/request-signing';
import { DATABASE_KINDS } from '../helpers/db';
import { DEV_USER_ID, DEV_WORKSPACE_ID, TEST_SECRETS, startApp, tokenFor, type AppUnderTest } from '../helpers/app';

const keys = generateSendGridKeyPair();
const signing = signingKeysFromEnv(TEST_SECRETS, keys.privateKey);
const FIXTURES_DIR = path.join(process.cwd(), 'tests', 'fixtures');
const FUZZ_RUNS = Number(process.env.FUZZ_HTTP_RUNS ?? 200);
const FUZZ_TIME_LIMIT_MS = Number(process.env.FUZZ_HTTP_TIME_LIMIT_MS ?? 60_000);

const FIXTURES = METRICS_PROVIDERS.flatMap((provider) =>
  readdirSync(path.join(FIXTURES_DIR, provider))
    .filter((file) => file.endsWith('.json') || file.endsWith('.txt'))
    .map((file) => ({
      provider,
      name: `${provider}/${file}`,
      text: readFileSync(path.join(FIXTURES_DIR, provider, file), 'utf8'),
    })),
);

const SQL_PAYLOADS = [
  "'; drop table metrics_webhook_events; --",
  "x') on conflict do nothing; delete from metrics_rollups; --",
  "' or '1'='1",
  '"; select pg_sleep(10); --',
  '$1',
  '$$; drop schema public cascade; $$',
  '\\x00\\\\',
  "E'\\\\'",
  '%_%',
  '/* */ union select * from workspaces --',
];

/**
 * Whether the bytes hold one whole HTTP answer: its chunked body ended, its Content-Length arrived,
 * or it has neither (a head alone). A loaded machine may send the head and the body apart.
 */
function answerComplete(text: string): boolean {
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return false;
  const head = text.slice(0, headEnd);
  const body = text.slice(headEnd + 4);
  if (/^transfer-encoding:\s*chunked/im.test(head)) return /(^|\r\n)0\r\n\r\n$/.test(body);
  const length = /^content-length:\s*(\d+)/im.exec(head)?.[1];
  return length === undefined ? true : Buffer.byteLength(body, 'latin1') >= Number(length);
}

/**
 * A raw HTTP/1.1 exchange, for what fetch refuses to send (CR/LF in headers, slow bodies) and for
 * bodies the server refuses mid-upload (a refused upload would leave fetch's keep-alive pool with a
 * reset socket). `upload` streams `count` chunks after the head, chunk-encoded when `chunked`.
 */
function rawRequest(
  port: number,
  head: string,
  options: {
    trickle?: { byte: string; everyMs: number };
    upload?: { chunk: string; count: number; chunked: boolean };
    waitMs?: number;
  } = {},
): Promise<{ text: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let text = '';
    let interval: NodeJS.Timeout | null = null;
    let answeredAt = 0;
    let done = false;
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(head);
      if (options.trickle) {
        const { byte, everyMs } = options.trickle;
        interval = setInterval(() => {
          if (!socket.destroyed) socket.write(byte);
        }, everyMs);
      }
      if (options.upload) {
        const { chunk, count, chunked } = options.upload;
        const frame = chunked ? `${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n` : chunk;
        let sent = 0;
        const pump = () => {
          while (sent < count && !socket.destroyed && !answeredAt) {
            sent += 1;
            if (!socket.write(frame)) return void socket.once('drain', pump);
          }
          if (sent >= count && chunked && !socket.destroyed) socket.write('0\r\n\r\n');
        };
        pump();
      }
    });
    const finish = () => {
      if (done) return;
      done = true;
      if (interval) clearInterval(interval);
      socket.destroy();
      resolve({ text, ms: (answeredAt || performance.now()) - t0 });
    };
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!answeredAt) answeredAt = performance.now();
      if (answerComplete(text)) setTimeout(finish, 50);
    });
    socket.on('close', finish);
    setTimeout(finish, options.waitMs ?? 20_000);
  });
}

describe.each(DATABASE_KINDS)('hostile input to POST /api/webhooks/metrics on %s', (kind) => {
  let app: AppUnderTest;
  let token: string;

  beforeAll(async () => {
    app = await startApp(kind, { SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicKey });
    token = await tokenFor(DEV_USER_ID);
  });
  afterAll(async () => {
    await app?.stop();
  });

  const webhookUrl = (provider: string, workspace = DEV_WORKSPACE_ID) =>
    `${app.url}/api/webhooks/metrics?provider=${encodeURIComponent(provider)}&workspace_id=${encodeURIComponent(workspace)}`;

  /** Ledger size, through SQL on PostgreSQL and through the health API on PGlite. */
  async function ledgerCount(): Promise<number> {
    if (app.testDb) {
      const [row] = await app.testDb.db.query<{ n: number }>('select count(*)::int as n from metrics_webhook_events');
      return row!.n;
    }
    const response = await readAgain(() =>
      fetch(`${app.url}/api/circuits/metrics/health?workspaceId=${DEV_WORKSPACE_ID}`, { headers: { authorization: `Bearer ${token}` } }),
    );
    return ((await response.json()) as { ingestion: { total_events: number } }).ingestion.total_events;
  }

  /**
   * A read, tried again when the pooled keep-alive socket it went out on was one the server was
   * closing just then (fetch's `connection: close` is ignored, so the pool cannot be bypassed).
   * Only for GETs: sending a webhook twice would change what the test checks.
   */
  async function readAgain(read: () => Promise<Response>): Promise<Response> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await read();
      } catch (error) {
        const code = (error as { cause?: { code?: string } }).cause?.code;
        if (attempt >= 3 || (code !== 'UND_ERR_SOCKET' && code !== 'ECONNRESET')) throw error;
      }
    }
  }

  async function postSigned(provider: MetricsProvider, body: string, extraHeaders: Record<string, string> = {}) {
    const signed = signedWebhookRequest({
      baseUrl: app.url,
      workspaceId: DEV_WORKSPACE_ID,
      provider,
      body,
      keys: signing,
      deliveryId: `msg_${randomUUID()}`,
    });
    const response = await fetch(signed.url, {
      method: 'POST',
      headers: { ...signed.headers, ...extraHeaders },
      body: signed.body,
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // non-JSON answers are checked by status only
    }
    return { status: response.status, json, headers: response.headers };
  }

  /** Runs `act`, then checks it answered a 4xx (in `allowed`) and the ledger did not move. */
  async function refusedAndNothingStored(act: () => Promise<{ status: number }>, allowed: readonly number[]): Promise<number> {
    const before = await ledgerCount();
    const { status } = await act();
    expect(allowed).toContain(status);
    expect(await ledgerCount()).toBe(before);
    return status;
  }

  it('refuses an oversized body with 413: declared, chunked without a length, and before reading it all', async () => {
    const target = `POST /api/webhooks/metrics?provider=sendgrid&workspace_id=${DEV_WORKSPACE_ID} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n`;
    const chunk = `{"event":"open","sg_event_id":"${'x'.repeat(200)}"},`.repeat(1_000); // ~230 KB
    const cases = [
      // Declared past the cap and sent: answered from the header, without reading 5 MB first.
      { head: `${target}Content-Length: ${chunk.length * 24}\r\n\r\n`, upload: { chunk, count: 24, chunked: false } },
      // Chunked, no length: the cap is enforced while reading.
      { head: `${target}Transfer-Encoding: chunked\r\n\r\n`, upload: { chunk, count: 24, chunked: true } },
      // Declared, never sent: still answered at once.
      { head: `${target}Content-Length: 999999999\r\n\r\n` },
    ];
    for (const { head, upload } of cases) {
      const before = await ledgerCount();
      const answer = await rawRequest(app.server.port, head, { ...(upload ? { upload } : {}), waitMs: 20_000 });
      expect(answer.text).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer.text).toContain('Payload too large');
      expect(answer.ms).toBeLessThan(10_000);
      expect(await ledgerCount()).toBe(before);
    }
  });

  it('the sign-in routes refuse an oversized body with 413 before buffering it: declared, chunked, never sent', async ({ skip }) => {
    skip(kind !== DATABASE_KINDS[0], `run on ${DATABASE_KINDS[0]} only: the sign-in routes read no database`);
    const chunk = `email=${'a'.repeat(230_000)}&`; // ~230 KB of form, 24 of them ≈ 5.5 MB
    for (const route of ['/api/auth/sign-in', '/api/auth/magic-link']) {
      for (const type of ['application/x-www-form-urlencoded', 'application/json']) {
        const target = `POST ${route} HTTP/1.1\r\nHost: 127.0.0.1:${app.server.port}\r\nContent-Type: ${type}\r\n`;
        const cases = [
          { head: `${target}Content-Length: ${chunk.length * 24}\r\n\r\n`, upload: { chunk, count: 24, chunked: false } },
          { head: `${target}Transfer-Encoding: chunked\r\n\r\n`, upload: { chunk, count: 24, chunked: true } },
          { head: `${target}Content-Length: 999999999\r\n\r\n` },
        ];
        for (const { head, upload } of cases) {
          const answer = await rawRequest(app.server.port, head, { ...(upload ? { upload } : {}), waitMs: 20_000 });
          expect(answer.text, `${route} ${type}`).toMatch(/^HTTP\/1\.1 413 /);
          expect(answer.text).toMatch(/content-type: application\/json/i);
          expect(answer.text).toContain('Payload too large');
          expect(answer.ms).toBeLessThan(10_000);
        }
      }
    }
  });

  it('answers a slow body with 408 once the 10 s read budget is spent, storing nothing', { timeout: 60_000 }, async ({ skip }) => {
    skip(kind !== DATABASE_KINDS[0], `run on ${DATABASE_KINDS[0]} only: the 10 s read budget is spent before any database work`);
    const before = await ledgerCount();
    const answer = await rawRequest(
      app.server.port,
      `POST /api/webhooks/metrics?provider=sendgrid&workspace_id=${DEV_WORKSPACE_ID} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[`,
      { trickle: { byte: ' ', everyMs: 400 }, waitMs: 30_000 },
    );
    expect(answer.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer.ms).toBeGreaterThan(9_000);
    expect(answer.ms).toBeLessThan(16_000);
    expect(await ledgerCount()).toBe(before);
  });

  it('refuses JSON nested deeper than 64 levels with 400, for every provider, without a 5xx', async () => {
    for (const provider of METRICS_PROVIDERS) {
      for (const levels of [65, 5_000, 1_000_000]) {
        const deep = `${'['.repeat(levels)}${']'.repeat(levels)}`;
        const bodies: Record<MetricsProvider, string> = {
          sendgrid: `[{"event":"open","sg_event_id":"deep-${levels}","x":${deep}}]`,
          resend: `{"type":"email.opened","data":{"email_id":"e-${levels}","x":${deep}}}`,
          mailgun: `{"event-data":{"event":"opened","id":"deep-${levels}","x":${deep}}}`,
          facebook: `{"object":"page","entry":[{"id":"1","changes":[{"field":"feed","value":{"item":"comment","verb":"add","post_id":"1_2","x":${deep}}}]}]}`,
          instagram: `{"object":"instagram","entry":[{"id":"1","changes":[{"field":"comments","value":{"media":{"id":"m"},"x":${deep}}}]}]}`,
          linkedin: `{"notifications":[{"notificationId":${levels},"action":"LIKE","sourcePost":"urn:li:share:1","x":${deep}}]}`,
        };
        const status = await refusedAndNothingStored(() => postSigned(provider, bodies[provider]), [400]);
        expect(status).toBe(400);
      }
    }
  });

  it('refuses huge arrays of junk with 400 and stores nothing', async () => {
    await refusedAndNothingStored(() => postSigned('sendgrid', `[${'1,'.repeat(2_000_000)}1]`), [400]);
    await refusedAndNothingStored(() => postSigned('sendgrid', `[${'{},'.repeat(1_200_000)}{}]`), [400]);
    await refusedAndNothingStored(() => postSigned('linkedin', `{"notifications":[${'null,'.repeat(1_000_000)}null]}`), [400]);
    await refusedAndNothingStored(() => postSigned('facebook', `{"object":"page","entry":[${'[],'.repeat(1_000_000)}[]]}`), [400]);
  });

  it('stores a huge valid batch completely and exactly once (20,000 events)', { timeout: 120_000 }, async ({ skip }) => {
    skip(kind !== 'postgres', 'PostgreSQL only (set TEST_DATABASE_URL): a production-size batch, checked on the production database');
    const events = Array.from({ length: 20_000 }, (_, i) => ({
      event: 'delivered',
      sg_event_id: `huge-${i}`,
      sg_message_id: `hugemsg${i % 50}.filter`,
      timestamp: 1719901146,
    }));
    const body = JSON.stringify(events);
    const before = await ledgerCount();
    const first = await postSigned('sendgrid', body);
    expect(first.status).toBe(202);
    expect(first.json.events_stored).toBe(20_000);
    const again = await postSigned('sendgrid', body);
    expect(again.status).toBe(202);
    expect(again.json.events_stored).toBe(0);
    expect(await ledgerCount()).toBe(before + 20_000);
  });

  it('refuses every content type but JSON with 415', async () => {
    const body = '[{"event":"open","sg_event_id":"ct-1"}]';
    for (const type of [
      null,
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'text/json',
      'application/jsonx',
      'application/javascript',
      '*/*',
    ]) {
      await refusedAndNothingStored(async () => {
        const signed = signedWebhookRequest({ baseUrl: app.url, workspaceId: DEV_WORKSPACE_ID, provider: 'sendgrid', body, keys: signing });
        const headers: Record<string, string> = { ...signed.headers };
        delete headers['content-type'];
        // A Blob body with no type makes fetch send no Content-Type at all.
        const response = await fetch(signed.url, {
          method: 'POST',
          headers: type === null ? headers : { ...headers, 'content-type': type },
          body: type === null ? new Blob([body]) : body,
        });
        await response.arrayBuffer();
        return response;
      }, [415]);
    }
  });

  it('refuses header injection and junk in the workspace id with a 4xx and reflects none of it', async () => {
    const body = '[{"event":"open","sg_event_id":"ws-1"}]';
    const signed = signedWebhookRequest({ baseUrl: app.url, workspaceId: DEV_WORKSPACE_ID, provider: 'sendgrid', body, keys: signing });
    const base = `${app.url}/api/webhooks/metrics?provider=sendgrid`;
    const junk = [
      `${DEV_WORKSPACE_ID}\r\nSet-Cookie: pwned=1`,
      `${DEV_WORKSPACE_ID}%0d%0aSet-Cookie:%20pwned=1`,
      `${DEV_WORKSPACE_ID}'; drop table workspaces; --`,
      "' or 1=1 --",
      `${DEV_WORKSPACE_ID.slice(0, -1)}Ｇ`,
      `${DEV_WORKSPACE_ID},${DEV_WORKSPACE_ID}`,
      '',
      '../../etc/passwd',
    ];
    for (const value of junk) {
      await refusedAndNothingStored(async () => {
        const response = await fetch(`${base}&workspace_id=${encodeURIComponent(value)}`, {
          method: 'POST',
          headers: signed.headers,
          body,
        });
        const text = await response.text();
        expect(text).not.toContain('pwned');
        expect(response.headers.get('set-cookie')).toBeNull();
        return response;
      }, [400]);
    }
    // In the header: CR/LF can only arrive on a raw socket; Node refuses the request outright.
    for (const injected of [
      `${DEV_WORKSPACE_ID}\rSet-Cookie: pwned=1`,
      `${DEV_WORKSPACE_ID}\r\n Set-Cookie: pwned=1`,
      `${DEV_WORKSPACE_ID}\u0000`,
    ]) {
      const before = await ledgerCount();
      const answer = await rawRequest(
        app.server.port,
        `POST /api/webhooks/metrics?provider=sendgrid HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Workspace-Id: ${injected}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
        { waitMs: 10_000 },
      );
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer.text)?.[1]);
      expect(status >= 400 && status < 500).toBe(true);
      expect(answer.text.toLowerCase()).not.toContain('set-cookie: pwned');
      expect(await ledgerCount()).toBe(before);
    }
    // Header and query disagree: the header wins, and a header that is not a UUID is refused.
    await refusedAndNothingStored(async () => {
      const response = await fetch(`${base}&workspace_id=${DEV_WORKSPACE_ID}`, {
        method: 'POST',
        headers: { ...signed.headers, 'x-workspace-id': "1' or '1'='1" },
        body,
      });
      await response.arrayBuffer();
      return response;
    }, [400]);
    // A well-formed id nobody owns: 404, nothing stored.
    await refusedAndNothingStored(async () => {
      const response = await fetch(`${base}&workspace_id=${randomUUID()}`, { method: 'POST', headers: signed.headers, body });
      await response.arrayBuffer();
      return response;
    }, [404]);
    for (const provider of ["sendgrid'--", 'SENDGRID', 'sendgrid%00', '__proto__', 'constructor']) {
      await refusedAndNothingStored(async () => {
        const response = await fetch(webhookUrl(provider), { method: 'POST', headers: signed.headers, body });
        await response.arrayBuffer();
        return response;
      }, [400]);
    }
  });

  it('stores SQL metacharacters in every field as plain data: nothing executed, every table intact', async () => {
    const template = JSON.parse(readFileSync(path.join(FIXTURES_DIR, 'sendgrid', 'batch-all-kinds.json'), 'utf8')) as Record<
      string,
      unknown
    >[];
    const run = randomUUID().slice(0, 8);
    const events = template.map((event, i) => {
      const poisoned: Record<string, unknown> = {};
      Object.entries(event).forEach(([field, value], j) => {
        poisoned[field] = typeof value === 'string' && field !== 'email' ? SQL_PAYLOADS[(i + j) % SQL_PAYLOADS.length] : value;
      });
      poisoned.sg_event_id = `${SQL_PAYLOADS[i % SQL_PAYLOADS.length]}-${run}-${i}`;
      poisoned[SQL_PAYLOADS[i % SQL_PAYLOADS.length]!] = SQL_PAYLOADS[(i + 1) % SQL_PAYLOADS.length];
      return poisoned;
    });
    const before = await ledgerCount();
    const answer = await postSigned('sendgrid', JSON.stringify(events));
    expect(answer.status).toBe(202);
    expect(answer.json.events_stored).toBe(events.length);
    expect(await ledgerCount()).toBe(before + events.length);
    if (app.testDb) {
      for (const [i, event] of events.entries()) {
        const [row] = await app.testDb.db.query<{ raw_payload: Record<string, unknown>; provider_event_type: string }>(
          'select raw_payload, provider_event_type from metrics_webhook_events where provider_event_id = $1',
          [event.sg_event_id],
        );
        const { email: _email, ...rest } = event;
        expect(row?.raw_payload).toMatchObject(rest);
        expect(row?.provider_event_type, `event ${i}`).toBe(event.event);
      }
      const tables = await app.testDb.db.query<{ t: string | null }>(
        `select to_regclass(x)::text as t from unnest(array['metrics_webhook_events','metrics_rollups','metrics_attribution_map','workspaces']) as x`,
      );
      expect(tables.map((r) => r.t)).toEqual(['metrics_webhook_events', 'metrics_rollups', 'metrics_attribution_map', 'workspaces']);
    }
    // The app still answers normally.
    expect((await fetch(`${app.url}/api/webhooks/metrics`)).status).toBe(200);
  });

  it('stores what PostgreSQL cannot hold (U+0000, lone surrogates) as U+FFFD instead of failing the batch', async () => {
    const run = randomUUID().slice(0, 8);
    const body = `[{"event":"open","sg_event_id":"nul-${run}","custom":"a\\u0000b","k\\u0000":1},{"event":"click","sg_event_id":"sur-${run}","url":"https://x/\\ud800"},{"event":"open","sg_event_id":"ok-${run}","smile":"\\ud83d\\ude00"}]`;
    const before = await ledgerCount();
    const answer = await postSigned('sendgrid', body);
    expect(answer.status).toBe(202);
    expect(answer.json.events_stored).toBe(3);
    expect(await ledgerCount()).toBe(before + 3);
    if (app.testDb) {
      const rows = await app.testDb.db.query<{ raw_payload: Record<string, unknown> }>(
        'select raw_payload from metrics_webhook_events where provider_event_id = any($1) order by provider_event_id',
        [[`nul-${run}`, `ok-${run}`, `sur-${run}`]],
      );
      expect(rows.map((r) => r.raw_payload)).toMatchObject([
        { custom: 'a\ufffdb', 'k\ufffd': 1 },
        { smile: '\u{1F600}' },
        { url: 'https://x/\ufffd' },
      ]);
    }
  });

  // Fails today: rollup counters are `int`, so impressions past 2^31-1 in one (variant, hour)
  // overflow (22003) inside the batch's transaction and the route answers 500. The provider then
  // retries that batch for days and every other event in it is never stored (poison batch).
  // Fix: counters as bigint (a new migration), see the report.
  it('never answers 5xx when a counter would pass 2^31, and loses no event beside it', async () => {
    const mediaId = `1790${Date.now()}`;
    const mapping = await fetch(`${app.url}/api/circuits/metrics/attribution?workspaceId=${DEV_WORKSPACE_ID}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        provider: 'instagram',
        provider_object_id: mediaId,
        circuit_execution_id: `exec-overflow-${kind}`,
        channel: 'social',
      }),
    });
    expect(mapping.status).toBe(200);
    const snapshot = (n: number) => ({ field: 'story_insights', value: { media_id: mediaId, impressions: 999_999_999, reach: n } });
    const comment = { field: 'comments', value: { id: `c-${mediaId}`, text: 'hi', media: { id: mediaId } } };
    const envelope = (...changes: object[]) =>
      JSON.stringify({ object: 'instagram', entry: [{ id: '17841400000000001', time: 1719907200, changes }] });
    const before = await ledgerCount();
    const statuses: number[] = [];
    for (const body of [envelope(snapshot(1)), envelope(snapshot(2)), envelope(snapshot(3), comment)])
      statuses.push((await postSigned('instagram', body)).status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(await ledgerCount()).toBe(before + 4);
  });

  it('fuzz: signed random and mutated real payloads never get a 5xx, and a 4xx stores nothing', { timeout: 240_000 }, async () => {
    const hostile = fc.oneof(
      fc.constantFrom<unknown>(
        null,
        true,
        0,
        -1,
        1e21,
        2 ** 53 + 2,
        '',
        '\u0000',
        'a\u0000b',
        '\ud800',
        "'; drop table workspaces; --",
        'x'.repeat(700),
        [],
        {},
        [[[[[]]]]],
      ),
      fc.jsonValue({ maxDepth: 3 }),
      fc.string({ unit: 'binary', maxLength: 20 }),
    );
    const mutation = fc.record({ at: fc.nat(), kind: fc.constantFrom('replace', 'delete', 'duplicate', 'wrap'), value: hostile });
    const textEdit = fc.oneof(
      fc.record({ insertAt: fc.nat(), text: fc.constantFrom('\\u0000', '\\ud800', '[', '{', '"', ',', '\\', '\u0000', '}', '"x":1,') }),
      fc.record({ cutAt: fc.nat(), length: fc.integer({ min: 1, max: 10 }) }),
      fc.record({ nest: fc.integer({ min: 30, max: 100 }) }),
    );
    const payload = fc.oneof(
      {
        weight: 1,
        arbitrary: fc.tuple(
          fc.constantFrom(...METRICS_PROVIDERS),
          fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
        ),
      },
      {
        weight: 4,
        arbitrary: fc
          .tuple(fc.constantFrom(...FIXTURES), fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.array(textEdit, { maxLength: 2 }))
          .map(([fixture, mutations, edits]) => {
            const value = JSON.parse(fixture.text) as unknown;
            const nodes: { holder: Record<string | number, unknown>; key: string | number }[] = [];
            const walk = (node: unknown) => {
              if (typeof node !== 'object' || node === null || nodes.length > 2_000) return;
              for (const [key, child] of Object.entries(node)) {
                nodes.push({ holder: node as Record<string | number, unknown>, key: Array.isArray(node) ? Number(key) : key });
                walk(child);
              }
            };
            walk(value);
            for (const m of mutations) {
              const target = nodes[m.at % Math.max(nodes.length, 1)];
              if (!target) continue;
              if (m.kind === 'replace') target.holder[target.key] = structuredClone(m.value);
              else if (m.kind === 'wrap') target.holder[target.key] = [target.holder[target.key]];
              else if (m.kind === 'delete') {
                if (Array.isArray(target.holder)) target.holder.splice(Number(target.key), 1);
                else delete target.holder[target.key];
              } else if (Array.isArray(target.holder)) target.holder.push(structuredClone(target.holder[target.key]));
            }
            let text = JSON.stringify(value) ?? 'null';
            for (const edit of edits) {
              if ('nest' in edit) text = `${'['.repeat(edit.nest)}${text}${']'.repeat(edit.nest)}`;
              else if ('insertAt' in edit) {
                const at = edit.insertAt % (text.length + 1);
                text = text.slice(0, at) + edit.text + text.slice(at);
              } else {
                const at = edit.cutAt % (text.length + 1);
                text = text.slice(0, at) + text.slice(at + edit.length);
              }
            }
            return [fixture.provider, text] as [MetricsProvider, string];
          }),
      },
    );

    const seen: Record<number, number> = {};
    await fc.assert(
      fc.asyncProperty(payload, async ([provider, body]) => {
        const before = await ledgerCount();
        const answer = await postSigned(provider, body);
        seen[answer.status] = (seen[answer.status] ?? 0) + 1;
        expect(answer.status, `${provider} ${body.slice(0, 300)} → ${JSON.stringify(answer.json).slice(0, 300)}`).toBeLessThan(500);
        // A provider that signs inside the body (Mailgun) cannot be signed for a body that is not JSON: 401.
        expect(PROVIDERS[provider].headers === null ? [202, 400, 401, 413] : [202, 400, 413]).toContain(answer.status);
        const stored = answer.status === 202 ? Number(answer.json.events_stored) : 0;
        expect(await ledgerCount()).toBe(before + stored);
      }),
      { numRuns: FUZZ_RUNS, interruptAfterTimeLimit: FUZZ_TIME_LIMIT_MS, markInterruptAsFailure: false },
    );
    console.info(`[hostile:${kind}] fuzz statuses ${JSON.stringify(seen)}`);
    // Never a crash: the same process still answers.
    expect(app.server.process.exitCode).toBeNull();
    expect((await fetch(`${app.url}/api/webhooks/metrics`)).status).toBe(200);
  });
});
