// Mailgun webhooks: one event per POST, `{"signature": {timestamp, token, signature}, "event-data": {…}}`,
// signed with the account's HTTP webhook signing key as hex HMAC-SHA256(key, timestamp + token).
import { SIGNATURE_TOLERANCE_SECONDS, type NormalizedEvent, type VerificationFailed, type VerificationResult } from '../../metrics-types';
import {
  addItem,
  canonicalJson,
  deterministicId,
  extractAddress,
  fail,
  hmacSha256,
  isRecord,
  isTooLong,
  makeEvent,
  mapEventType,
  occurredAt,
  pass,
  readSelfAttribution,
  readString,
  recipientFields,
  redactAddress,
  rejectWhole,
  safeEqual,
  sha256Hex,
  toBytes,
  type EnvBag,
  type MetricsProviderModule,
  type NormalizeContext,
  type NormalizeResult,
  type ProviderSecret,
  type VerifyInput,
} from '../kit/provider';
import { classifyMailgunEngagement } from './engagement';
import { MAILGUN, mailgunEventKey } from './facts';

export const MAILGUN_SCHEMES = { signature: 'hmac-sha256', parent: 'hmac-sha256-parent' } as const;
export const MAILGUN_SIGNING_KEY_ENV = 'MAILGUN_WEBHOOK_SIGNING_KEY';

/**
 * How old a signature may be. Mailgun retries a failed delivery for 8 hours (5 min, 10 min,
 * 15 min, 1 h, 2 h, 4 h) and its documentation does not say that a retry is signed again; those
 * who integrate it report the signature block is the original one. Five minutes would turn every
 * retry into a refusal (and Mailgun warns against an aggressive check), so the limit covers the
 * retry schedule plus an hour for delays before the first attempt.
 */
export const MAILGUN_SIGNATURE_MAX_AGE_SECONDS = 9 * 60 * 60;
/** A timestamp ahead of our clock can only be clock skew: the usual five minutes. */
export const MAILGUN_SIGNATURE_MAX_SKEW_SECONDS = SIGNATURE_TOLERANCE_SECONDS;

const HEX_SHA256 = /^[0-9a-f]{64}$/i;
const UNIX_SECONDS = /^\d{1,12}$/;
/** Mailgun's tokens are 50 characters; anything far longer is not one. */
const MAX_TOKEN_LENGTH = 256;

interface SignatureBlock {
  timestamp: string;
  token: string;
  candidates: { value: string; scheme: string }[];
  eventData: unknown;
}

function parseBody(rawBody: Uint8Array | string): unknown {
  try {
    return JSON.parse(toBytes(rawBody).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** The body's signature block and event-data, or why they cannot be read. */
function readSignatureBlock(body: unknown): SignatureBlock | VerificationFailed {
  if (body === undefined) return fail('other', 'Body is not JSON');
  if (!isRecord(body)) return fail('other', 'Expected a JSON object with signature and event-data');
  const block = body.signature;
  if (!isRecord(block)) return fail('missing_signature', 'Missing signature object');
  const rawTimestamp = block.timestamp;
  if (rawTimestamp === undefined || rawTimestamp === null || rawTimestamp === '') return fail('missing_timestamp', 'Missing timestamp');
  // Documented as an integer, sent as a string: the MAC covers the digits either way.
  const timestamp = typeof rawTimestamp === 'number' && Number.isSafeInteger(rawTimestamp) ? String(rawTimestamp) : rawTimestamp;
  if (typeof timestamp !== 'string' || !UNIX_SECONDS.test(timestamp)) return fail('invalid_timestamp', 'Invalid timestamp');
  const token = readString(block.token);
  if (token === null) return fail('other', 'Missing token');
  if (token.length > MAX_TOKEN_LENGTH) return fail('malformed_signature', 'Malformed token');
  // parent-signature: events of a subaccount are also signed with the parent account's key.
  const candidates: { value: string; scheme: string }[] = [];
  for (const [field, scheme] of [
    ['signature', MAILGUN_SCHEMES.signature],
    ['parent-signature', MAILGUN_SCHEMES.parent],
  ] as const) {
    const value = block[field];
    if (typeof value === 'string' && value !== '') candidates.push({ value, scheme });
  }
  if (candidates.length === 0) return fail('missing_signature', 'Missing signature');
  // What the event-data holds is normalize's to judge: a signed block with a wrong shape beside
  // it is a 202 with a rejection, not a verification failure. Its digest binds it all the same.
  return { timestamp, token, candidates, eventData: body['event-data'] };
}

function ageProblem(timestamp: string, now: Date): VerificationFailed | null {
  const age = now.getTime() / 1000 - Number(timestamp);
  return age > MAILGUN_SIGNATURE_MAX_AGE_SECONDS || -age > MAILGUN_SIGNATURE_MAX_SKEW_SECONDS
    ? fail('timestamp_out_of_tolerance', 'Timestamp outside tolerance')
    : null;
}

/** The route refuses JSON nested deeper than this (src/lib/http/body.ts) before storing anything. */
const MAX_CANONICAL_DEPTH = 64;

/** Whether `value` nests deeper than `limit`, found without recursion (the body may be hostile). */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, depth] = item;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * sha256 of the event-data in canonical form (hex, 128 bits), so the same event re-serialised
 * still matches. Event-data too deep to canonicalise (refused by the route anyway) is digested
 * as raw bytes.
 */
export function eventDataDigest(eventData: unknown, rawBody: Uint8Array | string): string {
  if (nestsDeeperThan(eventData, MAX_CANONICAL_DEPTH)) return sha256Hex(toBytes(rawBody)).slice(0, 32);
  return sha256Hex(canonicalJson(eventData)).slice(0, 32);
}

/** What identifies a signature block without storing a usable signature. */
export function signatureBlockHash(timestamp: string, token: string, signature: string): string {
  return sha256Hex(`mailgun\n${timestamp}\n${token}\n${signature.toLowerCase()}`);
}

/**
 * Checks the MAC and its age. The block it returns is what stops a replay: the ingest call
 * records it per workspace with the event-data's digest and refuses it with other event-data
 * (401 `replayed_signature`) on every instance, while the identical delivery sent again (Mailgun
 * retrying after a failed answer, or the same event posted to a second URL) still passes and the
 * ledger's dedup by event id makes storing it again a no-op.
 */
export function verifyMailgun(input: VerifyInput, secret: ProviderSecret): VerificationResult {
  try {
    const key = secret.value.trim();
    if (key === '') return fail('secret_not_configured', 'Webhook secret not configured');
    const block = readSignatureBlock(parseBody(input.rawBody));
    if (!('candidates' in block)) return block;

    const expected = hmacSha256(key, block.timestamp, block.token);
    const matched = block.candidates.find((c) => HEX_SHA256.test(c.value) && safeEqual(Buffer.from(c.value, 'hex'), expected));
    if (matched === undefined) {
      return block.candidates.some((c) => HEX_SHA256.test(c.value))
        ? fail('signature_mismatch', 'Signature mismatch')
        : fail('malformed_signature', 'Malformed signature');
    }
    const now = input.now ?? new Date();
    const stale = ageProblem(block.timestamp, now);
    if (stale !== null) return stale;

    // Kept while the signature is valid: after that it cannot verify anyway.
    const expiresAtMs = (Number(block.timestamp) + MAILGUN_SIGNATURE_MAX_AGE_SECONDS) * 1000;
    return {
      ...pass(matched.scheme),
      signatureBlock: {
        block: signatureBlockHash(block.timestamp, block.token, matched.value),
        digest: eventDataDigest(block.eventData, input.rawBody),
        expires_at: new Date(expiresAtMs).toISOString(),
      },
    };
  } catch {
    return fail('other', 'Signature verification failed');
  }
}

function readSecret(env: EnvBag): ProviderSecret | null {
  const value = readString(env[MAILGUN_SIGNING_KEY_ENV])?.trim() ?? null;
  return value === null ? null : { kind: 'hmac', value };
}

/** `<id@domain>` (what the send API returns) and `id@domain` (what events carry) → `id@domain`. */
export function normalizeMessageId(value: unknown): string | null {
  const raw = readString(value);
  if (raw === null) return null;
  const bare = raw.trim().replace(/^<\s*/, '').replace(/\s*>$/, '').trim();
  return bare === '' ? null : bare;
}

function messageIdOf(eventData: Readonly<Record<string, unknown>>): string | null {
  const message = isRecord(eventData.message) ? eventData.message : null;
  const headers = message !== null && isRecord(message.headers) ? message.headers : null;
  return headers === null ? null : normalizeMessageId(headers['message-id']);
}

/** An address list header (`Ann <ann@example.org>, bob@example.org`), each address redacted. */
function redactAddressList(value: unknown): unknown {
  if (typeof value !== 'string') return redactAddress(value);
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => redactAddress(part))
    .join(', ');
}

/** event-data with the recipient's addresses hashed (the sender's own `from` is kept). */
function redactEventData(eventData: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...eventData };
  if (Object.hasOwn(copy, 'recipient')) copy.recipient = redactAddress(copy.recipient);
  if (isRecord(copy.envelope) && Object.hasOwn(copy.envelope, 'targets')) {
    copy.envelope = { ...copy.envelope, targets: redactAddressList(copy.envelope.targets) };
  }
  if (isRecord(copy.message)) {
    const message: Record<string, unknown> = { ...copy.message };
    if (isRecord(message.headers)) {
      const headers: Record<string, unknown> = { ...message.headers };
      for (const name of ['to', 'cc', 'bcc']) if (Object.hasOwn(headers, name)) headers[name] = redactAddressList(headers[name]);
      message.headers = headers;
    }
    if (Array.isArray(message.recipients)) message.recipients = message.recipients.map((item: unknown) => redactAddress(item));
    copy.message = message;
  }
  return copy;
}

function normalizeEventData(eventData: Readonly<Record<string, unknown>>, ctx: NormalizeContext): NormalizedEvent | string {
  const name = readString(eventData.event);
  if (name === null) return 'Missing event name';
  if (isTooLong(name)) return 'Event name too long';
  const eventId = readString(eventData.id);
  if (isTooLong(eventId)) return 'Event id too long';
  const messageId = messageIdOf(eventData);
  if (isTooLong(messageId)) return 'Message id too long';
  const severity = readString(eventData.severity);
  // Mailgun's names never hold a colon; one that does must not reach the composite `failed:` keys.
  const eventType = name.includes(':')
    ? 'provider_only'
    : mapEventType(MAILGUN.events, mailgunEventKey(name, severity?.toLowerCase() ?? null));
  const variables = eventData['user-variables'];

  return makeEvent(MAILGUN, {
    // Mailgun's event id is the same in webhooks and the Events API; hash the event where absent.
    provider_event_id: eventId ?? deterministicId(`mailgun|${canonicalJson(eventData)}`),
    provider_object_id: messageId,
    event_type: eventType,
    provider_event_type: name,
    occurred_at: occurredAt([eventData.timestamp], ctx),
    quantity: 1,
    ...recipientFields(extractAddress(eventData.recipient), ctx),
    // Custom variables set at send (X-Mailgun-Variables / v: parameters); an empty set is `[]`.
    attribution: isRecord(variables) ? readSelfAttribution(variables) : null,
    engagement: classifyMailgunEngagement(eventType, eventData),
    // The signature block is never stored: its token could be replayed while it is valid.
    raw_payload: ctx.storeRawEmail ? { ...eventData } : redactEventData(eventData),
  });
}

function normalizeMailgun(payload: unknown, ctx: NormalizeContext): NormalizeResult {
  if (!isRecord(payload) || !isRecord(payload['event-data'])) return rejectWhole('Expected a Mailgun webhook body with event-data');
  const eventData = payload['event-data'];
  const result: NormalizeResult = { events: [], rejected: [] };
  addItem(result, 0, () => normalizeEventData(eventData, ctx));
  return result;
}

export function createMailgunWebhook(): MetricsProviderModule {
  return {
    provider: MAILGUN.id,
    channel: MAILGUN.channel,
    secretEnvVars: [MAILGUN_SIGNING_KEY_ENV],
    readSecret,
    secretFromString: (value) => ({ kind: 'hmac', value }),
    verify: verifyMailgun,
    normalize: normalizeMailgun,
  };
}

export const mailgunWebhook = createMailgunWebhook();
