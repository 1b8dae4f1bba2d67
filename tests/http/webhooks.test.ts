// The webhook route on the real server (`next start`), on PGlite and on PostgreSQL.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateSendGridKeyPair,
  linkedInChallengeResponse,
  signLinkedIn,
  signMeta,
  signResend,
  signSendGridEcdsa,
  signSendGridHmac,
} from '../../tooling/signing';
import { DATABASE_KINDS } from '../helpers/db';
import { DEV_USER_ID, DEV_WORKSPACE_ID, TEST_SECRETS, startApp, tokenFor, type AppUnderTest } from '../helpers/app';

const AB_TEST = '3b0c1d52-7a1f-4c55-9a53-6f1e2d3c4b5a';
const VARIANT_A = 'aaaa1111-2222-4333-8444-555566667777';

function sendgridEvent(event: string, messageId: string, extra: Record<string, unknown> = {}) {
  return {
    email: 'ann@example.com',
    timestamp: 1719901146,
    event,
    sg_event_id: randomUUID(),
    sg_message_id: `${messageId}.filterdrecv-5d8f-1-66A1B2C3-12.0`,
    'smtp-id': `<${messageId}@geopod-ismtpd-3>`,
    ...extra,
  };
}

/** SendGrid's wire format: a JSON array with CRLF after each event. */
function sendgridBody(events: object[]): string {
  return `[${events.map((e) => JSON.stringify(e)).join(',\r\n')}]\r\n`;
}

describe.each(DATABASE_KINDS)('POST /api/webhooks/metrics on %s', (kind) => {
  let app: AppUnderTest;
  let token: string;
  const keys = generateSendGridKeyPair();
  const endpoint = (provider: string, workspace = DEV_WORKSPACE_ID) =>
    `${app.url}/api/webhooks/metrics?provider=${provider}&workspace_id=${workspace}`;

  async function post(provider: string, body: string, headers: Record<string, string>, workspace = DEV_WORKSPACE_ID) {
    const response = await fetch(endpoint(provider, workspace), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown>, headers: response.headers };
  }

  async function ledgerCount(): Promise<number> {
    const response = await fetch(`${app.url}/api/circuits/metrics/health?workspaceId=${DEV_WORKSPACE_ID}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await response.json()) as { ingestion: { total_events: number } };
    return body.ingestion.total_events;
  }

  async function rollupTotals(variant = VARIANT_A) {
    const response = await fetch(
      `${app.url}/api/circuits/metrics/summary?workspaceId=${DEV_WORKSPACE_ID}&abTestId=${AB_TEST}&variantId=${variant}`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(response.status).toBe(200);
    return (await response.json()) as { totals: Record<string, number>; rates: Record<string, number> };
  }

  beforeAll(async () => {
    app = await startApp(kind, { SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicKey });
    token = await tokenFor(DEV_USER_ID);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("answers the release notes' health JSON on GET", async () => {
    const response = await fetch(`${app.url}/api/webhooks/metrics`);
    expect(await response.json()).toEqual({
      status: 'ok',
      supported_providers: ['sendgrid', 'resend', 'mailgun', 'facebook', 'instagram', 'linkedin'],
      message: 'Metrics webhook endpoint ready',
    });
  });

  it("answers Meta's subscription handshake with the raw challenge, and refuses a wrong token", async () => {
    const ok = await fetch(
      `${endpoint('facebook')}&hub.mode=subscribe&hub.verify_token=${TEST_SECRETS.META_WEBHOOK_VERIFY_TOKEN}&hub.challenge=1158201444`,
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    const wrong = await fetch(`${endpoint('facebook')}&hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`);
    expect(wrong.status).toBe(403);
  });

  it("answers LinkedIn's challengeCode validation", async () => {
    const code = randomUUID();
    const response = await fetch(`${endpoint('linkedin')}&challengeCode=${code}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      challengeCode: code,
      challengeResponse: linkedInChallengeResponse(TEST_SECRETS.LINKEDIN_WEBHOOK_SECRET, code),
    });
  });

  it('never signs a caller-chosen body: the challengeCode oracle is closed for all three LinkedIn signature forms', async () => {
    const body = JSON.stringify({
      type: 'ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS',
      notifications: [{ notificationId: Date.now(), action: 'LIKE', sourcePost: 'urn:li:share:forged', lastModifiedAt: Date.now() }],
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const forms = [
      { challenge: body, headers: (mac: string) => ({ 'X-LI-Signature': `hmacsha256=${mac}` }) },
      { challenge: `hmacsha256=${body}`, headers: (mac: string) => ({ 'X-LI-Signature': mac }) },
      { challenge: `${timestamp}${body}`, headers: (mac: string) => ({ 'x-linkedin-signature': mac, 'x-linkedin-timestamp': timestamp }) },
    ];
    const before = await ledgerCount();
    for (const form of forms) {
      const answer = await fetch(`${endpoint('linkedin')}&challengeCode=${encodeURIComponent(form.challenge)}`);
      expect(answer.status).toBe(400);
      const answered = (await answer.json()) as { challengeResponse?: string; error?: string };
      expect(answered.challengeResponse).toBeUndefined();
      expect(answered.error).toMatch(/UUID/);
      // Whatever the route answered is all an attacker has to sign with.
      const forged = await post('linkedin', body, form.headers(answered.challengeResponse ?? '0'.repeat(64)));
      expect(forged.status).toBe(401);
    }
    expect(await ledgerCount()).toBe(before);
  });

  it('a signed SendGrid batch delivered three times at once counts once (ECDSA, self-attributed)', async () => {
    const args = { circuit_execution_id: 'exec-http-1', ab_test_id: AB_TEST, variant_id: VARIANT_A };
    const events = [
      sendgridEvent('processed', 'MsgA1', args),
      sendgridEvent('delivered', 'MsgA1', args),
      sendgridEvent('open', 'MsgA1', args),
      sendgridEvent('open', 'MsgA1', args),
      sendgridEvent('click', 'MsgA1', { ...args, url: 'https://example.com/x' }),
      sendgridEvent('deferred', 'MsgA1', args),
    ];
    const body = sendgridBody(events);
    const headers = signSendGridEcdsa({ privateKey: keys.privateKey, body });
    const answers = await Promise.all([1, 2, 3].map(() => post('sendgrid', body, headers)));
    for (const answer of answers) {
      expect(answer.status).toBe(202);
      expect(answer.json).toMatchObject({ success: true, provider: 'sendgrid', message: 'Webhook received and queued for processing' });
    }
    const stored = answers.reduce((n, a) => n + Number(a.json.events_stored), 0);
    expect(stored).toBe(6);
    const { totals, rates } = await rollupTotals();
    expect(totals).toMatchObject({ email_sent: 1, email_delivered: 1, email_opened: 2, email_clicked: 1 });
    expect(rates).toMatchObject({ delivery_rate: 100, open_rate: 200, click_rate: 100, engagement_rate: 300 });
  });

  it("accepts the release notes' HMAC form for SendGrid too", async () => {
    const body = sendgridBody([sendgridEvent('delivered', 'MsgH1')]);
    const answer = await post('sendgrid', body, signSendGridHmac({ secret: TEST_SECRETS.SENDGRID_WEBHOOK_SECRET, body }));
    expect(answer.status).toBe(202);
    expect(answer.json.outcomes).toMatchObject({ pending: 1 });
  });

  it('a tampered or unsigned body is refused with 401 and nothing is stored', async () => {
    const before = await ledgerCount();
    const body = sendgridBody([sendgridEvent('delivered', 'MsgT1')]);
    const headers = signSendGridEcdsa({ privateKey: keys.privateKey, body });
    const tampered = await post('sendgrid', body.replace('delivered', 'bounce'), headers);
    expect(tampered.status).toBe(401);
    expect(tampered.json).toMatchObject({
      error: expect.stringMatching(/^Signature verification failed: /),
      code: 'signature_invalid',
      provider: 'sendgrid',
    });
    expect(typeof tampered.json.timestamp).toBe('string');
    expect((await post('sendgrid', body, {})).status).toBe(401);
    expect(await ledgerCount()).toBe(before);
  });

  it('Resend (Svix) retries with the same svix-id count once', async () => {
    const payload = JSON.stringify({
      type: 'email.opened',
      created_at: '2025-03-02T10:15:07.311Z',
      data: {
        email_id: '8c1d3f0e-5b7a-4e21-9d2c-0a6f4b3e9c11',
        created_at: '2025-03-02T10:01:55.120044+00:00',
        from: 'News <news@example.com>',
        to: ['ann@example.org'],
        subject: 'March update',
        tags: { circuit_execution_id: 'exec-resend', ab_test_id: AB_TEST, variant_id: VARIANT_A },
      },
    });
    const id = `msg_${randomUUID()}`;
    const first = await post('resend', payload, signResend({ secret: TEST_SECRETS.RESEND_WEBHOOK_SECRET, id, body: payload }));
    const retry = await post('resend', payload, signResend({ secret: TEST_SECRETS.RESEND_WEBHOOK_SECRET, id, body: payload }));
    expect(first.json.outcomes).toMatchObject({ applied: 1 });
    expect(retry.json.outcomes).toMatchObject({ duplicate: 1 });
  });

  it('Meta and LinkedIn envelopes with several entries are ingested', async () => {
    const meta = JSON.stringify({
      object: 'page',
      entry: [1, 2].map((n) => ({
        id: '104857300000001',
        time: 1719900005,
        changes: [
          {
            field: 'feed',
            value: {
              item: 'reaction',
              verb: 'add',
              reaction_type: 'love',
              post_id: '104857300000001_122101000000001',
              from: { id: `700000000000${n}` },
              created_time: 1719900003 + n,
            },
          },
        ],
      })),
    });
    const metaAnswer = await post('facebook', meta, signMeta({ appSecret: TEST_SECRETS.FACEBOOK_WEBHOOK_SECRET, body: meta }));
    expect(metaAnswer.status).toBe(202);
    expect(metaAnswer.json.events_stored).toBe(2);

    const linkedin = JSON.stringify({
      type: 'ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS',
      notifications: ['LIKE', 'COMMENT', 'SHARE'].map((action, i) => ({
        notificationId: 5603453321 + i,
        organizationalEntity: 'urn:li:organization:96072893',
        action,
        sourcePost: 'urn:li:activity:7094637247890620418',
        decoratedSourcePost: { entity: 'urn:li:share:7094637247487995904', owner: 'urn:li:organization:96072893' },
        lastModifiedAt: 1691574506310,
      })),
    });
    const liAnswer = await post('linkedin', linkedin, signLinkedIn({ clientSecret: TEST_SECRETS.LINKEDIN_WEBHOOK_SECRET, body: linkedin }));
    expect(liAnswer.status).toBe(202);
    expect(liAnswer.json.events_stored).toBe(3);
  });

  it('does not gzip acknowledgements under 1 KB, but still compresses larger answers', async () => {
    const postAcceptingGzip = async (body: string) => {
      const response = await fetch(endpoint('sendgrid'), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'accept-encoding': 'gzip',
          ...signSendGridEcdsa({ privateKey: keys.privateKey, body }),
        },
        body,
      });
      return {
        status: response.status,
        text: await response.text(),
        encoding: response.headers.get('content-encoding'),
        cacheControl: response.headers.get('cache-control'),
      };
    };
    const accepted = await postAcceptingGzip(sendgridBody([sendgridEvent('delivered', `MsgGz${randomUUID()}`)]));
    expect(accepted.status).toBe(202);
    expect(accepted.text.length).toBeLessThan(1024);
    expect(accepted.encoding).toBeNull();
    expect(accepted.cacheControl).toContain('no-transform');

    // Twenty-five items that are not events: the 400 lists twenty of them, over 1 KB.
    const refused = await postAcceptingGzip(
      `[${Array.from({ length: 25 }, (_, i) => JSON.stringify(`not an event ${i}`)).join(',\r\n')}]\r\n`,
    );
    expect(refused.status).toBe(400);
    expect(refused.text.length).toBeGreaterThan(1024);
    expect(refused.encoding).toBe('gzip');
  });

  it('bad input gets a clear 4xx and changes nothing', async () => {
    const before = await ledgerCount();
    const body = sendgridBody([sendgridEvent('delivered', 'MsgX')]);
    const signed = signSendGridEcdsa({ privateKey: keys.privateKey, body });

    const noProvider = await fetch(`${app.url}/api/webhooks/metrics?workspace_id=${DEV_WORKSPACE_ID}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...signed },
    });
    expect(noProvider.status).toBe(400);
    expect(((await noProvider.json()) as { error: string }).error).toBe(
      'provider parameter required; one of: sendgrid, resend, mailgun, facebook, instagram, linkedin',
    );
    const notUuid = await post('sendgrid', body, signed, 'not-a-uuid');
    expect([notUuid.status, notUuid.json.code]).toEqual([400, 'invalid_request']);
    const unknown = await post('sendgrid', body, signed, randomUUID());
    expect([unknown.status, unknown.json.code]).toEqual([404, 'unknown_workspace']);

    const wrongType = await fetch(endpoint('sendgrid'), { method: 'POST', body, headers: { 'content-type': 'text/plain', ...signed } });
    expect(wrongType.status).toBe(415);
    expect(((await wrongType.json()) as { code: string }).code).toBe('unsupported_media_type');

    const malformed = '[{"event": "delivered",';
    const unparsable = await post('sendgrid', malformed, signSendGridEcdsa({ privateKey: keys.privateKey, body: malformed }));
    expect([unparsable.status, unparsable.json.code]).toEqual([400, 'invalid_request']);

    const notEvents = '{"hello":"world"}';
    const noEvents = await post('sendgrid', notEvents, signSendGridEcdsa({ privateKey: keys.privateKey, body: notEvents }));
    expect([noEvents.status, noEvents.json.code]).toEqual([400, 'invalid_request']);

    const huge = `[${'"x",'.repeat(1_400_000)}"x"]`;
    const tooLarge = await post('sendgrid', huge, {});
    expect([tooLarge.status, tooLarge.json.code]).toEqual([413, 'payload_too_large']);

    const put = await fetch(endpoint('sendgrid'), { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(((await put.json()) as { code: string }).code).toBe('method_not_allowed');
    expect(await ledgerCount()).toBe(before);
  });
});

describe('POST /api/webhooks/metrics with the database down', () => {
  it('answers 503 with Retry-After so the provider retries', async () => {
    const app = await startApp('pglite', { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
    try {
      const body = sendgridBody([sendgridEvent('delivered', 'MsgDown')]);
      const response = await fetch(`${app.url}/api/webhooks/metrics?provider=sendgrid&workspace_id=${DEV_WORKSPACE_ID}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signSendGridHmac({ secret: TEST_SECRETS.SENDGRID_WEBHOOK_SECRET, body }) },
        body,
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await response.json()).toMatchObject({ error: 'Database unavailable; retry later', code: 'database_unavailable' });
      // The cause is in the request's log line (the answer keeps it to itself), one JSON line.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const line = app.server
        .logs()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.route === '/api/webhooks/metrics' && l.status === 503);
      expect(line?.unavailable_cause).toMatch(/ECONNREFUSED/);
      expect(String(line?.unavailable_cause)).not.toContain('postgres://');
    } finally {
      await app.stop();
    }
  });
});
