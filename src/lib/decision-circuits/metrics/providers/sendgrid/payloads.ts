// SendGrid Event Webhook payloads as SendGrid sends them (docs/providers.md, SendGrid).
import type { EventCounter } from '../../metrics-types';
import type { Rng } from '../../../../random/seeded-rng';
import { LINKS, USER_AGENTS, testNetIp, type SimulatedEngagement } from '../kit/sample-payloads';

export const SENDGRID_EVENT_KINDS = [
  'processed',
  'dropped',
  'deferred',
  'delivered',
  'bounce',
  'open',
  'click',
  'spamreport',
  'unsubscribe',
  'group_unsubscribe',
] as const;
export type SendGridEventKind = (typeof SENDGRID_EVENT_KINDS)[number];

/** What each SendGrid event should add to a rollup: the providers.md table, stated independently of the app. */
export const SENDGRID_COUNTER: Record<SendGridEventKind, EventCounter | null> = {
  processed: 'email_sent',
  dropped: null,
  deferred: null,
  delivered: 'email_delivered',
  bounce: 'email_bounced',
  open: 'email_opened',
  click: 'email_clicked',
  spamreport: 'email_complained',
  unsubscribe: 'email_unsubscribed',
  group_unsubscribe: 'email_unsubscribed',
};

export interface SendGridMessage {
  /** What the Mail Send API returned: 22 URL-safe base64 characters, no dots. The attribution key. */
  xMessageId: string;
  email: string;
  /** custom_args, flattened into every event's top level by SendGrid. */
  customArgs: Readonly<Record<string, string>> | null;
  category: string;
  asmGroupId: number;
  /** Per-message event counter, so every sg_event_id is unique. */
  eventCount: number;
}

export function newSendGridMessage(rng: Rng, email: string, customArgs: Readonly<Record<string, string>> | null = null): SendGridMessage {
  return {
    xMessageId: rng.base64url(22),
    email,
    customArgs,
    category: rng.pick(['newsletter', 'promo', 'onboarding']),
    asmGroupId: rng.int(1000, 29999),
    eventCount: 0,
  };
}

/** `<X-Message-Id>.filterdrecv-…`: what SendGrid puts in sg_message_id after splitting a request. */
function sgMessageId(rng: Rng, message: SendGridMessage): string {
  return `${message.xMessageId}.filterdrecv-${rng.hex(4)}-${rng.int(1, 9)}-${rng.hex(8).toUpperCase()}-${rng.int(1, 60)}.0`;
}

function sgEventId(message: SendGridMessage, kind: SendGridEventKind): string {
  message.eventCount += 1;
  // Modern ids are base64url of "<event>-<n>-<id>-<n>" (see the SDK's captured events).
  return Buffer.from(`${kind}-${message.eventCount}-${message.xMessageId}-0`).toString('base64url');
}

/**
 * One SendGrid event object for `message` at `atMs`, with the fields that kind carries. With
 * `engagement`, an open or click by that actor: SendGrid flags Apple's privacy proxy alone
 * (`sg_machine_open`), and nothing on a click says a scanner made it but its user agent.
 */
export function sendGridEvent(
  rng: Rng,
  message: SendGridMessage,
  kind: SendGridEventKind,
  atMs: number,
  engagement?: SimulatedEngagement,
): Record<string, unknown> {
  const event: Record<string, unknown> = {
    email: message.email,
    timestamp: Math.floor(atMs / 1000),
    event: kind,
    sg_event_id: sgEventId(message, kind),
    sg_message_id: sgMessageId(rng, message),
    'smtp-id': `<${message.xMessageId}@geopod-ismtpd-${rng.int(1, 9)}>`,
    // category arrives as a string or as an array.
    category: rng.chance(0.5) ? message.category : [message.category],
  };
  const agent = { useragent: rng.pick(USER_AGENTS), ip: testNetIp(rng) };
  if (engagement?.userAgent) agent.useragent = engagement.userAgent;
  switch (kind) {
    case 'processed':
      Object.assign(event, { pool: { name: 'transactional', id: 210 } });
      break;
    case 'dropped':
      Object.assign(event, { reason: 'Bounced Address', status: '5.0.0' });
      break;
    case 'deferred':
      Object.assign(event, { response: '400 4.2.2 mailbox full, try again later', attempt: String(rng.int(1, 5)) });
      break;
    case 'delivered':
      Object.assign(event, { response: '250 2.0.0 OK', ip: '168.245.1.1', tls: 1 });
      break;
    case 'bounce': {
      const blocked = rng.chance(0.3);
      Object.assign(
        event,
        blocked
          ? { type: 'blocked', status: '5.2.2', reason: '552 5.2.2 over quota', bounce_classification: 'Mailbox Unavailable' }
          : { type: 'bounce', status: '5.1.1', reason: '550 5.1.1 user unknown', bounce_classification: 'Invalid Address' },
      );
      break;
    }
    case 'open':
      Object.assign(event, { sg_machine_open: engagement?.actor === 'apple_proxy', ...agent });
      break;
    case 'click': {
      let url = rng.pick(LINKS);
      let index = rng.int(0, 2);
      if (engagement?.link !== undefined) [url, index] = [LINKS[engagement.link] ?? url, engagement.link];
      Object.assign(event, { url, url_offset: { index, type: 'html' }, ...agent });
      break;
    }
    case 'group_unsubscribe':
      Object.assign(event, { asm_group_id: message.asmGroupId, ...agent });
      break;
    default:
      break;
  }
  // Reserved names win over custom args, as at SendGrid.
  return { ...(message.customArgs ?? {}), ...event };
}

/** A signed SendGrid body: a JSON array with each event followed by CRLF (`[{…},\r\n{…}]\r\n`). */
export function sendGridBatchBody(events: readonly Record<string, unknown>[]): string {
  return `[${events.map((event) => JSON.stringify(event)).join(',\r\n')}]\r\n`;
}
