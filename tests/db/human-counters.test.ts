// People and machines counted apart: machine opens, bot clicks, and each message a person opened
// (clicked) once, in the hour of its earliest human open (click), whatever the arrival order, the
// redeliveries, the concurrency and the moment its mapping arrives; the class itself comes from the
// provider's payload at ingest and is written once on the ledger row.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getLatestRollups,
  getRollups,
  getRollupSummary,
  getVariantComparison,
  ingestNormalizedEvents,
  normalizeProviderEvents,
  reprocessUnprocessedWebhooks,
  upsertAttributionMap,
  type EngagementClass,
  type MetricsEventType,
  type MetricsProvider,
  type NormalizedEvent,
} from '../../src/lib/decision-circuits/metrics';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { createWorkspace, makeEvent } from '../helpers/factories';

const AB_TEST = '55555555-5555-4555-8555-555555555555';
const VARIANT = '66666666-6666-4666-8666-666666666666';
const HOUR_MS = 3_600_000;
const BASE_MS = Date.UTC(2025, 5, 1, 0);
const MIGRATION = readFileSync(new URL('../../supabase/migrations/20260122_human_engagement.sql', import.meta.url), 'utf8');
const fixture = (path: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8'));

interface Counts {
  opened: number;
  clicked: number;
  machineOpened: number;
  botClicked: number;
  uniqueOpened: number;
  humanOpened: number;
  humanClicked: number;
}
const zero = (): Counts => ({ opened: 0, clicked: 0, machineOpened: 0, botClicked: 0, uniqueOpened: 0, humanOpened: 0, humanClicked: 0 });

const SIGNAL_OF: Record<EngagementClass, string> = {
  human: 'no_scanner_pattern',
  machine: 'sendgrid_machine_open_flag',
  bot: 'scanner_user_agent',
  unknown: 'no_provider_signal',
};

describe.each(DATABASE_KINDS)('human and machine counters on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await t.drop();
  });

  const map = (workspaceId: string, objectId: string, provider: MetricsProvider = 'sendgrid') =>
    upsertAttributionMap(
      {
        workspace_id: workspaceId,
        provider,
        provider_object_id: objectId,
        circuit_execution_id: 'circuit-h',
        ab_test_id: AB_TEST,
        variant_id: VARIANT,
        channel: 'email',
      },
      { db: t.db },
    );

  const event = (objectId: string, type: MetricsEventType, hour: number, cls: EngagementClass | null, id?: string): NormalizedEvent =>
    makeEvent({
      provider_object_id: objectId,
      event_type: type,
      provider_event_type: type === 'email_open' ? 'open' : type === 'email_click' ? 'click' : 'delivered',
      occurred_at: new Date(BASE_MS + hour * HOUR_MS + 60_000).toISOString(),
      ...(cls ? { engagement: { engagement_class: cls, class_signal: SIGNAL_OF[cls] } } : {}),
      ...(id ? { provider_event_id: id } : {}),
    });

  const ingest = (ws: string, events: NormalizedEvent[], provider: MetricsProvider = 'sendgrid') =>
    ingestNormalizedEvents(ws, provider, events, true, { db: t.db });

  /** Real fixture payloads through their provider's normaliser into the ledger, one delivery each. */
  async function ingestFixtures(ws: string, deliveries: readonly (readonly [MetricsProvider, string, string?])[]) {
    const ctx = { receivedAt: new Date('2025-03-02T12:00:00Z'), storeRawEmail: false };
    for (const [provider, file, deliveryId] of deliveries) {
      const { events } = normalizeProviderEvents(provider, fixture(file), { ...ctx, ...(deliveryId ? { deliveryId } : {}) });
      await ingestNormalizedEvents(ws, provider, events, true, { db: t.db });
    }
  }

  /** [provider, kind, class, signal] of every ledger row, in that order. */
  async function ledgerClasses(ws: string) {
    const rows = await t.db.query<{ provider: string; event_type: string; engagement_class: string | null; class_signal: string | null }>(
      `select provider, event_type, engagement_class, class_signal from metrics_webhook_events where workspace_id = $1
       order by provider, event_type, engagement_class, class_signal`,
      [ws],
    );
    return rows.map((r) => [r.provider, r.event_type, r.engagement_class, r.class_signal]);
  }

  /** Counters per hour offset from BASE_MS, only hours with something in them. */
  async function byHour(workspaceId: string): Promise<Map<number, Counts>> {
    const rows = await getRollups({ workspace_id: workspaceId, limit: 500 }, { db: t.db });
    const out = new Map<number, Counts>();
    for (const row of rows) {
      const counts: Counts = {
        opened: row.email_opened,
        clicked: row.email_clicked,
        machineOpened: row.email_machine_opened,
        botClicked: row.email_bot_clicked,
        uniqueOpened: row.email_unique_opened,
        humanOpened: row.email_unique_human_opened,
        humanClicked: row.email_unique_human_clicked,
      };
      if (Object.values(counts).some((n) => n !== 0)) out.set((Date.parse(row.time_bucket) - BASE_MS) / HOUR_MS, counts);
    }
    return out;
  }

  /** The same counters recounted from the ledger rows alone (class and time of each applied event). */
  async function recountFromLedger(workspaceId: string): Promise<Map<number, Counts>> {
    const rows = await t.db.query<{ hour: string; counter: keyof Counts; n: string }>(
      `with applied as (
         select e.provider_object_id, e.event_type, e.engagement_class, e.occurred_at
         from metrics_webhook_events e where e.workspace_id = $1 and e.applied_at is not null
       ),
       firsts as (
         select min(occurred_at) filter (where event_type = 'email_open') as first_open,
                min(occurred_at) filter (where event_type = 'email_open' and engagement_class = 'human') as human_open,
                min(occurred_at) filter (where event_type = 'email_click' and engagement_class = 'human') as human_click
         from applied group by provider_object_id
       )
       select extract(epoch from date_trunc('hour', at) - to_timestamp($2::bigint / 1000)) / 3600 as hour, counter, count(*) as n
       from (
         select occurred_at as at, case event_type when 'email_open' then 'opened' else 'clicked' end as counter from applied
         union all select occurred_at, 'machineOpened' from applied where event_type = 'email_open' and engagement_class = 'machine'
         union all select occurred_at, 'botClicked' from applied where event_type = 'email_click' and engagement_class = 'bot'
         union all select first_open, 'uniqueOpened' from firsts where first_open is not null
         union all select human_open, 'humanOpened' from firsts where human_open is not null
         union all select human_click, 'humanClicked' from firsts where human_click is not null
       ) x group by 1, 2`,
      [workspaceId, BASE_MS],
    );
    const out = new Map<number, Counts>();
    for (const row of rows) {
      const counts = out.get(Number(row.hour)) ?? zero();
      counts[row.counter] += Number(row.n);
      out.set(Number(row.hour), counts);
    }
    return out;
  }

  it('a message first opened by a machine and then by a person is machine-opened once and human-opened once, in the person’s hour', async () => {
    const ws = await createWorkspace(t.db);
    await map(ws, 'msg-mh');
    await ingest(ws, [event('msg-mh', 'email_delivered', 0, null), event('msg-mh', 'email_open', 1, 'machine')]);
    await ingest(ws, [event('msg-mh', 'email_open', 4, 'human'), event('msg-mh', 'email_open', 5, 'human')]);
    expect(await byHour(ws)).toEqual(
      new Map([
        [1, { ...zero(), opened: 1, machineOpened: 1, uniqueOpened: 1 }],
        [4, { ...zero(), opened: 1, humanOpened: 1 }],
        [5, { ...zero(), opened: 1 }],
      ]),
    );
    // An earlier human open arriving later moves the human open to its hour (-1 there, +1 here).
    await ingest(ws, [event('msg-mh', 'email_open', 2, 'human')]);
    expect((await byHour(ws)).get(2)).toEqual({ ...zero(), opened: 1, humanOpened: 1 });
    expect((await byHour(ws)).get(4)).toEqual({ ...zero(), opened: 1 });

    const summary = await getRollupSummary({ workspace_id: ws }, { db: t.db });
    expect(summary.totals).toMatchObject({ email_delivered: 1, email_opened: 4, email_machine_opened: 1, email_unique_human_opened: 1 });
    expect(summary.rates).toMatchObject({ unique_open_rate: 100, human_open_rate: 100, human_click_rate: 0 });
    const [variant] = (await getVariantComparison({ workspace_id: ws, ab_test_id: AB_TEST }, { db: t.db })).variants;
    expect(variant?.totals.email_unique_human_opened).toBe(1);
    // The generated column and computeDerivedMetrics agree hour by hour (delivered only in hour 0).
    const rows = await getRollups({ workspace_id: ws }, { db: t.db });
    expect(rows.find((r) => r.email_delivered === 1)?.human_open_rate).toBe(0);
    const latest = await getLatestRollups({ workspace_id: ws }, { db: t.db });
    expect(latest[0]).toMatchObject({ email_opened: 1, email_unique_human_opened: 0, email_machine_opened: 0, human_open_rate: 0 });
  });

  it('bot clicks count as clicks and bot clicks, never as a human click; a later human click does', async () => {
    const ws = await createWorkspace(t.db);
    await map(ws, 'msg-bot');
    const clicks = [
      event('msg-bot', 'email_click', 3, 'bot'),
      event('msg-bot', 'email_click', 3, 'bot'),
      event('msg-bot', 'email_click', 6, 'human'),
    ];
    await ingest(ws, clicks);
    await Promise.all([1, 2].map(() => ingest(ws, clicks)));
    expect(await byHour(ws)).toEqual(
      new Map([
        [3, { ...zero(), clicked: 2, botClicked: 2 }],
        [6, { ...zero(), clicked: 1, humanClicked: 1 }],
      ]),
    );
  });

  it('exactly once under duplicate deliveries and a late mapping: pending events count once when the mapping arrives', async () => {
    const ws = await createWorkspace(t.db);
    const events = [
      event('msg-late', 'email_open', 7, 'machine'),
      event('msg-late', 'email_open', 8, 'human'),
      event('msg-late', 'email_click', 8, 'bot'),
      event('msg-late', 'email_click', 9, 'human'),
    ];
    await ingest(ws, events);
    await Promise.all([1, 2, 3].map(() => ingest(ws, events)));
    expect(await byHour(ws)).toEqual(new Map());
    await map(ws, 'msg-late');
    await reprocessUnprocessedWebhooks(ws, { db: t.db });
    await map(ws, 'msg-late');
    await ingest(ws, events);
    const expected = new Map([
      [7, { ...zero(), opened: 1, machineOpened: 1, uniqueOpened: 1 }],
      [8, { ...zero(), opened: 1, clicked: 1, botClicked: 1, humanOpened: 1 }],
      [9, { ...zero(), clicked: 1, humanClicked: 1 }],
    ]);
    expect(await byHour(ws)).toEqual(expected);
    expect(await recountFromLedger(ws)).toEqual(expected);
  });

  it('each provider’s payload decides the ledger row’s class: SendGrid and Mailgun flags, Resend clicks by heuristics, Resend opens unknown', async () => {
    const ws = await createWorkspace(t.db);
    await ingestFixtures(ws, [
      ['sendgrid', 'sendgrid/machine-opens-and-scanner-clicks.json'],
      ['mailgun', 'mailgun/opened-apple-proxy.json'],
      ['mailgun', 'mailgun/clicked-scanner.json'],
      ['mailgun', 'mailgun/clicked-person.json'],
      ['mailgun', 'mailgun/opened.json'],
      ['resend', 'resend/email-opened.json', 'msg_h_open'],
      ['resend', 'resend/email-clicked.json', 'msg_h_click'],
      ['resend', 'resend/email-clicked-scanner-agent.json', 'msg_h_scanner'],
      ['resend', 'resend/email-clicked-on-arrival.json', 'msg_h_arrival'],
      ['resend', 'resend/email-delivered.json', 'msg_h_delivered'],
    ]);
    expect(await ledgerClasses(ws)).toEqual([
      ['mailgun', 'email_click', 'bot', 'mailgun_client_info_bot'],
      ['mailgun', 'email_click', 'human', 'mailgun_client_info_no_bot'],
      ['mailgun', 'email_open', 'machine', 'mailgun_client_info_bot'],
      ['mailgun', 'email_open', 'unknown', 'no_provider_signal'],
      ['resend', 'email_click', 'bot', 'click_seconds_after_send'],
      ['resend', 'email_click', 'bot', 'scanner_user_agent'],
      ['resend', 'email_click', 'human', 'no_scanner_pattern'],
      ['resend', 'email_delivered', null, null],
      ['resend', 'email_open', 'unknown', 'no_provider_signal'],
      ['sendgrid', 'email_click', 'bot', 'scanner_user_agent'],
      ['sendgrid', 'email_click', 'human', 'no_scanner_pattern'],
      ['sendgrid', 'email_open', 'human', 'sendgrid_machine_open_flag'],
      ['sendgrid', 'email_open', 'machine', 'sendgrid_machine_open_flag'],
      ['sendgrid', 'email_open', 'unknown', 'no_provider_signal'],
    ]);
  });

  it('an open without a class from its normaliser is unknown / no_provider_signal; other kinds carry none', async () => {
    const ws = await createWorkspace(t.db);
    await map(ws, 'msg-none');
    await ingest(ws, [event('msg-none', 'email_open', 1, null), event('msg-none', 'email_delivered', 1, null)]);
    const rows = await t.db.query<{ event_type: string; engagement_class: string | null; class_signal: string | null }>(
      `select event_type, engagement_class, class_signal from metrics_webhook_events where workspace_id = $1 order by event_type`,
      [ws],
    );
    expect(rows).toEqual([
      { event_type: 'email_delivered', engagement_class: null, class_signal: null },
      { event_type: 'email_open', engagement_class: 'unknown', class_signal: 'no_provider_signal' },
    ]);
    expect(await byHour(ws)).toEqual(new Map([[1, { ...zero(), opened: 1, uniqueOpened: 1 }]]));
  });

  it('the migration’s backfill classifies earlier ledger rows by the providers’ flags and recounts their rollups', async () => {
    const ws = await createWorkspace(t.db);
    await ingestFixtures(ws, [
      ['sendgrid', 'sendgrid/machine-opens-and-scanner-clicks.json'],
      ['mailgun', 'mailgun/opened-apple-proxy.json'],
      ['mailgun', 'mailgun/clicked-person.json'],
    ]);
    const ids = ['Uq7rS2tVX0b8cMw4eYdHgQ', '20250302101555.4f1c2a9be07d3c15@mg.example.com'];
    await map(ws, ids[0]!);
    await map(ws, ids[1]!, 'mailgun');
    const before = await getRollupSummary({ workspace_id: ws }, { db: t.db });
    // As a database migrated before classification holds them: no class, no class counters.
    await t.db.query(`update metrics_webhook_events set engagement_class = null, class_signal = null where workspace_id = $1`, [ws]);
    await t.db.query(
      `update metrics_attribution_map set first_human_opened_at = null, first_human_clicked_at = null where workspace_id = $1`,
      [ws],
    );
    await t.db.query(
      `update metrics_rollups set email_machine_opened = 0, email_bot_clicked = 0, email_unique_human_opened = 0,
              email_unique_human_clicked = 0 where workspace_id = $1`,
      [ws],
    );
    await t.db.exec(MIGRATION);
    expect(await ledgerClasses(ws)).toEqual([
      ['mailgun', 'email_click', 'human', 'mailgun_client_info_no_bot'],
      ['mailgun', 'email_open', 'machine', 'mailgun_client_info_bot'],
      ['sendgrid', 'email_click', 'unknown', 'recorded_before_classification'],
      ['sendgrid', 'email_click', 'unknown', 'recorded_before_classification'],
      ['sendgrid', 'email_open', 'human', 'sendgrid_machine_open_flag'],
      ['sendgrid', 'email_open', 'machine', 'sendgrid_machine_open_flag'],
      ['sendgrid', 'email_open', 'unknown', 'no_provider_signal'],
    ]);
    const after = await getRollupSummary({ workspace_id: ws }, { db: t.db });
    expect(after.totals).toEqual({
      ...before.totals,
      email_bot_clicked: 0,
      email_unique_human_clicked: before.totals.email_unique_human_clicked - 1,
    });
    expect(after.totals).toMatchObject({ email_machine_opened: 2, email_unique_human_opened: 1, email_unique_human_clicked: 1 });
  });

  it('property: classified streams with duplicates, shuffles, concurrency and late mappings match a recount from the ledger', async () => {
    const step = fc.record({
      object: fc.integer({ min: 0, max: 4 }),
      type: fc.constantFrom<MetricsEventType>('email_open', 'email_click'),
      cls: fc.constantFrom<EngagementClass>('human', 'machine', 'bot', 'unknown'),
      hour: fc.integer({ min: 0, max: 11 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 0, max: 1_000 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 5 }),
        fc.boolean(),
        async (steps, picks, mappedUpFront, concurrent) => {
          const ws = await createWorkspace(t.db);
          const events = steps.map((s, i) => event(`o${s.object}`, s.type, s.hour, s.cls, `p-${i}`));
          for (let o = 0; o < mappedUpFront; o += 1) await map(ws, `o${o}`);
          const order = [...events.keys(), ...picks.map((p) => p % events.length)];
          const shuffled = order.map((index, i) => ({ index, key: picks[i % picks.length]! * 7919 + i })).sort((a, b) => a.key - b.key);
          const batches: NormalizedEvent[][] = [];
          for (let i = 0; i < shuffled.length; i += 3) batches.push(shuffled.slice(i, i + 3).map((s) => events[s.index]!));
          if (concurrent) await Promise.all(batches.map((b) => ingest(ws, b)));
          else for (const b of batches) await ingest(ws, b);
          for (let o = mappedUpFront; o < 5; o += 1) await map(ws, `o${o}`);

          // Independent recount from the steps themselves.
          const expected = new Map<number, Counts>();
          const at = (hour: number) => {
            const counts = expected.get(hour) ?? zero();
            expected.set(hour, counts);
            return counts;
          };
          const earliest = new Map<string, number>();
          const first = (key: string, hour: number) => earliest.set(key, Math.min(earliest.get(key) ?? Infinity, hour));
          for (const s of steps) {
            const counts = at(s.hour);
            if (s.type === 'email_open') {
              counts.opened += 1;
              if (s.cls === 'machine') counts.machineOpened += 1;
              first(`${s.object}|uniqueOpened`, s.hour);
              if (s.cls === 'human') first(`${s.object}|humanOpened`, s.hour);
            } else {
              counts.clicked += 1;
              if (s.cls === 'bot') counts.botClicked += 1;
              if (s.cls === 'human') first(`${s.object}|humanClicked`, s.hour);
            }
          }
          for (const [key, hour] of earliest) at(hour)[key.split('|')[1] as keyof Counts] += 1;
          const actual = await byHour(ws);
          expect(actual).toEqual(expected);
          expect(await recountFromLedger(ws)).toEqual(expected);
        },
      ),
      { numRuns: kind === 'pglite' ? 20 : 30 },
    );
  });
});
