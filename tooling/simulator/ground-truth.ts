// What the app should have counted for a simulated campaign (the ground truth), and how it
// compares to the rollups the app reports.
import {
  ROLLUP_COUNTERS,
  UNIQUE_COUNTER_OF,
  type EventCounter,
  type MetricsChannel,
  type MetricsProvider,
  type RollupCounter,
  type RollupCounters,
} from '../../src/lib/decision-circuits/metrics/metrics-types';
import { objectKey, type CampaignPlan, type SimEngagement, type SimEvent, type SimObject, type SimVariant } from './campaign-model';
import { hourBucket } from '../../src/lib/random/seeded-rng';

export interface RollupKey {
  circuit_execution_id: string;
  ab_test_id: string | null;
  variant_id: string | null;
  channel: MetricsChannel;
  time_bucket: string;
}

export type ExpectedRollup = RollupKey & RollupCounters;

/** What the app acknowledged (2xx), index-aligned with the plan; absent = everything was. */
export interface Acknowledgements {
  deliveries: readonly boolean[];
  registrations: readonly boolean[];
}

function emptyCounters(): RollupCounters {
  return Object.fromEntries(ROLLUP_COUNTERS.map((counter) => [counter, 0])) as RollupCounters;
}

export function rollupKeyString(key: RollupKey): string {
  const bucket = new Date(key.time_bucket).toISOString();
  return [key.circuit_execution_id, key.ab_test_id ?? '', key.variant_id ?? '', key.channel, bucket].join('|');
}

/** Objects whose mapping the app knows: registered through the API, or carried by their own events. */
function mappedObjects(plan: CampaignPlan, acks?: Acknowledgements): Map<string, SimObject> {
  const registered = new Set<string>();
  plan.registrations.forEach((registration, index) => {
    if (acks && !acks.registrations[index]) return;
    for (const m of registration.mappings) registered.add(objectKey(m.provider, m.provider_object_id));
  });
  const mapped = new Map<string, SimObject>();
  for (const object of plan.objects) {
    const key = objectKey(object.provider, object.objectId);
    if (object.variantKey !== null && (registered.has(key) || object.selfAttributed)) mapped.set(key, object);
  }
  return mapped;
}

/** Object ids (any provider) whose mapping the app knows. */
export function mappedObjectIds(plan: CampaignPlan, acks?: Acknowledgements): Set<string> {
  return new Set([...mappedObjects(plan, acks).values()].map((object) => object.objectId));
}

/** Event keys that reached the app at least once. */
export function deliveredEventKeys(plan: CampaignPlan, acks?: Acknowledgements): Set<string> {
  const keys = new Set<string>();
  plan.deliveries.forEach((delivery, index) => {
    if (acks && !acks.deliveries[index]) return;
    delivery.eventKeys.forEach((key) => keys.add(key));
  });
  return keys;
}

/**
 * Expected hourly rollups: every delivered event once (retries and duplicates ignored), under its
 * object's mapping, in the UTC hour of its own time. Unmapped objects contribute nothing.
 */
/** The events that count (delivered at least once, of a mapped object), with their object and variant. */
export function countedEvents(
  plan: CampaignPlan,
  acks?: Acknowledgements,
): { event: SimEvent & { counter: EventCounter; objectId: string }; object: SimObject; variant: SimVariant }[] {
  const mapped = mappedObjects(plan, acks);
  const delivered = deliveredEventKeys(plan, acks);
  const variants = new Map(plan.variants.map((variant) => [variant.key, variant]));
  const out: ReturnType<typeof countedEvents> = [];
  for (const event of plan.events) {
    if (event.counter === null || event.objectId === null || !delivered.has(event.key)) continue;
    const object = mapped.get(objectKey(event.provider, event.objectId));
    const variant = object?.variantKey ? variants.get(object.variantKey) : undefined;
    if (!object || !variant) continue;
    out.push({ event: { ...event, counter: event.counter, objectId: event.objectId }, object, variant });
  }
  return out;
}

/**
 * The class the app must have recorded: the provider's own flag where it sends one (an oracle
 * independent of the app's code), else what the app's heuristics make of the payload (so the
 * counting is checked exactly; how well the heuristics find people is a separate score).
 */
export function expectedClass(engagement: SimEngagement | undefined): SimEngagement['classified']['engagement_class'] {
  if (!engagement) return 'unknown';
  return engagement.marked ?? engagement.classified.engagement_class;
}

/** The class counters an open or click moves: machine opens, bot clicks, first human open / click. */
const CLASS_COUNTERS: Partial<Record<EventCounter, { human: RollupCounter; other: { class: string; counter: RollupCounter } }>> = {
  email_opened: { human: 'email_unique_human_opened', other: { class: 'machine', counter: 'email_machine_opened' } },
  email_clicked: { human: 'email_unique_human_clicked', other: { class: 'bot', counter: 'email_bot_clicked' } },
};

export function expectedRollups(plan: CampaignPlan, acks?: Acknowledgements): ExpectedRollup[] {
  const rows = new Map<string, ExpectedRollup>();
  const firsts = new Map<string, { counter: RollupCounter; rollup: RollupKey; occurredAtMs: number }>();
  for (const { event, object, variant } of countedEvents(plan, acks)) {
    const key: RollupKey = {
      circuit_execution_id: variant.circuitExecutionId,
      ab_test_id: plan.abTestId,
      variant_id: variant.variantId,
      channel: object.channel,
      time_bucket: hourBucket(event.occurredAtMs),
    };
    const id = rollupKeyString(key);
    const row = rows.get(id) ?? { ...key, ...emptyCounters() };
    row[event.counter] += event.quantity;
    rows.set(id, row);
    const remember = (uniqueCounter: RollupCounter) => {
      const firstKey = `${uniqueCounter}|${objectKey(event.provider, event.objectId)}`;
      const first = firsts.get(firstKey);
      if (!first || event.occurredAtMs < first.occurredAtMs)
        firsts.set(firstKey, { counter: uniqueCounter, rollup: { ...key }, occurredAtMs: event.occurredAtMs });
    };
    const uniqueCounter = UNIQUE_COUNTER_OF[event.counter];
    if (uniqueCounter) remember(uniqueCounter);
    const classCounters = CLASS_COUNTERS[event.counter];
    if (classCounters) {
      const cls = expectedClass(event.engagement);
      if (cls === 'human') remember(classCounters.human);
      if (cls === classCounters.other.class) row[classCounters.other.counter] += event.quantity;
    }
  }
  // Unique counters: each message once, in the hour of its earliest (human) open (click).
  for (const { counter, rollup } of firsts.values()) {
    const id = rollupKeyString(rollup);
    const row = rows.get(id) ?? { ...rollup, ...emptyCounters() };
    row[counter] += 1;
    rows.set(id, row);
  }
  return [...rows.values()].sort(
    (a, b) =>
      a.time_bucket.localeCompare(b.time_bucket) ||
      (a.variant_id ?? '').localeCompare(b.variant_id ?? '') ||
      a.channel.localeCompare(b.channel),
  );
}

export interface RollupMismatch extends RollupKey {
  counter: RollupCounter | 'row';
  expected: number;
  actual: number;
}

/** A rollup as the rollups API returns it (extra fields ignored). */
export type ReportedRollup = RollupKey & Partial<Record<RollupCounter, number>>;

/** Every counter that differs, plus rows only one side has; empty when they agree exactly. */
export function diffRollups(expected: readonly ExpectedRollup[], actual: readonly ReportedRollup[]): RollupMismatch[] {
  const actualByKey = new Map(actual.map((row) => [rollupKeyString(row), row]));
  const mismatches: RollupMismatch[] = [];
  for (const row of expected) {
    const id = rollupKeyString(row);
    const other = actualByKey.get(id);
    actualByKey.delete(id);
    if (!other) {
      mismatches.push({ ...pickKey(row), counter: 'row', expected: 1, actual: 0 });
      continue;
    }
    for (const counter of ROLLUP_COUNTERS) {
      const got = Number(other[counter] ?? 0);
      if (got !== row[counter]) mismatches.push({ ...pickKey(row), counter, expected: row[counter], actual: got });
    }
  }
  for (const row of actualByKey.values()) mismatches.push({ ...pickKey(row), counter: 'row', expected: 0, actual: 1 });
  return mismatches;
}

function pickKey(row: RollupKey): RollupKey {
  return {
    circuit_execution_id: row.circuit_execution_id,
    ab_test_id: row.ab_test_id,
    variant_id: row.variant_id,
    channel: row.channel,
    time_bucket: new Date(row.time_bucket).toISOString(),
  };
}

export interface SendStats {
  requests: { total: number; first: number; retry: number; duplicate: number; failed: number };
  requestsByProvider: Partial<Record<MetricsProvider, number>>;
  /** Distinct provider events (what the ledger should hold), by provider. */
  eventsByProvider: Partial<Record<MetricsProvider, number>>;
  messages: number;
  posts: number;
  selfAttributed: number;
  lateMapped: number;
  unmapped: number;
  /** Distinct events of never-mapped objects that would have counted: held back from every rollup. */
  unmappedCountableEvents: number;
  mappingRequests: number;
}

export function sendStats(plan: CampaignPlan, acks?: Acknowledgements): SendStats {
  const requestsByProvider: Partial<Record<MetricsProvider, number>> = {};
  const requests = { total: 0, first: 0, retry: 0, duplicate: 0, failed: 0 };
  plan.deliveries.forEach((delivery, index) => {
    requests.total += 1;
    requests[delivery.kind] += 1;
    if (acks && !acks.deliveries[index]) requests.failed += 1;
    requestsByProvider[delivery.provider] = (requestsByProvider[delivery.provider] ?? 0) + 1;
  });
  const delivered = deliveredEventKeys(plan, acks);
  const eventsByProvider: Partial<Record<MetricsProvider, number>> = {};
  for (const event of plan.events) {
    if (delivered.has(event.key)) eventsByProvider[event.provider] = (eventsByProvider[event.provider] ?? 0) + 1;
  }
  const never = new Set(plan.objects.filter((o) => o.fate === 'never').map((o) => objectKey(o.provider, o.objectId)));
  return {
    requests,
    requestsByProvider,
    eventsByProvider,
    messages: plan.objects.filter((o) => o.channel === 'email').length,
    posts: plan.objects.filter((o) => o.channel === 'social').length,
    selfAttributed: plan.objects.filter((o) => o.selfAttributed).length,
    lateMapped: plan.objects.filter((o) => o.fate === 'late').length,
    unmapped: never.size,
    unmappedCountableEvents: plan.events.filter(
      (e) => e.counter !== null && e.objectId !== null && never.has(objectKey(e.provider, e.objectId)),
    ).length,
    mappingRequests: plan.registrations.length,
  };
}

/** Totals per variant and channel over the expected rollups (the "compare with the dashboard" view). */
export function variantTotals(
  plan: CampaignPlan,
  rows: readonly ExpectedRollup[],
): { key: string; channel: MetricsChannel; totals: RollupCounters }[] {
  const out: { key: string; channel: MetricsChannel; totals: RollupCounters }[] = [];
  for (const variant of plan.variants) {
    for (const channel of ['email', 'social'] as const) {
      const totals = emptyCounters();
      for (const row of rows) {
        if (row.variant_id !== variant.variantId || row.channel !== channel) continue;
        for (const counter of ROLLUP_COUNTERS) totals[counter] += row[counter];
      }
      out.push({ key: variant.key, channel, totals });
    }
  }
  return out;
}
