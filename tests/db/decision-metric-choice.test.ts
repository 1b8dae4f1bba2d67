// Which metric decides a test, on both databases: an unregistered test defaults to the unique human
// open rate when every provider of its messages flags machine opens (SendGrid, Mailgun), else to
// the unique human click rate (Resend's opens carry no signal); a registered test keeps the metric
// it registered; and a test whose total opens are equal but whose people opened B more names B.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAbTestDecision, registerAbTest } from '../../src/lib/decision-circuits/metrics';
import { createRng } from '../../src/lib/random/seeded-rng';
import { describeReason } from '../../src/lib/stats';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { createWorkspace } from '../helpers/factories';
import { HOUR_MS, hours, seedMessages, type SeededMessage } from '../helpers/ledger-messages';

const START = Date.UTC(2026, 10, 1, 8);
const at = (ms: number) => new Date(START + ms);
const LATER = at(hours(24 * 30));
const PER_HOUR = 100;
const HOURS = 24;

/**
 * Every other message opened half an hour after delivery (the same total in every arm); of those
 * opens, `humanShare` made by people and the rest by a privacy proxy. Clicks: a person clicks a
 * third of the messages they opened, a scanner a tenth of the rest. Seeded.
 */
function machineCampaign(seed: string, humanShare: number): SeededMessage[] {
  const rng = createRng(seed);
  return Array.from({ length: HOURS * PER_HOUR }, (_, i) => {
    const delivered = hours(Math.floor(i / PER_HOUR)) + ((i % PER_HOUR) * HOUR_MS) / PER_HOUR;
    if (i % 2 === 1) return { deliveredAt: at(delivered) };
    const human = rng.chance(humanShare);
    const clicked = rng.chance(human ? 1 / 3 : 1 / 10);
    return {
      deliveredAt: at(delivered),
      openedAt: at(delivered + HOUR_MS / 2),
      openClass: human ? 'human' : 'machine',
      clickedAt: clicked ? at(delivered + HOUR_MS) : null,
      clickClass: human ? 'human' : 'bot',
    };
  });
}

type Provider = 'sendgrid' | 'mailgun' | 'resend';

/** Resend's opens carry no signal: ingestion records every one as `unknown`. */
function asSentBy(provider: Provider, messages: SeededMessage[]): SeededMessage[] {
  return provider === 'resend' ? messages.map((m) => (m.openedAt ? { ...m, openClass: 'unknown' } : m)) : messages;
}

const ids = {
  // SendGrid only, not registered: decided on human opens.
  sendgrid: ['c4444444-1111-4111-8111-111111111111', 'c5555555-2222-4222-8222-222222222222'],
  // SendGrid and Mailgun, not registered: both flag machine opens.
  flagged: ['c6666666-1111-4111-8111-111111111111', 'c7777777-2222-4222-8222-222222222222'],
  // Resend and SendGrid, not registered: Resend's opens are unknown, so human clicks.
  resend: ['c8888888-1111-4111-8111-111111111111', 'c9999999-2222-4222-8222-222222222222'],
  // The SendGrid data, registered on the unique open rate: it keeps that metric.
  registered: ['d4444444-1111-4111-8111-111111111111', 'd5555555-2222-4222-8222-222222222222'],
};

describe.each(DATABASE_KINDS)('the metric a decision reads, on %s', (kind) => {
  let t: TestDatabase;
  let ws: string;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    ws = await createWorkspace(t.db);
    // Half the control's openers are people, 65 % of the challenger's: equal totals, B ahead on people.
    // Both arms send in the same hours: the unregistered control is the smaller id (listed first).
    const seedPair = async ([abTestId, challenger]: string[], providers: [Provider, Provider]) => {
      await seedMessages(t.db, ws, abTestId!, abTestId!, asSentBy(providers[0], machineCampaign(`${abTestId}-a`, 0.5)), {
        provider: providers[0],
      });
      await seedMessages(t.db, ws, abTestId!, challenger!, asSentBy(providers[1], machineCampaign(`${abTestId}-b`, 0.65)), {
        provider: providers[1],
      });
    };
    await seedPair(ids.sendgrid, ['sendgrid', 'sendgrid']);
    await seedPair(ids.flagged, ['sendgrid', 'mailgun']);
    await seedPair(ids.resend, ['resend', 'sendgrid']);
    await registerAbTest(
      ws,
      {
        ab_test_id: ids.registered[0]!,
        name: 'Registered on opens',
        primary_metric: 'unique_open_rate',
        started_at: at(0).toISOString(),
        variants: [
          { variant_id: ids.registered[0]!, name: 'Statement', is_control: true, weight: 1 },
          { variant_id: ids.registered[1]!, name: 'Question', is_control: false, weight: 1 },
        ],
      },
      { db: t.db },
    );
    await seedPair(ids.registered, ['sendgrid', 'sendgrid']);
  }, 120_000);
  afterAll(async () => {
    await t.drop();
  });

  const decide = (abTestId: string, metric?: 'unique_open_rate') =>
    getAbTestDecision({ workspace_id: ws, ab_test_id: abTestId, ...(metric ? { metric } : {}) }, { db: t.db, asOf: LATER });

  it('decides an unregistered SendGrid test on human opens and names B, whose total opens equal A’s', async () => {
    const report = await decide(ids.sendgrid[0]!);
    expect(report.metric).toMatchObject({ key: 'unique_human_open_rate', label: 'Unique human open rate' });
    expect(report.metric.choice).toEqual({
      code: 'metric_choice',
      choice: 'default_human_opens',
      metric: 'unique human open rate',
      providers: ['SendGrid'],
      withoutOpenSignal: [],
    });
    expect(report.metric.why).toBe(describeReason(report.metric.choice));
    expect(report.metric.why).toMatch(/^Unique human open rate: every provider in this test \(SendGrid\) flags machine opens/);
    expect(report.decision).toBe('winner');
    expect(report.winnerVariantId).toBe(ids.sendgrid[1]);
    const [a, b] = report.variants;
    expect(a!.trials).toBe(HOURS * PER_HOUR);
    expect(b!.successes).toBeGreaterThan(a!.successes);

    // The same messages on total opens: exactly equal, so no winner; the request names the metric.
    const totals = await decide(ids.sendgrid[0]!, 'unique_open_rate');
    expect(totals.variants.map((v) => v.successes)).toEqual([(HOURS * PER_HOUR) / 2, (HOURS * PER_HOUR) / 2]);
    expect(totals.decision).not.toBe('winner');
    expect(totals.metric.choice.choice).toBe('metric_requested');
  });

  it('uses human opens when every provider flags machine opens (SendGrid and Mailgun)', async () => {
    const report = await decide(ids.flagged[0]!);
    expect(report.metric.key).toBe('unique_human_open_rate');
    expect(report.metric.choice).toMatchObject({ choice: 'default_human_opens', providers: ['Mailgun', 'SendGrid'] });
    expect(report.metric.why).toContain('(Mailgun and SendGrid) flags machine opens');
  });

  it('uses human clicks when a provider cannot tell machine opens apart (Resend), and says which', async () => {
    const report = await decide(ids.resend[0]!);
    expect(report.metric).toMatchObject({ key: 'unique_human_click_rate', successes: 'messages a person clicked within 24 h' });
    expect(report.metric.choice).toMatchObject({
      choice: 'default_human_clicks',
      providers: ['Resend', 'SendGrid'],
      withoutOpenSignal: ['Resend'],
    });
    expect(report.metric.why).toMatch(/^Unique human click rate: Resend cannot tell machine opens from people's/);
    // Human clicks: a third of the people who opened, against the control's.
    const [a, b] = report.variants;
    expect(b!.successes).toBeGreaterThan(a!.successes);
  });

  it('keeps the metric a registered test registered, on the same data', async () => {
    const report = await decide(ids.registered[0]!);
    expect(report.metric.key).toBe('unique_open_rate');
    expect(report.metric.choice.choice).toBe('metric_registered');
    expect(report.metric.why).toBe('Unique open rate: the metric registered for this test.');
    expect(report.decision).not.toBe('winner');
  });
});
