import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { hashEmail } from '../../../src/lib/decision-circuits/metrics/providers/kit/provider';
import type { NormalizeContext, ProviderSecret } from '../../../src/lib/decision-circuits/metrics/providers/kit/provider';
import { sendGridMessageId, sendgridModule } from '../../../src/lib/decision-circuits/metrics/providers/sendgrid/webhook';
import { generateSendGridKeyPair, signSendGridEcdsa, signSendGridHmac } from '../../../tooling/signing';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/sendgrid/${name}`, import.meta.url));
const json = (name: string): unknown => JSON.parse(fixture(name).toString('utf8'));

const SIG = 'X-Twilio-Email-Event-Webhook-Signature';
const TS = 'X-Twilio-Email-Event-Webhook-Timestamp';
const ecdsa = (value: string): ProviderSecret => ({ kind: 'ecdsa_public_key', value });

// Official vectors: sendgrid/sendgrid-nodejs packages/eventwebhook/src/eventwebhook.spec.js
// (the single-event one is also in sendgrid/sendgrid-python test/unit/test_eventwebhook.py).
// The bodies are rebuilt byte for byte in tests/fixtures/sendgrid/official-*.txt (trailing CRLFs).
const OFFICIAL_SINGLE = {
  publicKey: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==',
  signature: 'MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=',
  timestamp: '1600112502',
};
const OFFICIAL_MULTIPLE = {
  publicKey: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQ4LIFtWztlsF7skFqOncjD1lun4H5w8XOhyOArHW9RcIx/FfEzx6cikC/yPfUvwaX/JScE7Fc9CJD2afQ9Ok3Q==',
  signature: 'MEYCIQC/I4o6vCgqRYrTljjoVWB/GRWNtxeePlLMHr3x9ETeRQIhAIpV+03nREPTTHWSW0wIOA0EoMPdcNgXa70yCaqDJlu5',
  timestamp: '1619651159',
};
const OFFICIAL_OTHER_KEY =
  'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqTxd43gyp8IOEto2LdIfjRQrIbsd4SXZkLW6jDutdhXSJCWHw8REntlo7aNDthvj+y7GjUuFDb/R1NGe1OPzpA==';
const OFFICIAL_BAD_SIGNATURE = 'MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH3j/0=';

const ctx: NormalizeContext = { receivedAt: new Date('2025-01-01T00:00:00Z'), storeRawEmail: false };

describe('SendGrid signature (ECDSA P-256)', () => {
  const single = fixture('official-single-event.txt');
  const headers = { [SIG]: OFFICIAL_SINGLE.signature, [TS]: OFFICIAL_SINGLE.timestamp };

  it('accepts the official single-event vector on its exact CRLF-terminated bytes', () => {
    expect(sendgridModule.verify({ headers, rawBody: single }, ecdsa(OFFICIAL_SINGLE.publicKey))).toEqual({
      valid: true,
      scheme: 'ecdsa-p256-sha256',
    });
  });

  it('accepts the official multi-event vector with CRLF between events', () => {
    const result = sendgridModule.verify(
      {
        headers: { [SIG]: OFFICIAL_MULTIPLE.signature, [TS]: OFFICIAL_MULTIPLE.timestamp },
        rawBody: fixture('official-multiple-events.txt'),
      },
      ecdsa(OFFICIAL_MULTIPLE.publicKey),
    );
    expect(result.valid).toBe(true);
  });

  it('does not reject a valid signature for its age (SendGrid retries for 24 h)', () => {
    const result = sendgridModule.verify(
      { headers, rawBody: single, now: new Date('2030-01-01T00:00:00Z') },
      ecdsa(OFFICIAL_SINGLE.publicKey),
    );
    expect(result.valid).toBe(true);
  });

  it('accepts the public key in PEM form too', () => {
    const pem = `-----BEGIN PUBLIC KEY-----\n${OFFICIAL_SINGLE.publicKey}\n-----END PUBLIC KEY-----\n`;
    expect(sendgridModule.verify({ headers, rawBody: single }, ecdsa(pem)).valid).toBe(true);
  });

  it('rejects the body with the trailing CRLF trimmed', () => {
    const trimmed = single.toString('utf8').trimEnd();
    expect(sendgridModule.verify({ headers, rawBody: trimmed }, ecdsa(OFFICIAL_SINGLE.publicKey))).toEqual({
      valid: false,
      reason: 'signature_mismatch',
      error: 'Signature mismatch',
    });
  });

  it('rejects a body with one byte changed', () => {
    const tampered = Buffer.from(single);
    tampered[10] = (tampered[10] ?? 0) ^ 0x01;
    expect(sendgridModule.verify({ headers, rawBody: tampered }, ecdsa(OFFICIAL_SINGLE.publicKey)).valid).toBe(false);
  });

  it('rejects the official bad signature, another key, and a wrong timestamp', () => {
    const key = ecdsa(OFFICIAL_SINGLE.publicKey);
    expect(sendgridModule.verify({ headers: { ...headers, [SIG]: OFFICIAL_BAD_SIGNATURE }, rawBody: single }, key).valid).toBe(false);
    expect(sendgridModule.verify({ headers, rawBody: single }, ecdsa(OFFICIAL_OTHER_KEY)).valid).toBe(false);
    expect(sendgridModule.verify({ headers: { ...headers, [TS]: 'timestamp' }, rawBody: single }, key).valid).toBe(false);
    expect(sendgridModule.verify({ headers: { ...headers, [TS]: '1600112503' }, rawBody: single }, key).valid).toBe(false);
  });

  it('names the missing header', () => {
    const key = ecdsa(OFFICIAL_SINGLE.publicKey);
    expect(sendgridModule.verify({ headers: { [TS]: '1' }, rawBody: single }, key).error).toBe('Missing signature header');
    expect(sendgridModule.verify({ headers: { [SIG]: 'MEUC' }, rawBody: single }, key).error).toBe('Missing timestamp header');
  });

  it('reports an unusable public key without echoing it', () => {
    const result = sendgridModule.verify({ headers, rawBody: single }, ecdsa('not-a-key'));
    expect(result).toEqual({ valid: false, reason: 'invalid_secret', error: 'Invalid SendGrid public key' });
  });

  it('verifies what the signer produces with a generated key pair', () => {
    const pair = generateSendGridKeyPair();
    const body = fixture('providers-md-sample-batch.txt');
    const signed = signSendGridEcdsa({ privateKey: pair.privateKey, body, timestamp: 1719901400 });
    expect(sendgridModule.verify({ headers: signed, rawBody: body }, ecdsa(pair.publicKey)).valid).toBe(true);
  });
});

describe('SendGrid signature (release notes HMAC variant)', () => {
  const now = new Date('2025-01-01T00:00:00Z');
  const ts = Math.floor(now.getTime() / 1000);
  const body = fixture('providers-md-sample-batch.txt');
  const secret: ProviderSecret = { kind: 'hmac', value: 'sg-notes-secret' };

  it('accepts hex and base64 HMAC(secret, timestamp + body) within five minutes', () => {
    for (const encoding of ['hex', 'base64'] as const) {
      const headers = signSendGridHmac({ secret: secret.value, body, timestamp: ts - 60, encoding });
      expect(sendgridModule.verify({ headers, rawBody: body, now }, secret)).toEqual({ valid: true, scheme: 'hmac-sha256' });
    }
  });

  it('rejects a correct HMAC whose timestamp is stale or in the future', () => {
    for (const at of [ts - 301, ts + 301]) {
      const headers = signSendGridHmac({ secret: secret.value, body, timestamp: at });
      expect(sendgridModule.verify({ headers, rawBody: body, now }, secret).error).toBe('Timestamp outside tolerance');
    }
  });

  it('accepts either scheme when both a public key and an HMAC secret are configured', () => {
    const pair = generateSendGridKeyPair();
    const both: ProviderSecret = { kind: 'ecdsa_public_key', value: pair.publicKey, hmacSecret: 'sg-notes-secret' };
    const viaHmac = signSendGridHmac({ secret: 'sg-notes-secret', body, timestamp: ts });
    const viaEcdsa = signSendGridEcdsa({ privateKey: pair.privateKey, body, timestamp: ts });
    expect(sendgridModule.verify({ headers: viaHmac, rawBody: body, now }, both).scheme).toBe('hmac-sha256');
    expect(sendgridModule.verify({ headers: viaEcdsa, rawBody: body, now }, both).scheme).toBe('ecdsa-p256-sha256');
    const wrong = signSendGridHmac({ secret: 'other', body, timestamp: ts });
    expect(sendgridModule.verify({ headers: wrong, rawBody: body, now }, both)).toEqual({
      valid: false,
      reason: 'signature_mismatch',
      error: 'Signature mismatch',
    });
  });
});

describe('SendGrid secrets from env', () => {
  it('reads the public key and the notes secret together', () => {
    expect(sendgridModule.readSecret({ SENDGRID_WEBHOOK_PUBLIC_KEY: OFFICIAL_SINGLE.publicKey, SENDGRID_WEBHOOK_SECRET: 's' })).toEqual({
      kind: 'ecdsa_public_key',
      value: OFFICIAL_SINGLE.publicKey,
      hmacSecret: 's',
    });
  });

  it('treats a verification key pasted into SENDGRID_WEBHOOK_SECRET as the ECDSA key', () => {
    expect(sendgridModule.readSecret({ SENDGRID_WEBHOOK_SECRET: OFFICIAL_SINGLE.publicKey })).toEqual(ecdsa(OFFICIAL_SINGLE.publicKey));
    expect(sendgridModule.readSecret({ SENDGRID_WEBHOOK_SECRET: 'plain' })).toEqual({ kind: 'hmac', value: 'plain' });
    expect(sendgridModule.readSecret({ SENDGRID_WEBHOOK_SECRET: ' ' })).toBeNull();
  });
});

describe('SendGrid normalisation', () => {
  it('maps every event kind of the normalisation table in one batch', () => {
    const { events, rejected } = sendgridModule.normalize(json('batch-all-kinds.json'), ctx);
    expect(rejected).toEqual([]);
    expect(events.map((e) => [e.provider_event_type, e.event_type])).toEqual([
      ['processed', 'email_sent'],
      ['delivered', 'email_delivered'],
      ['bounce', 'email_bounce'],
      ['bounce', 'email_bounce'],
      ['open', 'email_open'],
      ['click', 'email_click'],
      ['spamreport', 'email_complaint'],
      ['unsubscribe', 'email_unsubscribe'],
      ['group_unsubscribe', 'email_unsubscribe'],
      ['group_resubscribe', 'provider_only'],
      ['dropped', 'provider_only'],
      ['deferred', 'provider_only'],
    ]);
    expect(events.every((e) => e.quantity === 1 && e.channel === 'email' && e.provider === 'sendgrid')).toBe(true);
  });

  it('uses sg_event_id as the dedup key and the X-Message-Id as the object id', () => {
    const [delivered] = sendgridModule.normalize(json('batch-all-kinds.json'), ctx).events.slice(1);
    expect(delivered).toMatchObject({
      provider_event_id: 'ZGVsaXZlcmVkLTAtNTIwMDQ0MTctWGszcFEybVRSMGE5ZEx3MWJZY1pmZy0w',
      provider_object_id: 'Xk3pQ2mTR0a9dLw1bYcZfg',
      occurred_at: '2024-07-02T06:19:06.000Z',
    });
  });

  it('normalises the CRLF batch exactly as received', () => {
    const { events } = sendgridModule.normalize(JSON.parse(fixture('providers-md-sample-batch.txt').toString('utf8')), ctx);
    expect(events.map((e) => e.event_type)).toEqual(['email_delivered', 'email_click', 'email_bounce']);
    expect(events[2]?.provider_object_id).toBe('p7VhN0sKQyGm4cT2aWfE1A');
  });

  it('self-attributes from flattened custom args', () => {
    const [processed, , hardBounce] = sendgridModule.normalize(json('batch-all-kinds.json'), ctx).events;
    expect(processed?.attribution).toEqual({
      circuit_execution_id: 'ce_7f3a',
      ab_test_id: '2f1c7d5e-8a9b-4c3d-9e2f-1a2b3c4d5e6f',
      variant_id: '9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    });
    expect(hardBounce?.attribution).toBeNull();
  });

  it('hashes the recipient and redacts it from raw_payload unless raw email storage is on', () => {
    const [off] = sendgridModule.normalize(json('batch-all-kinds.json'), ctx).events;
    expect(off?.recipient_hash).toBe(hashEmail('ann@example.com'));
    expect(off?.recipient_identifier).toBeNull();
    expect(off?.raw_payload.email).toBe(`sha256:${hashEmail('ann@example.com')}`);
    expect(JSON.stringify(off?.raw_payload)).not.toContain('ann@example.com');

    const [on] = sendgridModule.normalize(json('batch-all-kinds.json'), { ...ctx, storeRawEmail: true }).events;
    expect(on?.recipient_identifier).toBe('ann@example.com');
    expect(on?.raw_payload.email).toBe('ann@example.com');
    expect(on?.provider_event_id).toBe(off?.provider_event_id);
  });

  it('reads millisecond timestamps and derives a stable id when sg_event_id is absent', () => {
    const payload = json('legacy-marketing-unsubscribe.json');
    const first = sendgridModule.normalize(payload, ctx).events[0];
    const again = sendgridModule.normalize(json('legacy-marketing-unsubscribe.json'), { ...ctx, receivedAt: new Date() }).events[0];
    expect(first).toMatchObject({ event_type: 'email_unsubscribe', provider_object_id: null, occurred_at: '2024-07-02T06:26:40.123Z' });
    expect(first?.provider_event_id).toMatch(/^[0-9a-f]{64}$/);
    expect(again?.provider_event_id).toBe(first?.provider_event_id);
    expect(first?.recipient_hash).toBe(hashEmail('hal@example.com'));
  });

  it('falls back to the smtp-id local part for async bounces without sg_message_id', () => {
    const [bounce] = sendgridModule.normalize(json('async-bounce-no-message-id.json'), ctx).events;
    expect(bounce?.provider_object_id).toBe('h8HhIiJjKkLlMmNnOoPpQq');
  });

  it('keeps legacy dotted message ids whole by matching the smtp-id local part', () => {
    const [event] = sendgridModule.normalize(json('legacy-dotted-ids.json'), ctx).events;
    expect(event?.provider_object_id).toBe('14c5d75ce93.dfd.64b469');
    expect(sendGridMessageId({ sg_message_id: '14c5d75ce93.dfd.64b469.filter0001' })).toBe('14c5d75ce93');
  });

  it('accepts a single event object and a Single Send millisecond timestamp', () => {
    const { events } = sendgridModule.normalize(json('single-send-ms-timestamp.json'), ctx);
    expect(events).toHaveLength(1);
    expect(events[0]?.occurred_at).toBe('2024-07-02T06:33:20.456Z');
  });

  it('rejects unusable elements by index and still normalises the rest', () => {
    const { events, rejected } = sendgridModule.normalize(
      [
        { email: 'a@b.c' },
        'text',
        { event: 'open', sg_event_id: 'x'.repeat(513) },
        { event: 'open', sg_event_id: 'ok', timestamp: 'soon' },
      ],
      ctx,
    );
    expect(rejected).toEqual([
      { index: 0, reason: 'Missing event name' },
      { index: 1, reason: 'Event is not an object' },
      { index: 2, reason: 'sg_event_id too long' },
    ]);
    expect(events).toHaveLength(1);
    expect(events[0]?.occurred_at).toBe(ctx.receivedAt.toISOString());
  });

  it('rejects a payload that is not an array or object as a whole', () => {
    expect(sendgridModule.normalize('hello', ctx)).toEqual({
      events: [],
      rejected: [{ index: 0, reason: 'Expected a JSON array of SendGrid events' }],
    });
  });
});
