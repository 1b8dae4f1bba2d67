// The simulator's machines: privacy proxies that open every delivered message of a protected
// inbox, scanners that click every link, each flagged in the payload the way its provider flags
// it (or not), and a ground truth that knows who did what.
import { describe, expect, it } from 'vitest';
import { LINKS, SCANNER_USER_AGENTS } from '../../../src/lib/decision-circuits/metrics/providers/kit/sample-payloads';
import {
  appClassPairs,
  engagementRates,
  engagementTallies,
  engagementText,
  expectedRollups,
  planCampaign,
  providerFlagPairs,
  scoreClass,
  type SimEvent,
} from '../../../tooling/simulator';

const START = Date.UTC(2025, 2, 2, 9, 40);
const plan = planCampaign({
  seed: 'machines',
  startMs: START,
  minutes: 240,
  recipients: 400,
  posts: 0,
  retryRate: 0,
  duplicateRate: 0,
  providers: ['sendgrid', 'resend', 'mailgun'],
});

/** Each planned event with the payload it travels in. */
function payloadOf(event: SimEvent): Record<string, unknown> {
  for (const delivery of plan.deliveries) {
    const at = delivery.eventKeys.indexOf(event.key);
    if (at < 0) continue;
    const body = JSON.parse(delivery.body) as unknown;
    if (delivery.provider === 'sendgrid') return (body as Record<string, unknown>[])[at] as Record<string, unknown>;
    if (delivery.provider === 'mailgun') return (body as { 'event-data': Record<string, unknown> })['event-data'];
    return body as Record<string, unknown>;
  }
  throw new Error(`event ${event.key} is in no delivery`);
}

const byObject = new Map<string, SimEvent[]>();
for (const event of plan.events) {
  if (event.objectId) byObject.set(event.objectId, [...(byObject.get(event.objectId) ?? []), event]);
}
const isOpen = (e: SimEvent) => e.counter === 'email_opened';
const isClick = (e: SimEvent) => e.counter === 'email_clicked';

describe('simulated machines', () => {
  it('opens every delivered message of a protected inbox minutes after delivery, whatever the variant, for about half the inboxes', () => {
    let protectedInboxes = 0;
    let delivered = 0;
    for (const events of byObject.values()) {
      const delivery = events.find((e) => e.counter === 'email_delivered');
      if (!delivery) continue;
      delivered += 1;
      const machine = events.filter((e) => isOpen(e) && e.engagement?.truth === 'machine');
      if (machine.length === 0) continue;
      protectedInboxes += 1;
      expect(machine).toHaveLength(1);
      const after = (machine[0]!.occurredAtMs - delivery.occurredAtMs) / 60_000;
      expect(after).toBeGreaterThanOrEqual(0.9);
      expect(after).toBeLessThanOrEqual(15.1);
    }
    // 800 recipients at 0.5: well within 0.4..0.6 (a few messages deliver after the campaign ends).
    expect(protectedInboxes / delivered).toBeGreaterThan(0.4);
    expect(protectedInboxes / delivered).toBeLessThan(0.6);
    for (const variant of plan.variants) {
      const t = engagementTallies(plan).byVariant.get(variant.key)!;
      expect(engagementRates(t).machineShareOfOpens).toBeGreaterThan(0.3);
    }
  });

  it('has scanners click every link within seconds of delivery, a second or two apart, and people click one link later', () => {
    let scanned = 0;
    for (const events of byObject.values()) {
      const delivery = events.find((e) => e.counter === 'email_delivered');
      const bot = events.filter((e) => isClick(e) && e.engagement?.truth === 'bot');
      if (bot.length === 0 || !delivery) continue;
      scanned += 1;
      expect(bot).toHaveLength(LINKS.length);
      expect(bot[0]!.occurredAtMs - delivery.occurredAtMs).toBeLessThanOrEqual(21_000);
      expect(bot.at(-1)!.occurredAtMs - bot[0]!.occurredAtMs).toBeLessThanOrEqual(4_000);
      const links = bot.map((e) => {
        const p = payloadOf(e);
        return (p.url ?? (p.data as { click?: { link?: string } }).click?.link) as string;
      });
      expect(new Set(links)).toEqual(new Set(LINKS));
    }
    expect(scanned).toBeGreaterThan(20);
    const human = plan.events.filter((e) => isClick(e) && e.engagement?.truth === 'human');
    expect(human.length).toBeGreaterThan(20);
  });

  it('flags each open and click as its provider does: sg_machine_open for Apple alone, client-info.bot at Mailgun, nothing at Resend', () => {
    const engaged = plan.events.filter((e) => e.engagement);
    expect(engaged.length).toBe(plan.events.filter((e) => isOpen(e) || isClick(e)).length);
    const seen = new Set<string>();
    for (const event of engaged) {
      const payload = payloadOf(event);
      const { actor, marked } = event.engagement!;
      seen.add(`${event.provider}:${actor}`);
      if (event.provider === 'sendgrid') {
        if (isOpen(event)) {
          expect(payload.sg_machine_open).toBe(actor === 'apple_proxy');
          expect(marked).toBe(actor === 'apple_proxy' ? 'machine' : 'human');
        } else {
          expect(payload).not.toHaveProperty('sg_machine_open');
          expect(marked).toBeNull();
        }
      } else if (event.provider === 'mailgun') {
        const bot = (payload['client-info'] as { bot: string }).bot;
        expect(bot).toBe({ person: '', apple_proxy: 'apple', gmail_proxy: 'gmail', scanner: 'generic' }[actor]);
        expect(marked).toBe(event.engagement!.truth);
      } else {
        expect(JSON.stringify(payload)).not.toMatch(/machine|"bot"/);
        expect(marked).toBeNull();
      }
    }
    for (const provider of ['sendgrid', 'resend', 'mailgun'])
      for (const actor of ['person', 'apple_proxy', 'gmail_proxy', 'scanner'])
        expect(seen, `${provider}:${actor}`).toContain(`${provider}:${actor}`);
  });

  it('gives some scanners a known scanner user agent and lets the others pass for browsers (unflagged)', () => {
    const agents = plan.events
      .filter((e) => e.provider === 'resend' && e.engagement?.actor === 'scanner')
      .map((e) => (payloadOf(e).data as { click: { userAgent: string } }).click.userAgent);
    const known = agents.filter((a) => SCANNER_USER_AGENTS.includes(a));
    expect(known.length).toBeGreaterThan(0);
    expect(known.length).toBeLessThan(agents.length);
  });

  it('scores the providers’ flags against the ground truth: Mailgun finds every machine, SendGrid only Apple’s, Resend none', () => {
    const pairs = providerFlagPairs(plan);
    const opens = (provider: string) =>
      scoreClass(
        pairs.filter((p) => p.provider === provider && p.kind === 'open'),
        'machine',
      );
    expect(opens('mailgun')).toMatchObject({ precision: 1, recall: 1 });
    expect(opens('sendgrid').precision).toBe(1);
    expect(opens('sendgrid').recall).toBeLessThan(1);
    expect(opens('sendgrid').recall).toBeGreaterThan(0.6);
    expect(opens('resend').predicted).toBe(0);
  });

  it('classifies as the app does: exactly the flag where a provider flags, unknown for Resend opens, heuristics for the other clicks', () => {
    const pairs = appClassPairs(plan);
    for (const event of plan.events.filter((e) => e.engagement)) {
      const { marked, classified } = event.engagement!;
      if (marked !== null) expect(classified.engagement_class, event.key).toBe(marked);
      if (event.provider === 'resend' && isOpen(event))
        expect(classified).toEqual({ engagement_class: 'unknown', class_signal: 'no_provider_signal' });
    }
    const of = (provider: string, kind: 'open' | 'click') => pairs.filter((p) => p.provider === provider && p.kind === kind);
    expect(new Set(of('sendgrid', 'open').map((p) => p.by))).toEqual(new Set(['flag']));
    expect(new Set(of('mailgun', 'click').map((p) => p.by))).toEqual(new Set(['flag']));
    expect(new Set(of('resend', 'open').map((p) => p.by))).toEqual(new Set(['no signal']));
    expect(new Set(of('resend', 'click').map((p) => p.by))).toEqual(new Set(['heuristic']));
    // Resend's click timing finds scanners whatever agent they show; SendGrid's clicks have only the agent.
    const resendBots = scoreClass(of('resend', 'click'), 'bot');
    const sendgridBots = scoreClass(of('sendgrid', 'click'), 'bot');
    expect(resendBots.recall).toBeGreaterThan(0.9);
    expect(resendBots.precision).toBeGreaterThan(0.9);
    expect(sendgridBots.precision).toBe(1);
    expect(sendgridBots.recall).toBeGreaterThan(0.3);
    expect(sendgridBots.recall).toBeLessThan(0.9);
  });

  it('expects the human and machine counters the classes give, and prints the heuristics’ precision and recall', () => {
    const rows = expectedRollups(plan);
    const sum = (counter: 'email_machine_opened' | 'email_bot_clicked' | 'email_unique_human_opened' | 'email_unique_human_clicked') =>
      rows.reduce((n, r) => n + r[counter], 0);
    const pairs = appClassPairs(plan);
    expect(sum('email_machine_opened')).toBe(pairs.filter((p) => p.kind === 'open' && p.predicted === 'machine').length);
    expect(sum('email_bot_clicked')).toBe(pairs.filter((p) => p.kind === 'click' && p.predicted === 'bot').length);
    const humanMessages = (kind: 'open' | 'click') =>
      new Set(
        plan.events
          .filter((e) => (kind === 'open' ? isOpen(e) : isClick(e)) && e.engagement?.classified.engagement_class === 'human')
          .map((e) => `${e.provider}|${e.objectId}`),
      );
    // Every message in the plan is mapped and delivered here (no retries to lose, unmapped ones aside).
    expect(sum('email_unique_human_opened')).toBeLessThanOrEqual(humanMessages('open').size);
    expect(sum('email_unique_human_opened')).toBeGreaterThan(0.8 * humanMessages('open').size);
    expect(sum('email_unique_human_clicked')).toBeGreaterThan(0);
    const text = engagementText(plan);
    expect(text).toMatch(/resend\s+\|?\s*click\s+\|?\s*heuristic\s+\|?\s*precision \d/);
    expect(text).toMatch(/resend\s+\|?\s*open\s+\|?\s*no signal/);
  });

  it('keeps the share settable: no protected inbox and no scanner means only people open and click', () => {
    const people = planCampaign({ seed: 'people', startMs: START, recipients: 100, posts: 0, protectedShare: 0, scannerShare: 0 });
    expect(people.events.filter((e) => e.engagement && e.engagement.truth !== 'human')).toEqual([]);
    const all = planCampaign({ seed: 'all', startMs: START, recipients: 100, posts: 0, protectedShare: 1 });
    const machineOpened = new Set(all.events.filter((e) => e.engagement?.truth === 'machine').map((e) => e.objectId));
    // Every message delivered early enough for its proxy to fetch it before the campaign ends.
    const deliveredEarly = all.events.filter((e) => e.counter === 'email_delivered' && e.occurredAtMs < all.endMs - 20 * 60_000);
    expect(deliveredEarly.length).toBeGreaterThan(150);
    for (const delivery of deliveredEarly) expect(machineOpened.has(delivery.objectId)).toBe(true);
    expect(() => planCampaign({ seed: 'x', startMs: START, protectedShare: 1.5 })).toThrow(/protectedShare/);
  });
});
