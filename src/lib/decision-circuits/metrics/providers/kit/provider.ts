// The provider plug-in contract and the small helpers every provider module shares.
import { createHmac, hash, timingSafeEqual } from 'node:crypto';

import {
  SIGNATURE_TOLERANCE_SECONDS,
  type HeaderBag,
  type MetricsChannel,
  type MetricsEventType,
  type MetricsProvider,
  type NormalizedEvent,
  type SelfAttribution,
  type VerificationFailed,
  type VerificationFailureReason,
  type VerificationPassed,
  type VerificationResult,
} from '../../metrics-types';

/** What a connection's stored verification material is (metrics_provider_connections.secret_kind). */
export const STORED_SECRET_KINDS = ['hmac_secret', 'ecdsa_p256_public_key'] as const;
export type StoredSecretKind = (typeof STORED_SECRET_KINDS)[number];

/**
 * A configured verification secret. `kind` is one of the provider's own `secretKinds` (its facts
 * name and label them); `value` is the primary one; SendGrid may also carry the notes' HMAC secret
 * in `hmacSecret` next to its ECDSA public key, and then either scheme may validate.
 */
export interface ProviderSecret {
  kind: string;
  value: string;
  hmacSecret?: string;
}

export type EnvBag = Readonly<Record<string, string | undefined>>;

export interface VerifyInput {
  headers: HeaderBag;
  rawBody: Uint8Array | string;
  now?: Date;
}

export interface HandshakeAnswer {
  status: number;
  body: string;
  contentType: string;
}

export interface NormalizeContext {
  receivedAt: Date;
  /** Transport-level delivery id (Resend: svix-id), the dedup key where the body has none. */
  deliveryId?: string | null;
  /** METRICS_STORE_RAW_EMAIL=true: keep raw addresses in raw_payload and recipient_identifier. */
  storeRawEmail: boolean;
}

/**
 * `index` is the zero-based position of the rejected item in document order: the batch element
 * (SendGrid, LinkedIn), the change counted across all entries (Meta), or 0 for the whole payload.
 */
export interface NormalizeResult {
  events: NormalizedEvent[];
  rejected: { index: number; reason: string }[];
}

export interface MetricsProviderModule {
  provider: MetricsProvider;
  channel: MetricsChannel;
  /** Env vars holding the signing secret, in precedence order. */
  secretEnvVars: readonly string[];
  /** Env vars read only by the GET handshake (e.g. Meta's verify token). */
  handshakeEnvVars?: readonly string[];
  readSecret(env: EnvBag): ProviderSecret | null;
  /** Interprets a bare secret string (the release notes' `getProviderSecret(): string` shape). */
  secretFromString(value: string): ProviderSecret;
  /**
   * A connection's secret with the kind stored beside it (null: stored before kinds were);
   * providers with one kind of material leave it to secretFromString.
   */
  secretFromStored?(value: string, kind: StoredSecretKind | null): ProviderSecret;
  /** Never throws. */
  verify(input: VerifyInput, secret: ProviderSecret): VerificationResult;
  /** `null` = not a handshake request for this provider. */
  handshake?(query: URLSearchParams, env: EnvBag): HandshakeAnswer | null;
  /** Never throws, whatever JSON value it is given. */
  normalize(payload: unknown, ctx: NormalizeContext): NormalizeResult;
  /**
   * Providers signed by the deployment's one app secret (Meta, LinkedIn): the account a normalised
   * event concerns (page, Instagram account, organization), so it goes to the workspace that owns
   * that account; null when it names none.
   */
  accountOf?(event: NormalizedEvent): string | null;
}

/** Provider ids and names longer than this are rejected rather than stored as keys. */
export const MAX_PROVIDER_ID_LENGTH = 512;

// ---------- headers, bytes, MACs ----------

function isHeadersLike(headers: HeaderBag): headers is Headers {
  return typeof (headers as { get?: unknown }).get === 'function';
}

/** Case-insensitive header lookup; returns the trimmed value or null when absent/empty. */
export function getHeader(headers: HeaderBag, name: string): string | null {
  let value: string | null | undefined;
  if (isHeadersLike(headers)) {
    value = headers.get(name);
  } else {
    const wanted = name.toLowerCase();
    for (const [key, candidate] of Object.entries(headers)) {
      if (key.toLowerCase() === wanted && typeof candidate === 'string') {
        value = candidate;
        break;
      }
    }
  }
  const trimmed = typeof value === 'string' ? value.trim() : '';
  return trimmed === '' ? null : trimmed;
}

/** First present header among several names (e.g. `svix-id`, then `webhook-id`). */
export function getFirstHeader(headers: HeaderBag, names: readonly string[]): string | null {
  for (const name of names) {
    const value = getHeader(headers, name);
    if (value !== null) return value;
  }
  return null;
}

export function toBytes(data: Uint8Array | string): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Constant-time equality; unequal lengths are simply unequal (length is not secret). */
export function safeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength || a.byteLength === 0) return false;
  return timingSafeEqual(a, b);
}

export function safeEqualString(a: string, b: string): boolean {
  return safeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** HMAC-SHA256 over the concatenation of `parts`, without copying the body. */
export function hmacSha256(key: string | Uint8Array, ...parts: (string | Uint8Array)[]): Buffer {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(typeof part === 'string' ? Buffer.from(part, 'utf8') : part);
  return mac.digest();
}

const HEX_SHA256 = /^[0-9a-f]{64}$/i;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** Decodes a MAC given as 64 hex chars or base64/base64url; null when it is neither. */
export function decodeMac(value: string): Buffer | null {
  if (HEX_SHA256.test(value)) return Buffer.from(value, 'hex');
  if (BASE64.test(value)) return Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64');
  return null;
}

/** A refusal: the code callers act on, and the words for whoever reads the log. */
export const fail = (reason: VerificationFailureReason, error: string): VerificationFailed => ({ valid: false, reason, error });
export const pass = (scheme: string): VerificationPassed => ({ valid: true, scheme });

/**
 * Checks a Unix timestamp header against `now` in both directions.
 * Returns the refusal, or null when the timestamp is acceptable.
 */
export function checkTimestampTolerance(
  header: string,
  now: Date,
  toleranceSeconds: number = SIGNATURE_TOLERANCE_SECONDS,
  allowMilliseconds = false,
): VerificationFailed | null {
  if (!/^\d{1,16}$/.test(header)) return fail('invalid_timestamp', 'Invalid timestamp header');
  let seconds = Number(header);
  if (allowMilliseconds && seconds > 1e12) seconds /= 1000;
  return Math.abs(now.getTime() / 1000 - seconds) > toleranceSeconds
    ? fail('timestamp_out_of_tolerance', 'Timestamp outside tolerance')
    : null;
}

// ---------- hashing and ids ----------

export function sha256Hex(input: string | Uint8Array): string {
  // One-shot hash: a fifth of createHash().update().digest()'s cost, paid twice per email event.
  return hash('sha256', input, 'hex');
}

/** Hashes already computed for the delivery being normalised (withEmailHashesMemoised); else null. */
let emailHashMemo: Map<string, string> | null = null;

/** sha256(lower(trim(email))) hex: the only form recipients are stored in by default. */
export function hashEmail(email: string): string {
  const normalised = email.trim().toLowerCase();
  if (emailHashMemo === null) return sha256Hex(normalised);
  let digest = emailHashMemo.get(normalised);
  if (digest === undefined) {
    digest = sha256Hex(normalised);
    emailHashMemo.set(normalised, digest);
  }
  return digest;
}

/**
 * Runs a (synchronous) normaliser with each address hashed once: a batch names each recipient in
 * every event of their message, and each event hashed it twice (recipient_hash and the redacted
 * raw payload), 1,000 hashes for a 500-event batch of 100 messages instead of 100. The memo lives
 * for this call only, so no address outlives the delivery it came in.
 */
export function withEmailHashesMemoised<T>(run: () => T): T {
  if (emailHashMemo !== null) return run();
  emailHashMemo = new Map();
  try {
    return run();
  } finally {
    emailHashMemo = null;
  }
}

/** JSON with object keys sorted at every level, so equal values always hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  return 'null';
}

/** Dedup key where a provider sends none: sha256 hex of a canonical string. */
export function deterministicId(canonical: string): string {
  return sha256Hex(canonical);
}

// ---------- timestamps ----------

const ISO_LIKE = /^\d{4}-\d{2}-\d{2}/;
// Event times outside 2000..2100 are garbage (e.g. `send_at: 0`); callers fall back to receive time.
const MIN_EVENT_MS = Date.UTC(2000, 0, 1);
const MAX_EVENT_MS = Date.UTC(2100, 0, 1);

/**
 * Epoch seconds, epoch milliseconds (> 10^12) or an ISO-8601 string → ISO UTC, else null
 * (also null outside 2000..2100).
 * Resend's API form `2023-04-03 22:13:42.674981+00` is accepted too.
 */
export function parseTimestamp(value: unknown): string | null {
  let ms: number;
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()))) {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) return null;
    ms = n > 1e12 ? n : n * 1000;
  } else if (typeof value === 'string' && ISO_LIKE.test(value.trim())) {
    ms = Date.parse(value.trim());
  } else {
    return null;
  }
  if (!Number.isFinite(ms) || ms < MIN_EVENT_MS || ms >= MAX_EVENT_MS) return null;
  return new Date(Math.round(ms)).toISOString();
}

// ---------- payload reading ----------

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Non-empty string, else null. */
export function readString(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

export function isTooLong(value: string | null): boolean {
  return value !== null && value.length > MAX_PROVIDER_ID_LENGTH;
}

/** Looks up a provider's event table with own keys only (`constructor` is not an event). */
export function mapEventType(events: Readonly<Record<string, MetricsEventType>>, key: string): MetricsEventType {
  return Object.hasOwn(events, key) ? (events[key] as MetricsEventType) : 'provider_only';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Self-attribution from custom args / tags; only when circuit_execution_id is a usable string. */
export function readSelfAttribution(source: Record<string, unknown>): SelfAttribution | null {
  const circuit = readString(source.circuit_execution_id)?.trim() ?? null;
  if (circuit === null || isTooLong(circuit)) return null;
  const uuidOrNull = (value: unknown): string | null =>
    typeof value === 'string' && UUID.test(value.trim()) ? value.trim().toLowerCase() : null;
  return {
    circuit_execution_id: circuit,
    ab_test_id: uuidOrNull(source.ab_test_id),
    variant_id: uuidOrNull(source.variant_id),
  };
}

/** `Ann <ann@example.org>` → `ann@example.org`; plain addresses unchanged; null if empty. */
export function extractAddress(value: unknown): string | null {
  const raw = readString(value);
  if (raw === null) return null;
  const angled = /<([^<>]+)>\s*$/.exec(raw);
  const address = (angled?.[1] ?? raw).trim();
  return address === '' ? null : address;
}

/** Stored form of an address in raw_payload when raw email storage is off. */
export function redactAddress(value: unknown): unknown {
  const address = extractAddress(value);
  return address === null ? value : `sha256:${hashEmail(address)}`;
}

export interface RecipientFields {
  recipient_hash: string | null;
  recipient_identifier: string | null;
}

export function recipientFields(address: string | null, ctx: NormalizeContext): RecipientFields {
  if (address === null) return { recipient_hash: null, recipient_identifier: null };
  return { recipient_hash: hashEmail(address), recipient_identifier: ctx.storeRawEmail ? address : null };
}

/** Falls back to the receive time when the event's own time is missing or unreadable. */
export function occurredAt(candidates: readonly unknown[], ctx: NormalizeContext): string {
  for (const candidate of candidates) {
    const iso = parseTimestamp(candidate);
    if (iso !== null) return iso;
  }
  return ctx.receivedAt.toISOString();
}

type EventFields = Omit<NormalizedEvent, 'provider' | 'channel'>;

export function makeEvent(facts: { id: MetricsProvider; channel: MetricsChannel }, fields: EventFields): NormalizedEvent {
  return { provider: facts.id, channel: facts.channel, ...fields };
}

/**
 * Runs one item's normaliser: a string result is a rejection reason, null means "nothing to emit".
 * A throw (e.g. absurdly deep JSON) rejects that item only, so the rest of the batch survives.
 */
export function addItem(result: NormalizeResult, index: number, produce: () => NormalizedEvent | string | null): void {
  try {
    const outcome = produce();
    if (typeof outcome === 'string') result.rejected.push({ index, reason: outcome });
    else if (outcome !== null) result.events.push(outcome);
  } catch {
    result.rejected.push({ index, reason: 'Unreadable event' });
  }
}

/** Result for a payload that is entirely the wrong shape. */
export function rejectWhole(reason: string): NormalizeResult {
  return { events: [], rejected: [{ index: 0, reason }] };
}
