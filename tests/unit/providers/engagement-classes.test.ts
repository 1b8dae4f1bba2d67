// Who opened and clicked, as each provider's classifier reads it from real payload fixtures: the
// provider's own flag where it sends one, the payload heuristics where it does not, `unknown`
// where nothing in the payload tells (never guessed). The normalisers attach the same verdicts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { EngagementVerdict, NormalizedEvent } from '../../../src/lib/decision-circuits/metrics/metrics-types';
import {
  SCANNER_CLICK_WINDOW_SECONDS,
  isClickSecondsAfterSend,
  isScannerUserAgent,
} from '../../../src/lib/decision-circuits/metrics/providers/kit/engagement';
import type { NormalizeContext } from '../../../src/lib/decision-circuits/metrics/providers/kit/provider';
import { SCANNER_USER_AGENTS, USER_AGENTS } from '../../../src/lib/decision-circuits/metrics/providers/kit/sample-payloads';
import { classifyMailgunEngagement } from '../../../src/lib/decision-circuits/metrics/providers/mailgun/engagement';
import { mailgunWebhook } from '../../../src/lib/decision-circuits/metrics/providers/mailgun/webhook';
import { classifyResendEngagement } from '../../../src/lib/decision-circuits/metrics/providers/resend/engagement';
import { resendModule } from '../../../src/lib/decision-circuits/metrics/providers/resend/webhook';
import { classifySendGridEngagement } from '../../../src/lib/decision-circuits/metrics/providers/sendgrid/engagement';
import { sendgridModule } from '../../../src/lib/decision-circuits/metrics/providers/sendgrid/webhook';

const json = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8')) as Record<string, unknown>;
const ctx: NormalizeContext = { receivedAt: new Date('2025-03-02T12:00:00Z'), storeRawEmail: false };
const verdict = (engagement_class: EngagementVerdict['engagement_class'], class_signal: string) => ({ engagement_class, class_signal });
const classes = (events: NormalizedEvent[]) => events.map((e) => [e.provider_event_type, e.engagement ?? null]);

describe('SendGrid', () => {
  const batch = json('sendgrid/machine-opens-and-scanner-clicks.json') as unknown as Record<string, unknown>[];

  it('reads sg_machine_open on opens, the scanner user agent on clicks, and nothing where an open has no flag', () => {
    expect(batch.map((item) => classifySendGridEngagement(item.event === 'open' ? 'email_open' : 'email_click', item))).toEqual([
      verdict('machine', 'sendgrid_machine_open_flag'),
      verdict('human', 'sendgrid_machine_open_flag'),
      verdict('bot', 'scanner_user_agent'),
      verdict('human', 'no_scanner_pattern'),
      verdict('unknown', 'no_provider_signal'),
    ]);
  });

  it('the normaliser attaches the verdict to opens and clicks only', () => {
    const all = json('sendgrid/batch-all-kinds.json') as unknown as unknown[];
    const { events } = sendgridModule.normalize(all, ctx);
    for (const event of events) {
      if (event.event_type === 'email_open') expect(event.engagement).toEqual(verdict('human', 'sendgrid_machine_open_flag'));
      else if (event.event_type === 'email_click') expect(event.engagement).toEqual(verdict('human', 'no_scanner_pattern'));
      else expect(event.engagement).toBeUndefined();
    }
    expect(classes(sendgridModule.normalize(batch, ctx).events).map(([, v]) => v)).toEqual([
      verdict('machine', 'sendgrid_machine_open_flag'),
      verdict('human', 'sendgrid_machine_open_flag'),
      verdict('bot', 'scanner_user_agent'),
      verdict('human', 'no_scanner_pattern'),
      verdict('unknown', 'no_provider_signal'),
    ]);
  });
});

describe('Mailgun', () => {
  const cases: [string, EngagementVerdict][] = [
    ['opened.json', verdict('unknown', 'no_provider_signal')],
    ['clicked.json', verdict('unknown', 'no_provider_signal')],
    ['opened-apple-proxy.json', verdict('machine', 'mailgun_client_info_bot')],
    ['clicked-scanner.json', verdict('bot', 'mailgun_client_info_bot')],
    ['clicked-person.json', verdict('human', 'mailgun_client_info_no_bot')],
  ];
  it.each(cases)('%s: client-info.bot decides', (file, expected) => {
    const body = json(`mailgun/${file}`);
    const eventData = body['event-data'] as Record<string, unknown>;
    const kind = eventData.event === 'opened' ? 'email_open' : 'email_click';
    expect(classifyMailgunEngagement(kind, eventData)).toEqual(expected);
    expect(mailgunWebhook.normalize(body, ctx).events[0]?.engagement).toEqual(expected);
  });

  it('gmail is a privacy proxy; any other bot name a bot; a name like "constructor" is no lookup key', () => {
    const at = (bot: string) => classifyMailgunEngagement('email_open', { 'client-info': { bot } })?.engagement_class;
    expect(at('gmail')).toBe('machine');
    expect(at('generic')).toBe('bot');
    expect(at('constructor')).toBe('bot');
    expect(classifyMailgunEngagement('email_delivered', { 'client-info': { bot: 'apple' } })).toBeUndefined();
  });
});

describe('Resend', () => {
  it('opens carry no signal: unknown, never guessed', () => {
    const opened = json('resend/email-opened.json');
    expect(classifyResendEngagement('email_open', opened)).toEqual(verdict('unknown', 'no_provider_signal'));
    expect(resendModule.normalize(opened, { ...ctx, deliveryId: 'msg_open_1' }).events[0]?.engagement).toEqual(
      verdict('unknown', 'no_provider_signal'),
    );
  });

  it.each([
    ['email-clicked.json', verdict('human', 'no_scanner_pattern')],
    ['email-clicked-scanner-agent.json', verdict('bot', 'scanner_user_agent')],
    ['email-clicked-on-arrival.json', verdict('bot', 'click_seconds_after_send')],
  ] as const)('%s: the click heuristics decide', (file, expected) => {
    const payload = json(`resend/${file}`);
    expect(classifyResendEngagement('email_click', payload)).toEqual(expected);
    expect(resendModule.normalize(payload, { ...ctx, deliveryId: `msg_${file}` }).events[0]?.engagement).toEqual(expected);
  });
});

describe('heuristics', () => {
  it('knows the security gateways and scripted clients, not the browsers and mail clients people use', () => {
    for (const agent of SCANNER_USER_AGENTS) expect(isScannerUserAgent(agent), agent).toBe(true);
    for (const agent of USER_AGENTS) expect(isScannerUserAgent(agent), agent).toBe(false);
    expect(isScannerUserAgent('Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328)')).toBe(false);
    expect(isScannerUserAgent(undefined)).toBe(false);
  });

  it('a click within the window after the send, not before it nor after', () => {
    const sent = '2025-03-02T10:00:00.000Z';
    const after = (seconds: number) => new Date(Date.parse(sent) + seconds * 1000).toISOString();
    expect(isClickSecondsAfterSend(sent, after(5))).toBe(true);
    expect(isClickSecondsAfterSend(sent, after(SCANNER_CLICK_WINDOW_SECONDS - 0.001))).toBe(true);
    expect(isClickSecondsAfterSend(sent, after(SCANNER_CLICK_WINDOW_SECONDS))).toBe(false);
    expect(isClickSecondsAfterSend(sent, after(-5))).toBe(false);
    expect(isClickSecondsAfterSend('not a time', after(5))).toBe(false);
    expect(isClickSecondsAfterSend(null, after(5))).toBe(false);
  });
});
