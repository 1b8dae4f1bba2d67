// Mailgun: the signature block in the body (HMAC-SHA256 of timestamp + token), its age limit, the
// block each verification hands to the ingest call, and event-data → normalised events. Fixtures: tests/fixtures/mailgun.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { EVENT_TYPE_TO_ROLLUP_COLUMN } from '../../../src/lib/decision-circuits/metrics/metrics-types';
import { MAILGUN } from '../../../src/lib/decision-circuits/metrics/providers/mailgun/facts';
import { mailgunSamples } from '../../../src/lib/decision-circuits/metrics/providers/mailgun/samples';
import { mailgunSigner, mailgunToken } from '../../../src/lib/decision-circuits/metrics/providers/mailgun/signer';
import { mailgunSimulation } from '../../../tooling/simulator/mailgun-simulation';
import {
  MAILGUN_SIGNATURE_MAX_AGE_SECONDS,
  createMailgunWebhook,
  mailgunWebhook,
  normalizeMessageId,
} from '../../../src/lib/decision-circuits/metrics/providers/mailgun/webhook';
import { hashEmail, type NormalizeContext, type ProviderSecret } from '../../../src/lib/decision-circuits/metrics/providers/kit/provider';
import { createRng } from '../../../src/lib/random/seeded-rng';

type Body = { signature: { timestamp: string; token: string; signature: string }; 'event-data': Record<string, unknown> };

const FIXTURE_KEY = 'mailgun-fixture-signing-key';
const secret: ProviderSecret = { kind: 'hmac', value: FIXTURE_KEY };
const MESSAGE_ID = '20250302101555.4f1c2a9be07d3c15@mg.example.com';
const FIXTURES = [
  'accepted.json',
  'delivered.json',
  'failed-permanent.json',
  'failed-temporary.json',
  'opened.json',
  'clicked.json',
  'complained.json',
  'unsubscribed.json',
] as const;

const text = (name: string): string => readFileSync(new URL(`../../fixtures/mailgun/${name}`, import.meta.url), 'utf8');
const fixture = (name: string): Body => JSON.parse(text(name)) as Body;
const signedAt = (body: Body): Date => new Date(Number(body.signature.timestamp) * 1000);

/** Mailgun's scheme written out independently of the module under test. */
function sign(key: string, eventData: unknown, timestamp: number, token: string): string {
  const signature = createHmac('sha256', key).update(`${timestamp}${token}`).digest('hex');
  return JSON.stringify({ signature: { timestamp: String(timestamp), token, signature }, 'event-data': eventData });
}

const ctx: NormalizeContext = { receivedAt: new Date('2025-03-02T12:00:00Z'), storeRawEmail: false };
let tokenCounter = 0;
const freshToken = () => `${String((tokenCounter += 1)).padStart(6, '0')}${'t'.repeat(44)}`;

describe('Mailgun signature', () => {
  it.each(FIXTURES)('accepts %s at the time it was signed', (name) => {
    const body = fixture(name);
    expect(createMailgunWebhook().verify({ headers: {}, rawBody: text(name), now: signedAt(body) }, secret)).toMatchObject({
      valid: true,
      scheme: 'hmac-sha256',
    });
  });

  it('reads the body from bytes as the route passes it, with no header involved', () => {
    const body = fixture('delivered.json');
    const rawBody = new TextEncoder().encode(text('delivered.json'));
    expect(createMailgunWebhook().verify({ headers: new Headers(), rawBody, now: signedAt(body) }, secret).valid).toBe(true);
  });

  it('accepts a timestamp sent as a JSON number, and a subaccount event by its parent-signature', () => {
    const eventData = fixture('opened.json')['event-data'];
    const at = 1_740_911_433;
    const token = freshToken();
    const signed = JSON.parse(sign(FIXTURE_KEY, eventData, at, token)) as Body;
    const asNumber = { ...signed, signature: { ...signed.signature, timestamp: at } };
    const webhook = createMailgunWebhook();
    expect(webhook.verify({ headers: {}, rawBody: JSON.stringify(asNumber), now: new Date(at * 1000) }, secret).valid).toBe(true);

    // Signed with the subaccount's key; the parent's key (ours) signs parent-signature.
    const sub = JSON.parse(sign('subaccount-key', eventData, at, freshToken())) as Body;
    const parent = createHmac('sha256', FIXTURE_KEY).update(`${at}${sub.signature.token}`).digest('hex');
    const withParent = { ...sub, signature: { ...sub.signature, 'parent-signature': parent } };
    expect(webhook.verify({ headers: {}, rawBody: JSON.stringify(withParent), now: new Date(at * 1000) }, secret)).toMatchObject({
      valid: true,
      scheme: 'hmac-sha256-parent',
    });
  });

  it('refuses another key, a changed timestamp or token, and a truncated signature', () => {
    const body = fixture('delivered.json');
    const now = signedAt(body);
    const verify = (rawBody: string, key = secret) => createMailgunWebhook().verify({ headers: {}, rawBody, now }, key).error;
    expect(verify(text('delivered.json'), { kind: 'hmac', value: 'another-signing-key' })).toBe('Signature mismatch');
    const changed = (signature: Partial<Body['signature']>) => JSON.stringify({ ...body, signature: { ...body.signature, ...signature } });
    expect(verify(changed({ timestamp: String(Number(body.signature.timestamp) - 1) }))).toBe('Signature mismatch');
    expect(verify(changed({ token: `${body.signature.token.slice(0, -1)}x` }))).toBe('Signature mismatch');
    expect(verify(changed({ signature: body.signature.signature.slice(0, 40) }))).toBe('Malformed signature');
    expect(verify(changed({ signature: body.signature.signature.toUpperCase() }))).toBeUndefined();
  });

  it(`refuses a signature older than ${MAILGUN_SIGNATURE_MAX_AGE_SECONDS / 3600} h (Mailgun's retries) or more than 5 minutes ahead`, () => {
    const at = 1_740_910_600;
    const rawBody = sign(FIXTURE_KEY, fixture('delivered.json')['event-data'], at, freshToken());
    const verifyAt = (offsetSeconds: number) =>
      createMailgunWebhook().verify({ headers: {}, rawBody, now: new Date((at + offsetSeconds) * 1000) }, secret);
    expect(verifyAt(MAILGUN_SIGNATURE_MAX_AGE_SECONDS - 1).valid).toBe(true);
    expect(verifyAt(MAILGUN_SIGNATURE_MAX_AGE_SECONDS + 1)).toEqual({
      valid: false,
      reason: 'timestamp_out_of_tolerance',
      error: 'Timestamp outside tolerance',
    });
    expect(verifyAt(-299).valid).toBe(true);
    expect(verifyAt(-301)).toEqual({ valid: false, reason: 'timestamp_out_of_tolerance', error: 'Timestamp outside tolerance' });
  });

  it('hands over the block with the digest of its event-data: a replay under other event-data differs, a retry does not', () => {
    const webhook = createMailgunWebhook();
    const body = fixture('clicked.json');
    const now = signedAt(body);
    const tampered = JSON.stringify({
      ...body,
      'event-data': { ...body['event-data'], id: 'forged-event-id', url: 'https://example.net/' },
    });
    const original = webhook.verify({ headers: {}, rawBody: text('clicked.json'), now }, secret);
    const replayed = webhook.verify({ headers: {}, rawBody: tampered, now }, secret);
    // Both verify (the MAC does not cover event-data): the ingest call refuses the replay.
    expect(original.valid && replayed.valid).toBe(true);
    expect(replayed.signatureBlock?.block).toBe(original.signatureBlock?.block);
    expect(replayed.signatureBlock?.digest).not.toBe(original.signatureBlock?.digest);
    expect(original.signatureBlock?.block).toMatch(/^[0-9a-f]{64}$/);
    expect(original.signatureBlock?.digest).toMatch(/^[0-9a-f]{32}$/);
    // The block is hashed: neither the signature nor the token is handed over.
    expect(JSON.stringify(original.signatureBlock)).not.toContain(body.signature.signature);
    expect(JSON.stringify(original.signatureBlock)).not.toContain(body.signature.token);
    expect(original.signatureBlock?.expires_at).toBe(
      new Date((Number(body.signature.timestamp) + MAILGUN_SIGNATURE_MAX_AGE_SECONDS) * 1000).toISOString(),
    );
    // Mailgun retrying after a failed answer sends the same block and event-data, re-serialised or not.
    const later = new Date(now.getTime() + 15 * 60_000);
    expect(webhook.verify({ headers: {}, rawBody: JSON.stringify(body), now: later }, secret).signatureBlock).toEqual(
      original.signatureBlock,
    );
    // Once the block is too old it is refused for its age, whatever it carries.
    const expired = new Date(now.getTime() + (MAILGUN_SIGNATURE_MAX_AGE_SECONDS + 60) * 1000);
    expect(webhook.verify({ headers: {}, rawBody: tampered, now: expired }, secret).error).toBe('Timestamp outside tolerance');
  });

  it('hands over no block for a delivery that did not verify', () => {
    const body = fixture('complained.json');
    const result = createMailgunWebhook().verify(
      { headers: {}, rawBody: text('complained.json'), now: signedAt(body) },
      { kind: 'hmac', value: 'old-key' },
    );
    expect(result).toEqual({ valid: false, reason: 'signature_mismatch', error: 'Signature mismatch' });
  });

  it('names what is wrong with a malformed body', () => {
    const now = new Date(1_740_910_600_000);
    const error = (rawBody: string) => createMailgunWebhook().verify({ headers: {}, rawBody, now }, secret).error;
    const block = { timestamp: '1740910600', token: 'a'.repeat(50), signature: 'b'.repeat(64) };
    const eventData = { event: 'delivered' };
    expect(error('')).toBe('Body is not JSON');
    expect(error('event=delivered&token=x')).toBe('Body is not JSON');
    expect(error('[]')).toBe('Expected a JSON object with signature and event-data');
    expect(error('null')).toBe('Expected a JSON object with signature and event-data');
    expect(error(JSON.stringify({ 'event-data': eventData }))).toBe('Missing signature object');
    expect(error(JSON.stringify({ signature: 'abc', 'event-data': eventData }))).toBe('Missing signature object');
    expect(error(JSON.stringify({ signature: { ...block, timestamp: undefined }, 'event-data': eventData }))).toBe('Missing timestamp');
    expect(error(JSON.stringify({ signature: { ...block, timestamp: '17409e6' }, 'event-data': eventData }))).toBe('Invalid timestamp');
    expect(error(JSON.stringify({ signature: { ...block, timestamp: 1.5 }, 'event-data': eventData }))).toBe('Invalid timestamp');
    expect(error(JSON.stringify({ signature: { ...block, token: '' }, 'event-data': eventData }))).toBe('Missing token');
    expect(error(JSON.stringify({ signature: { ...block, token: 'x'.repeat(300) }, 'event-data': eventData }))).toBe('Malformed token');
    expect(error(JSON.stringify({ signature: { ...block, signature: undefined }, 'event-data': eventData }))).toBe('Missing signature');
    expect(error(JSON.stringify({ signature: { ...block, signature: 'not hex' }, 'event-data': eventData }))).toBe('Malformed signature');
    expect(error(JSON.stringify({ signature: block, 'event-data': eventData }))).toBe('Signature mismatch');
    expect(createMailgunWebhook().verify({ headers: {}, rawBody: text('delivered.json'), now }, { kind: 'hmac', value: '  ' }).error).toBe(
      'Webhook secret not configured',
    );
  });

  it('leaves the shape of event-data to normalisation: a signed block verifies beside any value', () => {
    const at = 1_740_910_600;
    for (const eventData of [undefined, null, 5, 'text', [{ event: 'delivered' }]]) {
      const rawBody = sign(FIXTURE_KEY, eventData, at, freshToken());
      expect(createMailgunWebhook().verify({ headers: {}, rawBody, now: new Date(at * 1000) }, secret).valid).toBe(true);
      expect(mailgunWebhook.normalize(JSON.parse(rawBody), ctx).rejected).toEqual([
        { index: 0, reason: 'Expected a Mailgun webhook body with event-data' },
      ]);
    }
  });

  it('never throws, whatever the body', () => {
    const webhook = createMailgunWebhook();
    const now = new Date();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((value) => JSON.stringify({ signature: value, 'event-data': value })),
        ),
        (body) => {
          const result = webhook.verify({ headers: {}, rawBody: body, now }, secret);
          expect(result.valid).toBe(false);
          expect(typeof result.error).toBe('string');
        },
      ),
      { numRuns: 300 },
    );
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    expect(webhook.verify({ headers: {}, rawBody: deep, now }, secret).valid).toBe(false);
  });

  it('reads the signing key from MAILGUN_WEBHOOK_SIGNING_KEY', () => {
    expect(mailgunWebhook.readSecret({ MAILGUN_WEBHOOK_SIGNING_KEY: '  key-abc ' })).toEqual({ kind: 'hmac', value: 'key-abc' });
    expect(mailgunWebhook.readSecret({ MAILGUN_WEBHOOK_SIGNING_KEY: '' })).toBeNull();
    expect(mailgunWebhook.secretEnvVars).toEqual(['MAILGUN_WEBHOOK_SIGNING_KEY']);
  });
});

describe('Mailgun normalisation', () => {
  const cases: [string, string][] = [
    ['accepted.json', 'email_sent'],
    ['delivered.json', 'email_delivered'],
    ['failed-permanent.json', 'email_bounce'],
    ['failed-temporary.json', 'provider_only'],
    ['opened.json', 'email_open'],
    ['clicked.json', 'email_click'],
    ['complained.json', 'email_complaint'],
    ['unsubscribed.json', 'email_unsubscribe'],
  ];

  it.each(cases)('maps %s to %s, keyed by its event id and its message id', (name, eventType) => {
    const body = fixture(name);
    const { events, rejected } = mailgunWebhook.normalize(body, ctx);
    expect(rejected).toEqual([]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      provider: 'mailgun',
      channel: 'email',
      event_type: eventType,
      provider_event_type: body['event-data'].event,
      provider_event_id: body['event-data'].id,
      provider_object_id: MESSAGE_ID,
      quantity: 1,
    });
  });

  it("stores the event's own time to the millisecond", () => {
    expect(mailgunWebhook.normalize(fixture('delivered.json'), ctx).events[0]?.occurred_at).toBe('2025-03-02T10:15:57.659Z');
    expect(mailgunWebhook.normalize(fixture('opened.json'), ctx).events[0]?.occurred_at).toBe('2025-03-02T10:30:32.095Z');
    const noTime = { 'event-data': { ...fixture('opened.json')['event-data'], timestamp: undefined } };
    expect(mailgunWebhook.normalize(noTime, ctx).events[0]?.occurred_at).toBe(ctx.receivedAt.toISOString());
  });

  it('self-attributes from user-variables; an empty set (`[]`) attributes nothing', () => {
    expect(mailgunWebhook.normalize(fixture('delivered.json'), ctx).events[0]?.attribution).toEqual({
      circuit_execution_id: 'circ-exec-7f3a',
      ab_test_id: '3b0c1d52-7a1f-4c55-9a53-6f1e2d3c4b5a',
      variant_id: 'aaaa1111-2222-4333-8444-555566667777',
    });
    expect(mailgunWebhook.normalize(fixture('accepted.json'), ctx).events[0]?.attribution).toBeNull();
  });

  it('hashes the recipient everywhere it appears and never stores the signature block', () => {
    const [event] = mailgunWebhook.normalize(fixture('failed-permanent.json'), ctx).events;
    const hashed = `sha256:${hashEmail('ann.fixture@example.org')}`;
    expect(event?.recipient_hash).toBe(hashEmail('ann.fixture@example.org'));
    expect(event?.recipient_identifier).toBeNull();
    expect(event?.raw_payload).toMatchObject({
      recipient: hashed,
      envelope: { targets: hashed, sender: 'bounce@mg.example.com' },
      message: { headers: { to: hashed, from: 'News <news@mg.example.com>', 'message-id': MESSAGE_ID } },
      severity: 'permanent',
    });
    expect(JSON.stringify(event?.raw_payload)).not.toContain('ann.fixture@example.org');
    expect(event?.raw_payload).not.toHaveProperty('signature');
    expect(event?.raw_payload).not.toHaveProperty('event-data');
  });

  it('keeps raw addresses with METRICS_STORE_RAW_EMAIL', () => {
    const [event] = mailgunWebhook.normalize(fixture('delivered.json'), { ...ctx, storeRawEmail: true }).events;
    expect(event?.recipient_identifier).toBe('ann.fixture@example.org');
    expect(event?.raw_payload.recipient).toBe('ann.fixture@example.org');
  });

  it("reads the send API's `<id@domain>` form of the message id as the same message", () => {
    expect(normalizeMessageId(`<${MESSAGE_ID}>`)).toBe(MESSAGE_ID);
    expect(normalizeMessageId(` < ${MESSAGE_ID} > `)).toBe(MESSAGE_ID);
    expect(normalizeMessageId('<>')).toBeNull();
    const body = fixture('opened.json');
    const angled = { 'event-data': { ...body['event-data'], message: { headers: { 'message-id': `<${MESSAGE_ID}>` } } } };
    expect(mailgunWebhook.normalize(angled, ctx).events[0]?.provider_object_id).toBe(MESSAGE_ID);
  });

  it('records unknown and colon-named events without counting them; hashes an event without id, stably', () => {
    const eventData = fixture('delivered.json')['event-data'];
    const kinds = (data: Record<string, unknown>) => mailgunWebhook.normalize({ 'event-data': data }, ctx).events[0]?.event_type;
    expect(kinds({ ...eventData, event: 'rejected' })).toBe('provider_only');
    expect(kinds({ ...eventData, event: 'failed:permanent' })).toBe('provider_only');
    expect(kinds({ ...eventData, event: 'failed', severity: 'Permanent' })).toBe('email_bounce');
    expect(kinds({ ...eventData, event: 'failed', severity: undefined })).toBe('provider_only');
    expect(kinds({ ...eventData, event: 'constructor' })).toBe('provider_only');
    const noId = { 'event-data': { ...eventData, id: undefined } };
    const first = mailgunWebhook.normalize(noId, ctx).events[0]?.provider_event_id;
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(mailgunWebhook.normalize(noId, ctx).events[0]?.provider_event_id).toBe(first);
  });

  it('rejects what it cannot key, with the reason', () => {
    const eventData = fixture('delivered.json')['event-data'];
    const rejected = (payload: unknown) => mailgunWebhook.normalize(payload, ctx).rejected;
    expect(rejected([eventData])).toEqual([{ index: 0, reason: 'Expected a Mailgun webhook body with event-data' }]);
    expect(rejected(eventData)).toEqual([{ index: 0, reason: 'Expected a Mailgun webhook body with event-data' }]);
    expect(rejected({ 'event-data': { ...eventData, event: undefined } })).toEqual([{ index: 0, reason: 'Missing event name' }]);
    expect(rejected({ 'event-data': { ...eventData, event: 'x'.repeat(600) } })).toEqual([{ index: 0, reason: 'Event name too long' }]);
    expect(rejected({ 'event-data': { ...eventData, id: 'x'.repeat(600) } })).toEqual([{ index: 0, reason: 'Event id too long' }]);
    const longMessage = { ...eventData, message: { headers: { 'message-id': `${'m'.repeat(600)}@mg.example.com` } } };
    expect(rejected({ 'event-data': longMessage })).toEqual([{ index: 0, reason: 'Message id too long' }]);
  });

  it('never throws, whatever JSON it is given', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = mailgunWebhook.normalize({ 'event-data': value }, ctx);
        expect(result.events.length + result.rejected.length).toBe(1);
        mailgunWebhook.normalize(value, ctx);
      }),
      { numRuns: 300 },
    );
  });
});

describe('Mailgun signer, samples and simulation', () => {
  it('signs exactly as Mailgun does, and the webhook verifies it', () => {
    const { body } = mailgunSamples.build('delivered', { seed: 's1', nowMs: 1_740_910_600_000 });
    const signed = mailgunSigner.sign({ body, secret: FIXTURE_KEY, timestampSeconds: 1_740_910_601, deliveryId: null });
    const parsed = JSON.parse(signed?.body ?? '{}') as Body;
    expect(Object.keys(parsed)).toEqual(['signature', 'event-data']);
    expect(parsed.signature.timestamp).toBe('1740910601');
    expect(parsed.signature.token).toHaveLength(50);
    expect(parsed.signature.signature).toBe(createHmac('sha256', FIXTURE_KEY).update(`1740910601${parsed.signature.token}`).digest('hex'));
    expect(parsed['event-data']).toEqual((JSON.parse(body) as Body)['event-data']);
    expect(signed?.headers['content-type']).toBe('application/json');
    expect(
      createMailgunWebhook().verify({ headers: {}, rawBody: signed?.body ?? '', now: new Date(1_740_910_601_000) }, secret),
    ).toMatchObject({
      valid: true,
      scheme: 'hmac-sha256',
    });
    // The same delivery at the same second is the same request; a resigned one gets a new token.
    expect(mailgunSigner.sign({ body, secret: FIXTURE_KEY, timestampSeconds: 1_740_910_601, deliveryId: null })?.body).toBe(signed?.body);
    expect(mailgunToken(1_740_910_602, JSON.stringify(parsed['event-data']))).not.toBe(parsed.signature.token);
    expect(JSON.parse(mailgunSigner.unsigned({ body: signed?.body ?? '', timestampSeconds: 0, deliveryId: null }).body)).toEqual({
      'event-data': parsed['event-data'],
    });
  });

  it('signs any unsigned body byte for byte, a hostile one too, whose block verify still reads', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const body = `{"event-data":{"event":"opened","x":${deep}}}`;
    const signed = mailgunSigner.sign({ body, secret: FIXTURE_KEY, timestampSeconds: 1_740_910_601, deliveryId: 'msg_deep' });
    expect(signed?.body.endsWith(`,"event-data":{"event":"opened","x":${deep}}}`)).toBe(true);
    const webhook = createMailgunWebhook();
    const now = new Date(1_740_910_601_000);
    // Valid: the route, not verification, refuses JSON this deep (400) before storing anything.
    expect(webhook.verify({ headers: {}, rawBody: signed?.body ?? '', now }, secret).valid).toBe(true);
    const other = (signed?.body ?? '').replace('"opened"', '"clicked"');
    const first = webhook.verify({ headers: {}, rawBody: signed?.body ?? '', now }, secret).signatureBlock;
    expect(webhook.verify({ headers: {}, rawBody: other, now }, secret).signatureBlock?.digest).not.toBe(first?.digest);
  });

  it('never throws on what it is asked to sign: `{}` (the test-event probe), bare event-data, junk', () => {
    const sign = (body: string) => mailgunSigner.sign({ body, secret: FIXTURE_KEY, timestampSeconds: 1, deliveryId: null })?.body ?? '';
    expect((JSON.parse(sign('{}')) as Body)['event-data']).toEqual({});
    expect((JSON.parse(sign('{"event":"opened","id":"x"}')) as Body)['event-data']).toEqual({ event: 'opened', id: 'x' });
    expect(sign('not json')).toMatch(/,"event-data":not json}$/);
  });

  it.each(mailgunSamples.kinds)('builds a %s delivery that counts as stated', (kind) => {
    const attribution = { circuit_execution_id: 'circ-1', ab_test_id: '3b0c1d52-7a1f-4c55-9a53-6f1e2d3c4b5a' };
    const sample = mailgunSamples.build(kind, { seed: `k-${kind}`, nowMs: 1_740_910_600_000, attribution, objectId: `<${MESSAGE_ID}>` });
    expect(sample.provider).toBe(MAILGUN.id);
    expect(sample.objectId).toBe(MESSAGE_ID);
    const [event] = mailgunWebhook.normalize(JSON.parse(sample.body), ctx).events;
    const counter = event && event.event_type !== 'provider_only' ? EVENT_TYPE_TO_ROLLUP_COLUMN[event.event_type] : null;
    expect(sample.expected).toEqual([{ event: kind, counter, quantity: 1 }]);
    expect(event?.provider_object_id).toBe(MESSAGE_ID);
    expect(event?.attribution).toEqual({ ...attribution, variant_id: null });
    expect(event?.occurred_at).toBe('2025-03-02T10:16:40.000Z');
  });

  it('resolves the words people type, sends a counting test event, and refuses unknown kinds', () => {
    expect(mailgunSamples.aliases.bounced).toBe('failed');
    expect(mailgunSamples.kinds).toContain(mailgunSamples.testEventKind);
    expect(() => mailgunSamples.build('stored', {})).toThrow('Unknown Mailgun sample kind: stored');
  });

  it('plays each step of a message as the event Mailgun posts, one per request', () => {
    const rng = createRng('simulation');
    const variables = { circuit_execution_id: 'circ-2', variant_id: 'aaaa1111-2222-4333-8444-555566667777' };
    const message = mailgunSimulation.newMessage(rng, 'bo.1@example.net', 1_740_910_000_000, variables);
    const steps = ['sent', 'dropped', 'deferred', 'delivered', 'bounced', 'opened', 'clicked', 'complained', 'unsubscribed'] as const;
    for (const [i, step] of steps.entries()) {
      // Simulated times are not whole milliseconds.
      const atMs = 1_740_910_000_000 + i * 61_234.7;
      const events = mailgunSimulation.events(rng, message, step, atMs);
      if (step === 'dropped') {
        expect(events).toEqual([]);
        continue;
      }
      expect(events).toHaveLength(1);
      const [simulated] = events;
      const body = mailgunSimulation.deliveryBody([simulated!.payload]);
      const [event] = mailgunWebhook.normalize(JSON.parse(body), ctx).events;
      expect(event?.provider_event_type).toBe(simulated?.kind);
      expect(event?.provider_object_id).toBe(message.objectId);
      expect(Date.parse(event?.occurred_at ?? '')).toBe(simulated?.occurredAtMs);
      const counter = event && event.event_type !== 'provider_only' ? EVENT_TYPE_TO_ROLLUP_COLUMN[event.event_type] : null;
      expect(counter).toBe(simulated?.counter);
      expect(event?.attribution?.circuit_execution_id).toBe('circ-2');
    }
    expect(mailgunSimulation.maxEventsPerDelivery).toBe(1);
    expect(() => mailgunSimulation.deliveryBody([{}, {}])).toThrow();
    expect(mailgunSimulation.retryDelaysMs[0]).toBe(5 * 60_000);
  });
});
