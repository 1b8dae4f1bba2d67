// The hot-path twin of normalizedEventSchema (metrics-ingestion.ts): a plain check that accepts
// only events the schema accepts, without copying them. Anything it does not recognise at a glance
// goes to the schema, which then decides and words the rejection, so the two never disagree on
// what is stored (tests/unit/metrics-event-check.test.ts). On a 500-event batch the schema cost
// more server CPU than reading and parsing the body (docs/performance.md).
import { METRICS_CHANNELS, METRICS_EVENT_TYPES, METRICS_PROVIDERS, type NormalizedEvent } from '../metrics-types';

const PROVIDERS = new Set<unknown>(METRICS_PROVIDERS);
const EVENT_TYPES = new Set<unknown>(METRICS_EVENT_TYPES);
const CHANNELS = new Set<unknown>(METRICS_CHANNELS);
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// The form every normaliser writes (Date#toISOString); other valid forms take the schema's path.
const CANONICAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function isString(value: unknown, min: number, max: number): value is string {
  return typeof value === 'string' && value.length >= min && value.length <= max;
}

function isNullableString(value: unknown, min: number, max: number): boolean {
  return value === null || isString(value, min, max);
}

function twoDigits(text: string, at: number): number {
  return (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;
}

/** Milliseconds of a canonical ISO instant, else NaN. */
function canonicalInstantMs(value: unknown): number {
  if (typeof value !== 'string' || !CANONICAL_ISO.test(value)) return NaN;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return NaN;
  // Date.parse rolls February 30th into March and hour 24 into the next day: the parts must survive.
  const date = new Date(ms);
  // Year 0000 is refused by the schema (years 0001..9999); four digits and Z cannot pass 9999.
  const intact =
    date.getUTCFullYear() >= 1 &&
    date.getUTCMonth() + 1 === twoDigits(value, 5) &&
    date.getUTCDate() === twoDigits(value, 8) &&
    date.getUTCHours() === twoDigits(value, 11);
  return intact ? ms : NaN;
}

function isNullableGuid(id: unknown): boolean {
  return id === null || (typeof id === 'string' && GUID.test(id));
}

function isAttribution(value: unknown): boolean {
  if (value === null) return true;
  if (typeof value !== 'object' || Array.isArray(value)) return false;
  const attribution = value as Record<string, unknown>;
  return (
    isString(attribution.circuit_execution_id, 1, 256) && isNullableGuid(attribution.ab_test_id) && isNullableGuid(attribution.variant_id)
  );
}

/**
 * The event's time (ms) when normalizedEventSchema accepts `event` as it is; NaN means "ask the
 * schema". (The time is what the caller checks next, so it is parsed once.)
 */
export function plainlyValidEventTime(event: unknown): number {
  if (typeof event !== 'object' || event === null) return NaN;
  const e = event as Record<string, unknown>;
  const ms = canonicalInstantMs(e.occurred_at);
  return !Number.isNaN(ms) && otherFieldsValid(e) ? ms : NaN;
}

/** True only when normalizedEventSchema accepts `event` as it is; false means "ask the schema". */
export function isPlainlyValidEvent(event: unknown): event is NormalizedEvent {
  return !Number.isNaN(plainlyValidEventTime(event));
}

function otherFieldsValid(e: Record<string, unknown>): boolean {
  const raw = e.raw_payload;
  const quantity = e.quantity;
  return (
    PROVIDERS.has(e.provider) &&
    isString(e.provider_event_id, 1, 512) &&
    isNullableString(e.provider_object_id, 1, 512) &&
    EVENT_TYPES.has(e.event_type) &&
    isString(e.provider_event_type, 0, 128) &&
    CHANNELS.has(e.channel) &&
    typeof quantity === 'number' &&
    Number.isInteger(quantity) &&
    quantity >= -1_000_000 &&
    quantity <= 1_000_000_000 &&
    isNullableString(e.recipient_hash, 0, 128) &&
    isNullableString(e.recipient_identifier, 0, 320) &&
    isAttribution(e.attribution) &&
    typeof raw === 'object' &&
    raw !== null &&
    !Array.isArray(raw)
  );
}
