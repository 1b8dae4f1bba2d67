// Property tests of the signature check, the only thing between the internet and the ledger:
// a signed real body verifies, any one-byte change to it never does, and no header or body an
// attacker can send makes the check throw or pass.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../../src/lib/decision-circuits/metrics/metrics-signatures';
import { type MetricsProvider } from '../../../src/lib/decision-circuits/metrics/metrics-types';
import { METRICS_PROVIDERS } from '../../../src/lib/decision-circuits/metrics/providers/registry';
import {
  generateSendGridKeyPair,
  signLinkedIn,
  signLinkedInNotes,
  signMeta,
  signResend,
  signSendGridEcdsa,
  signSendGridHmac,
} from '../../../tooling/signing';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const fcOptions = {
  numRuns: RUNS,
  interruptAfterTimeLimit: Number(process.env.FUZZ_TIME_LIMIT_MS ?? 8_000),
  markInterruptAsFailure: false,
} as const;

const fixture = (name: string) => readFileSync(path.join(process.cwd(), 'tests', 'fixtures', name), 'utf8');
const BODIES: Record<MetricsProvider, string> = {
  sendgrid: fixture('sendgrid/official-multiple-events.txt'),
  resend: fixture('resend/email-clicked.json'),
  mailgun: fixture('mailgun/delivered.json'),
  facebook: fixture('facebook/feed-comment-unicode-escaped.txt'),
  instagram: fixture('instagram/comments.json'),
  linkedin: fixture('linkedin/notifications-batch.json'),
};

const keys = generateSendGridKeyPair();
const HMAC = 'fuzz-hmac-secret';
const SVIX = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

type Scheme = { provider: MetricsProvider; name: string; secret: string; sign: (body: Buffer) => Record<string, string> };
const SCHEMES: Scheme[] = [
  { provider: 'sendgrid', name: 'ecdsa', secret: keys.publicKey, sign: (body) => signSendGridEcdsa({ privateKey: keys.privateKey, body }) },
  { provider: 'sendgrid', name: 'hmac', secret: HMAC, sign: (body) => signSendGridHmac({ secret: HMAC, body }) },
  { provider: 'resend', name: 'svix', secret: SVIX, sign: (body) => signResend({ secret: SVIX, id: 'msg_fuzz', body }) },
  { provider: 'facebook', name: 'x-hub-signature-256', secret: HMAC, sign: (body) => signMeta({ appSecret: HMAC, body }) },
  { provider: 'instagram', name: 'x-hub-signature-256', secret: HMAC, sign: (body) => signMeta({ appSecret: HMAC, body }) },
  {
    provider: 'linkedin',
    name: 'x-li-signature A',
    secret: HMAC,
    sign: (body) => signLinkedIn({ clientSecret: HMAC, body, reading: 'A' }),
  },
  {
    provider: 'linkedin',
    name: 'x-li-signature B',
    secret: HMAC,
    sign: (body) => signLinkedIn({ clientSecret: HMAC, body, reading: 'B' }),
  },
  { provider: 'linkedin', name: 'notes hmac', secret: HMAC, sign: (body) => signLinkedInNotes({ secret: HMAC, body }) },
];

const edit = fc.oneof(
  fc.record({ flip: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ insert: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ remove: fc.nat() }),
  fc.record({ append: fc.constantFrom('\r\n', ' ', '\n', '\u0000', ',{}') }),
);

function applyEdit(body: Buffer, e: typeof edit extends fc.Arbitrary<infer T> ? T : never): Buffer {
  if ('flip' in e) {
    const copy = Buffer.from(body);
    const i = e.flip % copy.length;
    copy[i] = copy[i]! ^ (1 << e.bit);
    return copy;
  }
  if ('insert' in e) {
    const i = e.insert % (body.length + 1);
    return Buffer.concat([body.subarray(0, i), Buffer.from([e.byte]), body.subarray(i)]);
  }
  if ('remove' in e) {
    const i = e.remove % body.length;
    return Buffer.concat([body.subarray(0, i), body.subarray(i + 1)]);
  }
  return Buffer.concat([body, Buffer.from(e.append, 'utf8')]);
}

describe('webhook signature verification (property)', () => {
  it.each(SCHEMES.map((s) => [`${s.provider} ${s.name}`, s] as const))(
    '%s: the signed body verifies, every one-byte change fails',
    (_label, scheme) => {
      const body = Buffer.from(BODIES[scheme.provider], 'utf8');
      const headers = scheme.sign(body);
      expect(verifyWebhookSignature(scheme.provider, headers, body, scheme.secret)).toMatchObject({ valid: true });
      fc.assert(
        fc.property(edit, (e) => {
          const changed = applyEdit(body, e);
          if (changed.equals(body)) return;
          expect(verifyWebhookSignature(scheme.provider, headers, changed, scheme.secret).valid).toBe(false);
        }),
        fcOptions,
      );
    },
  );

  it('never throws and never passes for headers and bodies an attacker makes up', () => {
    const headerNames = fc.constantFrom(
      'x-twilio-email-event-webhook-signature',
      'x-twilio-email-event-webhook-timestamp',
      'svix-id',
      'svix-timestamp',
      'svix-signature',
      'webhook-id',
      'webhook-timestamp',
      'webhook-signature',
      'x-hub-signature-256',
      'x-li-signature',
      'x-linkedin-signature',
      'x-linkedin-timestamp',
      'X-Hub-Signature-256',
      'constructor',
      '__proto__',
    );
    const nowSeconds = String(Math.floor(Date.now() / 1000));
    const headerValues = fc.oneof(
      fc.string({ maxLength: 120 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom(
        nowSeconds,
        '0',
        '-1',
        '99999999999999999999',
        'sha256=',
        `sha256=${'0'.repeat(64)}`,
        'v1,',
        `v1,${'A'.repeat(44)}`,
        'MEUCIQ',
        'hmacsha256=',
        'v1,a v1,b v2,c',
        '',
      ),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...METRICS_PROVIDERS),
        fc.dictionary(headerNames, headerValues, { maxKeys: 6 }),
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
          fc.constant(BODIES.sendgrid),
        ),
        fc.constantFrom<string | null>(HMAC, SVIX, keys.publicKey, '', '   ', 'whsec_', 'whsec_!!!', null),
        (provider, headers, body, secret) => {
          const result = verifyWebhookSignature(provider, headers, body, secret);
          expect(result.valid).toBe(false);
          expect(typeof result.error).toBe('string');
          if (secret && secret.trim()) expect(result.error).not.toContain(secret.trim());
        },
      ),
      fcOptions,
    );
  });
});
