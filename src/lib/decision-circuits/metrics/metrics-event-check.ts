// The hot-path twin of normalizedEventSchema (metrics-ingestion.ts): a plain check that accepts
// only events the schema accepts, without copying them. Anything it does not recognise at a glance
// goes to the schema, which then decides and words the rejection, so the two never disagree on
// what is stored (tests/unit/metrics-event-check.test.ts). On a 500-event batch the schema cost
// more server CPU than reading and parsing the body (docs/performance.md).
import { METRICS_CHANNELS, METRICS_EVENT_TYPES, type NormalizedEvent } from './metrics-types';
import { METRICS_PROVIDERS } from './providers/ids';

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

function isCanonicalInstant(value: unknown): boolean {
  if (typeof value !== 'string' || !CANONICAL_ISO.test(value)) return false;
  const ms = Date.parse(value);
  // The round trip refuses dates the pattern lets through (February 30th, hour 24).
  return !Number.isNaN(ms) && new Date(ms).toISOString() === value;
}

function isAttribution(value: unknown): boolean {
  if (value === null) return true;
  if (typeof value !== 'object' || Array.isArray(value)) return false;
  const attribution = value as Record<string, unknown>;
  const nullableGuid = (id: unknown) => id === null || (typeof id === 'string' && GUID.test(id));
  return isString(attribution.circuit_execution_id, 1, 256) && nullableGuid(attribution.ab_test_id) && nullableGuid(attribution.variant_id);
}

/** True only when normalizedEventSchema accepts `event` as it is; false means "ask the schema". */
export function isPlainlyValidEvent(event: unknown): event is NormalizedEvent {
  if (typeof event !== 'object' || event === null) return false;
  const e = event as Record<string, unknown>;
  const raw = e.raw_payload;
  const quantity = e.quantity;
  return (
    PROVIDERS.has(e.provider) &&
    isString(e.provider_event_id, 1, 512) &&
    isNullableString(e.provider_object_id, 1, 512) &&
    EVENT_TYPES.has(e.event_type) &&
    isString(e.provider_event_type, 0, 128) &&
    CHANNELS.has(e.channel) &&
    isCanonicalInstant(e.occurred_at) &&
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
