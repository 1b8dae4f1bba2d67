// Property tests of every provider normaliser on mutated *real* payloads (tests/fixtures/**):
// what tests/unit/providers/metrics-normalize.test.ts checks on random JSON, pushed further —
// accounting for every batch item, dedup ids that survive a redelivery, junk that cannot disturb
// its neighbours, nothing PostgreSQL cannot store, no raw address leaking, input left untouched.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeProviderEvents } from '../../../src/lib/decision-circuits/metrics/ingest/normalize';
import { METRICS_EVENT_TYPES, type MetricsProvider, type NormalizedEvent } from '../../../src/lib/decision-circuits/metrics/metrics-types';
import type { NormalizeContext } from '../../../src/lib/decision-circuits/metrics/providers/kit/provider';
import { parseJsonBody } from '../../../src/lib/http/body';
import { isAppError } from '../../../src/lib/http/errors';

const FIXTURES_DIR = path.join(process.cwd(), 'tests', 'fixtures');
const PROVIDER_DIRS: readonly MetricsProvider[] = ['sendgrid', 'resend', 'facebook', 'instagram', 'linkedin'];
// Bounded work on a shared two-core machine: each property stops at its run count or time limit.
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const TIME_LIMIT_MS = Number(process.env.FUZZ_TIME_LIMIT_MS ?? 8_000);
const fcOptions = { numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false } as const;

interface Fixture {
  provider: MetricsProvider;
  name: string;
  value: unknown;
}

const FIXTURES: Fixture[] = PROVIDER_DIRS.flatMap((provider) =>
  readdirSync(path.join(FIXTURES_DIR, provider))
    .filter((file) => file.endsWith('.json') || file.endsWith('.txt'))
    .map((file) => ({
      provider,
      name: `${provider}/${file}`,
      value: JSON.parse(readFileSync(path.join(FIXTURES_DIR, provider, file), 'utf8')) as unknown,
    })),
);

const ctx = (overrides: Partial<NormalizeContext> = {}): NormalizeContext => ({
  receivedAt: new Date('2025-03-02T12:00:00Z'),
  deliveryId: 'msg_2mFpQ0fixture',
  storeRawEmail: false,
  ...overrides,
});

// ---------- mutations of a JSON tree ----------

type Key = string | number;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function nodePaths(value: unknown, limit = 4_000): Key[][] {
  const out: Key[][] = [];
  const walk = (node: unknown, at: Key[]) => {
    if (out.length >= limit) return;
    out.push(at);
    if (Array.isArray(node)) node.forEach((child, i) => walk(child, [...at, i]));
    else if (typeof node === 'object' && node !== null) for (const [k, child] of Object.entries(node)) walk(child, [...at, k]);
  };
  walk(value, []);
  return out;
}

function getAt(root: unknown, at: readonly Key[]): unknown {
  return at.reduce<unknown>((node, key) => (node as Record<Key, unknown>)[key], root);
}

function deepNest(levels: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < levels; i += 1) value = i % 2 ? [value] : { v: value };
  return value;
}
/** A deeply nested value, built fresh where it is used (cloning one would recurse as deep). */
class Deep {
  constructor(readonly levels: number) {}
}

/** Values real attackers and real provider bugs send. */
const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\ud83d\ude00',
  "'; drop table metrics_webhook_events; --",
  "' or '1'='1",
  '$1',
  '$$',
  '\\',
  '"',
  '%s%n',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  '1970-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '2025-03-02T10:15:00+14:00',
  '1719901146',
  '1719901146000',
  'NaN',
  '-1',
  '<script>alert(1)</script>',
  'Ann <ann@example.org>',
  'x'.repeat(600),
  'é'.repeat(300),
];
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<unknown>(...HOSTILE_STRINGS) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -0, -1, 1.5, 1e21, -1e300, 2 ** 53 + 2, 2_000_000_000, -2_000_000_000),
  },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(new Deep(100), new Deep(1_000), [], {}, [[]], { '': '' }) },
);

const MUTATION_KINDS = ['replace', 'delete', 'duplicate', 'wrapArray', 'wrapObject', 'stringify', 'renameKey'] as const;
interface Mutation {
  at: number;
  kind: (typeof MUTATION_KINDS)[number];
  value: unknown;
  key: string;
}
const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom(...MUTATION_KINDS),
  value: hostileValue,
  key: fc.constantFrom('__proto__', 'constructor', 'event', 'type', 'email', 'sg_event_id', 'notificationId', 'changes', 'x'),
});

/** A mutated deep copy; the original is never touched. */
function mutate(original: unknown, mutations: readonly Mutation[]): unknown {
  let root = structuredClone(original);
  for (const m of mutations) {
    const paths = nodePaths(root);
    const at = paths[m.at % paths.length] ?? [];
    const current = getAt(root, at);
    let replacement: unknown;
    switch (m.kind) {
      case 'replace':
        // A copy: the constant pool's objects are shared between runs and must stay as they are.
        replacement = m.value instanceof Deep ? deepNest(m.value.levels) : structuredClone(m.value);
        break;
      case 'wrapArray':
        replacement = [current];
        break;
      case 'wrapObject':
        replacement = { [m.key]: current };
        break;
      case 'stringify':
        replacement = typeof current === 'string' ? Number(current) : JSON.stringify(current ?? null);
        break;
      default:
        replacement = current;
    }
    if (at.length === 0) {
      if (m.kind !== 'delete' && m.kind !== 'duplicate' && m.kind !== 'renameKey') root = replacement;
      continue;
    }
    const parent = getAt(root, at.slice(0, -1)) as Record<Key, unknown> | unknown[];
    const key = at[at.length - 1]!;
    if (Array.isArray(parent)) {
      const i = Number(key);
      if (m.kind === 'delete') parent.splice(i, 1);
      else if (m.kind === 'duplicate') parent.splice(i, 0, structuredClone(current));
      else parent[i] = replacement;
    } else if (m.kind === 'delete') {
      delete parent[key];
    } else if (m.kind === 'renameKey') {
      delete parent[key];
      Object.defineProperty(parent, m.key, { value: current, enumerable: true, writable: true, configurable: true });
    } else if (m.kind !== 'duplicate') {
      Object.defineProperty(parent, key, { value: replacement, enumerable: true, writable: true, configurable: true });
    }
  }
  return root;
}

const fixtureArb = fc.constantFrom(...FIXTURES);
const mutatedArb = fc.tuple(fixtureArb, fc.array(mutationArb, { minLength: 1, maxLength: 4 })).map(([fixture, mutations]) => ({
  fixture,
  payload: mutate(fixture.value, mutations),
}));

// ---------- what "storable" and "accounted for" mean ----------

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const unstorable = (s: string) => s.includes('\u0000') || LONE_SURROGATE.test(s);

/** First string (or key) PostgreSQL text/jsonb would refuse, with its path; null when none. */
function findUnstorable(value: unknown, at = '$', depth = 0): string | null {
  if (depth > 200) return `${at}: nested deeper than 200`;
  if (typeof value === 'string') return unstorable(value) ? at : null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${at}: ${value}`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = findUnstorable(value[i], `${at}[${i}]`, depth + 1);
      if (found) return found;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if (unstorable(key)) return `${at} key ${JSON.stringify(key)}`;
      const found = findUnstorable(child, `${at}.${key}`, depth + 1);
      if (found) return found;
    }
  }
  return null;
}

function depthOf(value: unknown, limit = 10_000): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, d] = stack.pop()!;
    max = Math.max(max, d);
    if (max > limit) return max;
    if (Array.isArray(node)) for (const child of node) stack.push([child, d + 1]);
    else if (typeof node === 'object' && node !== null) for (const child of Object.values(node)) stack.push([child, d + 1]);
  }
  return max;
}

/** How many items the normaliser must answer for (an event or a rejection each); null = whole payload. */
function itemCount(provider: MetricsProvider, payload: unknown): number | null {
  const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  switch (provider) {
    case 'sendgrid':
      return Array.isArray(payload) ? payload.length : isRecord(payload) ? 1 : null;
    case 'resend':
      return isRecord(payload) ? 1 : null;
    case 'linkedin':
      if (isRecord(payload) && Array.isArray(payload.notifications)) return payload.notifications.length;
      return isRecord(payload) && Object.hasOwn(payload, 'action') ? 1 : null;
    default: {
      if (!isRecord(payload) || !Array.isArray(payload.entry)) return null;
      let n = 0;
      for (const entry of payload.entry as unknown[]) {
        if (!isRecord(entry)) n += 1;
        else if (entry.changes === undefined) continue;
        else if (!Array.isArray(entry.changes)) n += 1;
        else n += entry.changes.length;
      }
      return n;
    }
  }
}

function checkAccounting(provider: MetricsProvider, payload: unknown, result: ReturnType<typeof normalizeProviderEvents>): void {
  const expected = itemCount(provider, payload);
  if (expected === null) {
    expect(result.events).toEqual([]);
    expect(result.rejected).toHaveLength(1);
    return;
  }
  expect(result.events.length + result.rejected.length).toBe(expected);
  const indexes = result.rejected.map((r) => r.index);
  expect(new Set(indexes).size).toBe(indexes.length);
  for (const index of indexes) expect(index >= 0 && index < Math.max(expected, 1)).toBe(true);
}

function checkEventShape(provider: MetricsProvider, event: NormalizedEvent): void {
  expect(event.provider).toBe(provider);
  expect(METRICS_EVENT_TYPES).toContain(event.event_type);
  expect(event.provider_event_id.length).toBeGreaterThan(0);
  expect(event.provider_event_id.length).toBeLessThanOrEqual(512);
  if (event.provider_object_id !== null) expect(event.provider_object_id.length).toBeLessThanOrEqual(512);
  expect(Number.isSafeInteger(event.quantity)).toBe(true);
  // Counters move by one per event; only a story-insights snapshot carries its own figure.
  if (event.event_type !== 'social_impression') expect(Math.abs(event.quantity)).toBe(1);
  else expect(event.quantity).toBeGreaterThanOrEqual(0);
  const at = Date.parse(event.occurred_at);
  expect(at >= Date.UTC(2000, 0, 1) && at < Date.UTC(2100, 0, 1)).toBe(true);
}

const ids = (events: readonly NormalizedEvent[]) => events.map((e) => e.provider_event_id);

function shuffleKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((item, i) => shuffleKeys(item, seed + i));
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    const rotated =
      entries.length > 1 ? [...entries.slice(seed % entries.length), ...entries.slice(0, seed % entries.length)].reverse() : entries;
    return Object.fromEntries(rotated.map(([k, v]) => [k, shuffleKeys(v, seed + 1)]));
  }
  return value;
}

// ---------- properties ----------

describe('provider normalisers on mutated real payloads (property)', () => {
  it('loads a real fixture for every provider', () => {
    for (const provider of PROVIDER_DIRS) expect(FIXTURES.some((f) => f.provider === provider)).toBe(true);
  });

  it('never throw, never touch their input, and answer for every batch item with an event or a rejection', () => {
    fc.assert(
      fc.property(mutatedArb, fc.boolean(), ({ fixture, payload }, storeRawEmail) => {
        const before = depthOf(payload) < 2_000 ? JSON.stringify(payload) : null;
        const result = normalizeProviderEvents(fixture.provider, payload, ctx({ storeRawEmail }));
        if (before !== null) expect(JSON.stringify(payload)).toBe(before);
        checkAccounting(fixture.provider, payload, result);
        for (const event of result.events) checkEventShape(fixture.provider, event);
      }),
      fcOptions,
    );
  });

  it('give the same dedup ids to a redelivery: re-serialised, keys reordered, received later', () => {
    fc.assert(
      fc.property(mutatedArb, fc.nat(), ({ fixture, payload }, seed) => {
        if (depthOf(payload) > 500) return;
        const first = normalizeProviderEvents(fixture.provider, payload, ctx());
        const redelivered = shuffleKeys(JSON.parse(JSON.stringify(payload)) as Json, seed);
        const again = normalizeProviderEvents(fixture.provider, redelivered, ctx({ receivedAt: new Date('2025-03-03T08:00:00Z') }));
        expect(ids(again.events)).toEqual(ids(first.events));
        expect(again.events.map((e) => [e.event_type, e.quantity, e.provider_object_id])).toEqual(
          first.events.map((e) => [e.event_type, e.quantity, e.provider_object_id]),
        );
      }),
      fcOptions,
    );
  });

  it('let junk items in a batch change nothing about the real events beside them', () => {
    const batchFixtures = FIXTURES.filter((f) => f.provider !== 'resend');
    const junk = fc.constantFrom<unknown>(null, 7, 'x', [], [1], true, '\u0000');
    fc.assert(
      fc.property(
        fc.constantFrom(...batchFixtures),
        fc.array(fc.tuple(fc.nat(), junk), { minLength: 1, maxLength: 5 }),
        (fixture, inserts) => {
          const clean = normalizeProviderEvents(fixture.provider, fixture.value, ctx());
          const dirty = structuredClone(fixture.value) as Record<string, unknown> | unknown[];
          const list: unknown[] | null = Array.isArray(dirty)
            ? dirty
            : Array.isArray((dirty as Record<string, unknown>).notifications)
              ? ((dirty as Record<string, unknown>).notifications as unknown[])
              : Array.isArray((dirty as Record<string, unknown>).entry)
                ? ((((dirty as Record<string, unknown>).entry as Record<string, unknown>[]).find((e) => Array.isArray(e.changes))
                    ?.changes as unknown[] | undefined) ?? null)
                : null;
          if (list === null) return;
          for (const [position, item] of inserts) list.splice(position % (list.length + 1), 0, item);
          const result = normalizeProviderEvents(fixture.provider, dirty, ctx());
          expect(result.events).toEqual(clean.events);
          expect(result.rejected.length).toBe(clean.rejected.length + inserts.length);
        },
      ),
      fcOptions,
    );
  });

  it('emit nothing PostgreSQL cannot store when their input is storable, and keep depth bounded', () => {
    fc.assert(
      fc.property(mutatedArb, fc.boolean(), ({ fixture, payload }, storeRawEmail) => {
        if (findUnstorable(payload) !== null) return;
        const inputDepth = depthOf(payload);
        const result = normalizeProviderEvents(fixture.provider, payload, ctx({ storeRawEmail }));
        for (const event of result.events) {
          expect(findUnstorable(event)).toBeNull();
          expect(depthOf(event.raw_payload)).toBeLessThanOrEqual(inputDepth + 3);
        }
      }),
      fcOptions,
    );
  });

  it('from raw request bytes (parseJsonBody, then normalise): a 400, or events PostgreSQL can store', () => {
    const textMutation = fc.oneof(
      fc.record({
        at: fc.nat(),
        insert: fc.constantFrom(
          '\\u0000',
          '\\ud800',
          '\\udfff',
          '\\ud83d\\ude00',
          '[[[[[[[[',
          '\u0000',
          '"',
          '\\',
          '{',
          '}',
          ']',
          ',',
          '\ufeff',
          '\x7f',
        ),
      }),
      fc.record({ at: fc.nat(), cut: fc.nat({ max: 20 }) }),
      fc.record({ deep: fc.integer({ min: 60, max: 5_000 }) }),
    );
    fc.assert(
      fc.property(mutatedArb, fc.array(textMutation, { maxLength: 3 }), ({ fixture, payload }, edits) => {
        let text: string;
        try {
          text = JSON.stringify(payload) ?? 'null';
        } catch {
          return; // deeper than JSON.stringify goes: covered by the deep edit below
        }
        for (const edit of edits) {
          if ('deep' in edit) text = `[${'['.repeat(edit.deep)}${text}${']'.repeat(edit.deep)}]`;
          else if ('insert' in edit) {
            // Inside a string literal when possible, where escapes are legal.
            const quote = text.indexOf('"', edit.at % Math.max(text.length, 1));
            const at = quote >= 0 ? quote + 1 : edit.at % (text.length + 1);
            text = text.slice(0, at) + edit.insert + text.slice(at);
          } else {
            const at = edit.at % (text.length + 1);
            text = text.slice(0, at) + text.slice(at + edit.cut);
          }
        }
        let parsed: unknown;
        try {
          parsed = parseJsonBody(new TextEncoder().encode(text));
        } catch (error) {
          expect(isAppError(error) && error.code === 'invalid_request').toBe(true);
          return;
        }
        expect(findUnstorable(parsed)).toBeNull();
        const result = normalizeProviderEvents(fixture.provider, parsed, ctx());
        for (const event of result.events) expect(findUnstorable(event)).toBeNull();
      }),
      fcOptions,
    );
  });

  it('keep raw recipient addresses out of everything they emit unless METRICS_STORE_RAW_EMAIL is on', () => {
    const emailFixtures = FIXTURES.filter((f) => f.provider === 'sendgrid' || f.provider === 'resend');
    const addressRe = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
    fc.assert(
      fc.property(fc.constantFrom(...emailFixtures), fc.array(mutationArb, { maxLength: 2 }), (fixture, mutations) => {
        const payload = mutate(fixture.value, mutations);
        // Addresses in the recipient fields, unless the same address also sits in another field.
        const recipients = new Set<string>();
        const elsewhere = structuredClone(payload) as unknown;
        const take = (holder: unknown, field: string) => {
          if (typeof holder !== 'object' || holder === null || Array.isArray(holder)) return;
          const record = holder as Record<string, unknown>;
          const value = record[field];
          // The documented shapes: a string, or (Resend) an array of strings. Other shapes are
          // left in "elsewhere" (redaction of odd shapes is fail-open: see docs/security.md).
          const items = Array.isArray(value) && fixture.provider === 'resend' ? value : [value];
          if (!items.every((item) => typeof item === 'string')) return;
          for (const item of items as string[]) for (const match of item.match(addressRe) ?? []) recipients.add(match.toLowerCase());
          delete record[field];
        };
        for (const item of Array.isArray(elsewhere) ? elsewhere : [elsewhere]) {
          if (fixture.provider === 'sendgrid') take(item, 'email');
          else if (typeof item === 'object' && item !== null) {
            for (const field of ['to', 'cc', 'bcc', 'reply_to', 'email']) take((item as Record<string, unknown>).data, field);
          }
        }
        const rest = (JSON.stringify(elsewhere) ?? '').toLowerCase();
        const result = normalizeProviderEvents(fixture.provider, payload, ctx());
        const emitted = JSON.stringify(result.events).toLowerCase();
        for (const event of result.events) expect(event.recipient_identifier).toBeNull();
        for (const address of recipients) {
          if (!rest.includes(address)) expect(emitted.includes(address), `${address} leaked`).toBe(false);
        }
        const optedIn = normalizeProviderEvents(fixture.provider, payload, ctx({ storeRawEmail: true }));
        expect(optedIn.events.length).toBe(result.events.length);
      }),
      fcOptions,
    );
  });
});
