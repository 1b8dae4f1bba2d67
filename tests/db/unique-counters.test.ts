// Unique opens and clicks: each message once, in the hour of its earliest open (click), whatever
// the arrival order, the redeliveries, the concurrency and the moment its mapping arrives.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getRollups,
  ingestNormalizedEvents,
  reprocessUnprocessedWebhooks,
  upsertAttributionMap,
  type MetricsEventType,
  type NormalizedEvent,
} from '../../src/lib/decision-circuits/metrics';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { createWorkspace, makeEvent } from '../helpers/factories';

const AB_TEST = '33333333-3333-4333-8333-333333333333';
const VARIANT = '44444444-4444-4444-8444-444444444444';
const HOUR_MS = 3_600_000;
const BASE_MS = Date.UTC(2025, 5, 1, 0);

interface Counts {
  opened: number;
  clicked: number;
  uniqueOpened: number;
  uniqueClicked: number;
}

describe.each(DATABASE_KINDS)('unique opens and clicks on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await t.drop();
  });

  const map = (workspaceId: string, objectId: string) =>
    upsertAttributionMap(
      {
        workspace_id: workspaceId,
        provider: 'sendgrid',
        provider_object_id: objectId,
        circuit_execution_id: 'circuit-u',
        ab_test_id: AB_TEST,
        variant_id: VARIANT,
        channel: 'email',
      },
      { db: t.db },
    );

  const event = (objectId: string, type: MetricsEventType, hour: number, id?: string): NormalizedEvent =>
    makeEvent({
      provider_object_id: objectId,
      event_type: type,
      provider_event_type: type === 'email_open' ? 'open' : 'click',
      occurred_at: new Date(BASE_MS + hour * HOUR_MS + 60_000).toISOString(),
      ...(id ? { provider_event_id: id } : {}),
    });

  /** Counters per hour offset from BASE_MS, only hours with something in them. */
  async function byHour(workspaceId: string): Promise<Map<number, Counts>> {
    const rows = await getRollups({ workspace_id: workspaceId, limit: 500 }, { db: t.db });
    const out = new Map<number, Counts>();
    for (const row of rows) {
      const counts = {
        opened: row.email_opened,
        clicked: row.email_clicked,
        uniqueOpened: row.email_unique_opened,
        uniqueClicked: row.email_unique_clicked,
      };
      if (Object.values(counts).some((n) => n !== 0)) out.set((Date.parse(row.time_bucket) - BASE_MS) / HOUR_MS, counts);
    }
    return out;
  }

  it('20 repeat opens of one message, delivered one by one and all at once, are 20 opens and 1 unique open', async () => {
    const ws = await createWorkspace(t.db);
    await map(ws, 'msg-20');
    const opens = Array.from({ length: 20 }, () => event('msg-20', 'email_open', 3));
    await ingestNormalizedEvents(ws, 'sendgrid', opens.slice(0, 5), true, { db: t.db });
    await Promise.all(opens.slice(5).map((open) => ingestNormalizedEvents(ws, 'sendgrid', [open], true, { db: t.db })));
    // Redelivered, whole, twice at once: duplicates change nothing.
    await Promise.all([1, 2].map(() => ingestNormalizedEvents(ws, 'sendgrid', opens, true, { db: t.db })));
    expect(await byHour(ws)).toEqual(new Map([[3, { opened: 20, clicked: 0, uniqueOpened: 1, uniqueClicked: 0 }]]));
    const rows = await getRollups({ workspace_id: ws }, { db: t.db });
    expect(rows[0]?.unique_open_rate).toBe(0); // nothing delivered in this test: rate 0, not a division by zero
  });

  it('an earlier open arriving later moves the unique open to its hour', async () => {
    const ws = await createWorkspace(t.db);
    await map(ws, 'msg-move');
    await ingestNormalizedEvents(ws, 'sendgrid', [event('msg-move', 'email_open', 5), event('msg-move', 'email_click', 6)], true, {
      db: t.db,
    });
    await ingestNormalizedEvents(ws, 'sendgrid', [event('msg-move', 'email_open', 2)], true, { db: t.db });
    await ingestNormalizedEvents(ws, 'sendgrid', [event('msg-move', 'email_click', 9), event('msg-move', 'email_open', 4)], true, {
      db: t.db,
    });
    expect(await byHour(ws)).toEqual(
      new Map([
        [2, { opened: 1, clicked: 0, uniqueOpened: 1, uniqueClicked: 0 }],
        [4, { opened: 1, clicked: 0, uniqueOpened: 0, uniqueClicked: 0 }],
        [5, { opened: 1, clicked: 0, uniqueOpened: 0, uniqueClicked: 0 }],
        [6, { opened: 0, clicked: 1, uniqueOpened: 0, uniqueClicked: 1 }],
        [9, { opened: 0, clicked: 1, uniqueOpened: 0, uniqueClicked: 0 }],
      ]),
    );
  });

  it('opens waiting for a late mapping count one unique open when the mapping arrives, and reprocessing adds nothing', async () => {
    const ws = await createWorkspace(t.db);
    await ingestNormalizedEvents(ws, 'sendgrid', [event('msg-late', 'email_open', 7), event('msg-late', 'email_open', 8)], true, {
      db: t.db,
    });
    expect(await byHour(ws)).toEqual(new Map());
    await map(ws, 'msg-late');
    await reprocessUnprocessedWebhooks(ws, { db: t.db });
    await map(ws, 'msg-late');
    expect(await byHour(ws)).toEqual(
      new Map([
        [7, { opened: 1, clicked: 0, uniqueOpened: 1, uniqueClicked: 0 }],
        [8, { opened: 1, clicked: 0, uniqueOpened: 0, uniqueClicked: 0 }],
      ]),
    );
  });

  it('property: random streams with duplicates, shuffles and concurrency match an independent recount', async () => {
    const step = fc.record({
      object: fc.integer({ min: 0, max: 5 }),
      type: fc.constantFrom<MetricsEventType>('email_open', 'email_click'),
      hour: fc.integer({ min: 0, max: 11 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 1_000 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 0, max: 5 }),
        fc.boolean(),
        async (steps, picks, mappedUpFront, concurrent) => {
          const ws = await createWorkspace(t.db);
          const events = steps.map((s, i) => event(`o${s.object}`, s.type, s.hour, `p-${i}`));
          // Objects below mappedUpFront are mapped before any event, the rest after all of them.
          for (let o = 0; o < mappedUpFront; o += 1) await map(ws, `o${o}`);
          // Deliveries: every event at least once, plus redeliveries, in a shuffled order.
          const order = [...events.keys(), ...picks.map((p) => p % events.length)];
          const shuffled = order.map((index, i) => ({ index, key: picks[i % picks.length]! * 7919 + i })).sort((a, b) => a.key - b.key);
          const batches: NormalizedEvent[][] = [];
          for (let i = 0; i < shuffled.length; i += 3) batches.push(shuffled.slice(i, i + 3).map((s) => events[s.index]!));
          if (concurrent) await Promise.all(batches.map((b) => ingestNormalizedEvents(ws, 'sendgrid', b, true, { db: t.db })));
          else for (const b of batches) await ingestNormalizedEvents(ws, 'sendgrid', b, true, { db: t.db });
          for (let o = mappedUpFront; o < 6; o += 1) await map(ws, `o${o}`);

          // The recount: event counts per hour, and per object the hour of its earliest open/click.
          const expected = new Map<number, Counts>();
          const at = (hour: number) => expected.get(hour) ?? { opened: 0, clicked: 0, uniqueOpened: 0, uniqueClicked: 0 };
          const earliest = new Map<string, number>();
          steps.forEach((s) => {
            const counts = at(s.hour);
            if (s.type === 'email_open') counts.opened += 1;
            else counts.clicked += 1;
            expected.set(s.hour, counts);
            const key = `${s.object}|${s.type}`;
            earliest.set(key, Math.min(earliest.get(key) ?? Infinity, s.hour));
          });
          for (const [key, hour] of earliest) {
            const counts = at(hour);
            if (key.endsWith('email_open')) counts.uniqueOpened += 1;
            else counts.uniqueClicked += 1;
            expected.set(hour, counts);
          }
          expect(await byHour(ws)).toEqual(expected);
        },
      ),
      { numRuns: kind === 'pglite' ? 25 : 40 },
    );
  });
});
