// Mailgun's body form, signed as Mailgun signs it: `{"signature": {token, timestamp, signature},
// "event-data": {…}}` with signature = hex HMAC-SHA256(signing key, timestamp + token). For tests,
// the simulator and the test-event button; the verify path never imports this file.
import type { ProviderSigner, SignedDelivery, SignInput } from '../kit/definition';
import { hmacSha256, isRecord, sha256Hex } from '../kit/provider';
import { MAILGUN_SCHEMES } from './webhook';

/** Mailgun documents no User-Agent for webhooks: a plain product token. */
export const MAILGUN_USER_AGENT = 'mailgun';
const TOKEN_LENGTH = 50;

const UNSIGNED_PREFIX = /^\{\s*"event-data"\s*:/;

/**
 * The event-data's own text. The unsigned form (`{"event-data": …}`, what samples build) is cut,
 * not re-serialised; a signed body gives its event-data (signing again); any other body (bare
 * event-data, or junk a hostile test wants signed) becomes the event-data as written. Never throws.
 */
export function eventDataText(body: string): string {
  const trimmed = body.trim();
  const prefix = UNSIGNED_PREFIX.exec(trimmed);
  if (prefix !== null && trimmed.endsWith('}')) return trimmed.slice(prefix[0].length, -1).trim();
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (isRecord(parsed) && Object.hasOwn(parsed, 'event-data')) return JSON.stringify(parsed['event-data']) ?? 'null';
  } catch {
    // Not JSON: signed as it is.
  }
  return trimmed === '' ? '{}' : trimmed;
}

/**
 * Mailgun's tokens are 50 random characters. Derived here from the time and the event, so the
 * same delivery signed at the same second is byte-identical (a retry), and any other differs.
 */
export function mailgunToken(timestampSeconds: number, eventDataJson: string): string {
  return sha256Hex(`${timestampSeconds}|${eventDataJson}`).slice(0, TOKEN_LENGTH);
}

export function mailgunSignature(key: string, timestamp: string, token: string): string {
  return hmacSha256(key, timestamp, token).toString('hex');
}

function deliver(body: string, scheme: string): SignedDelivery {
  return { body, headers: { 'content-type': 'application/json', 'user-agent': MAILGUN_USER_AGENT }, scheme };
}

export const mailgunSigner: ProviderSigner = {
  userAgent: MAILGUN_USER_AGENT,
  sign(input: SignInput): SignedDelivery {
    const eventData = eventDataText(input.body);
    const seconds = Math.floor(input.timestampSeconds);
    const timestamp = String(seconds);
    const token = input.deliveryId ?? mailgunToken(seconds, eventData);
    const block = { token, timestamp, signature: mailgunSignature(input.secret, timestamp, token) };
    // Mailgun sends the signature block first, the timestamp as a string.
    return deliver(`{"signature":${JSON.stringify(block)},"event-data":${eventData}}`, MAILGUN_SCHEMES.signature);
  },
  unsigned(input: Omit<SignInput, 'secret'>): SignedDelivery {
    return deliver(`{"event-data":${eventDataText(input.body)}}`, 'unsigned');
  },
};
