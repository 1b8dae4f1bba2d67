import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { PROVIDER_EVENT_MAPPINGS } from '../../../src/lib/decision-circuits/metrics/providers/registry';
import {
  canonicalJson,
  checkTimestampTolerance,
  decodeMac,
  deterministicId,
  extractAddress,
  getHeader,
  hashEmail,
  mapEventType,
  parseTimestamp,
  readSelfAttribution,
  safeEqual,
  safeEqualString,
  withEmailHashesMemoised,
} from '../../../src/lib/decision-circuits/metrics/providers/kit/provider';

describe('getHeader', () => {
  it('finds a header regardless of case in a plain object', () => {
    expect(getHeader({ 'X-Hub-Signature-256': 'sha256=ab' }, 'x-hub-signature-256')).toBe('sha256=ab');
    expect(getHeader({ 'svix-id': 'msg_1' }, 'SVIX-ID')).toBe('msg_1');
  });

  it('finds a header in a fetch Headers instance', () => {
    expect(getHeader(new Headers({ 'X-LI-Signature': 'abc' }), 'x-li-signature')).toBe('abc');
  });

  it('treats absent, undefined and blank headers as missing', () => {
    expect(getHeader({}, 'svix-id')).toBeNull();
    expect(getHeader({ 'svix-id': undefined }, 'svix-id')).toBeNull();
    expect(getHeader({ 'svix-id': '   ' }, 'svix-id')).toBeNull();
  });
});

describe('safeEqual', () => {
  it('is true only for identical non-empty byte strings', () => {
    expect(safeEqual(Buffer.from('abc'), Buffer.from('abc'))).toBe(true);
    expect(safeEqual(Buffer.from('abc'), Buffer.from('abd'))).toBe(false);
    expect(safeEqual(Buffer.from('abc'), Buffer.from('abcd'))).toBe(false);
    expect(safeEqual(Buffer.alloc(0), Buffer.alloc(0))).toBe(false);
    expect(safeEqualString('token', 'token')).toBe(true);
    expect(safeEqualString('token', 'tokens')).toBe(false);
  });
});

describe('decodeMac', () => {
  it('reads 64-char hex and base64, and refuses anything else', () => {
    const mac = createHash('sha256').update('x').digest();
    expect(decodeMac(mac.toString('hex'))).toEqual(mac);
    expect(decodeMac(mac.toString('base64'))).toEqual(mac);
    expect(decodeMac('not a mac!')).toBeNull();
  });
});

describe('parseTimestamp', () => {
  it('reads epoch seconds and epoch milliseconds (> 10^12) as UTC', () => {
    expect(parseTimestamp(1719901146)).toBe('2024-07-02T06:19:06.000Z');
    expect(parseTimestamp(1719901146123)).toBe('2024-07-02T06:19:06.123Z');
    expect(parseTimestamp('1719901146')).toBe('2024-07-02T06:19:06.000Z');
  });

  it('reads ISO-8601 and Resend API timestamps with offsets', () => {
    expect(parseTimestamp('2025-03-02T10:15:07.311Z')).toBe('2025-03-02T10:15:07.311Z');
    expect(parseTimestamp('2025-03-02T11:15:07.311+01:00')).toBe('2025-03-02T10:15:07.311Z');
    expect(parseTimestamp('2023-04-03 22:13:42.674981+00')).toBe('2023-04-03T22:13:42.674Z');
  });

  it('returns null for values that are not timestamps', () => {
    for (const value of [null, undefined, '', 'hello', '1', 0, -5, Number.NaN, Infinity, 1e20, {}, [], true]) {
      expect(parseTimestamp(value)).toBeNull();
    }
  });
});

describe('checkTimestampTolerance', () => {
  const now = new Date('2025-01-01T00:00:00Z');
  const seconds = now.getTime() / 1000;
  const outside = { valid: false, reason: 'timestamp_out_of_tolerance', error: 'Timestamp outside tolerance' };

  it('accepts timestamps within five minutes either way and rejects beyond', () => {
    expect(checkTimestampTolerance(String(seconds - 299), now)).toBeNull();
    expect(checkTimestampTolerance(String(seconds + 299), now)).toBeNull();
    expect(checkTimestampTolerance(String(seconds - 301), now)).toEqual(outside);
    expect(checkTimestampTolerance(String(seconds + 301), now)).toEqual(outside);
  });

  it('rejects non-numeric timestamps and reads milliseconds only when allowed', () => {
    expect(checkTimestampTolerance('hello', now)).toEqual({ valid: false, reason: 'invalid_timestamp', error: 'Invalid timestamp header' });
    expect(checkTimestampTolerance(String(now.getTime()), now)).toEqual(outside);
    expect(checkTimestampTolerance(String(now.getTime()), now, 300, true)).toBeNull();
  });
});

describe('hashing', () => {
  it('hashes emails as sha256 of the trimmed lower-cased address', () => {
    const expected = createHash('sha256').update('ann@example.org').digest('hex');
    expect(hashEmail('  Ann@Example.ORG ')).toBe(expected);
  });

  it('hashes each address of a delivery once, and each to its own digest', () => {
    const sha = (address: string) => createHash('sha256').update(address).digest('hex');
    const addresses = ['ann@example.org', ' ANN@example.org', 'bob@example.org', 'ann@example.org', 'cy@example.org'];
    const digests = withEmailHashesMemoised(() => addresses.map(hashEmail));
    expect(digests).toEqual([
      sha('ann@example.org'),
      sha('ann@example.org'),
      sha('bob@example.org'),
      sha('ann@example.org'),
      sha('cy@example.org'),
    ]);
    // Nested scopes share the outer memo; a throw ends the scope, and the next one starts afresh.
    expect(withEmailHashesMemoised(() => withEmailHashesMemoised(() => hashEmail('Bob@example.org')))).toBe(sha('bob@example.org'));
    expect(() =>
      withEmailHashesMemoised(() => {
        hashEmail('dee@example.org');
        throw new Error('normaliser bug');
      }),
    ).toThrow('normaliser bug');
    expect(withEmailHashesMemoised(() => hashEmail('dee@example.org'))).toBe(sha('dee@example.org'));
    expect(hashEmail('eve@example.org')).toBe(sha('eve@example.org'));
  });

  it('produces the same canonical JSON and id whatever the key order', () => {
    const a = { b: 1, a: [{ y: 2, x: 1 }], c: null };
    const b = { c: null, a: [{ x: 1, y: 2 }], b: 1 };
    expect(canonicalJson(a)).toBe('{"a":[{"x":1,"y":2}],"b":1,"c":null}');
    expect(deterministicId(canonicalJson(a))).toBe(deterministicId(canonicalJson(b)));
    expect(deterministicId('x')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('payload readers', () => {
  it('extracts the address from a display-name form', () => {
    expect(extractAddress('Ann Example <ann@example.org>')).toBe('ann@example.org');
    expect(extractAddress('ann@example.org')).toBe('ann@example.org');
    expect(extractAddress(42)).toBeNull();
  });

  it('maps only own keys of the event table, so prototype names are provider_only', () => {
    expect(mapEventType(PROVIDER_EVENT_MAPPINGS.sendgrid, 'delivered')).toBe('email_delivered');
    expect(mapEventType(PROVIDER_EVENT_MAPPINGS.sendgrid, 'constructor')).toBe('provider_only');
    expect(mapEventType(PROVIDER_EVENT_MAPPINGS.linkedin, '__proto__')).toBe('provider_only');
  });

  it('self-attributes only with a circuit id, keeping A/B ids only when they are UUIDs', () => {
    expect(readSelfAttribution({ ab_test_id: '2f1c7d5e-8a9b-4c3d-9e2f-1a2b3c4d5e6f' })).toBeNull();
    expect(readSelfAttribution({ circuit_execution_id: '  ' })).toBeNull();
    expect(readSelfAttribution({ circuit_execution_id: 42 })).toBeNull();
    expect(
      readSelfAttribution({ circuit_execution_id: 'ce_1', ab_test_id: 'nope', variant_id: '9B8A7C6D-5E4F-4A3B-8C2D-1E0F9A8B7C6D' }),
    ).toEqual({ circuit_execution_id: 'ce_1', ab_test_id: null, variant_id: '9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d' });
  });
});
