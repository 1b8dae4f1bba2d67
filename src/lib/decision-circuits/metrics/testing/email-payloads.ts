// Email provider payloads as SendGrid and Resend send them (docs/providers.md).
import type { EventCounter } from '../metrics-types';
import type { Rng } from './random';

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

export const RESEND_EVENT_TYPES = [
  'email.sent',
  'email.delivered',
  'email.delivery_delayed',
  'email.bounced',
  'email.opened',
  'email.clicked',
  'email.complained',
  'contact.updated',
] as const;
export type ResendEventType = (typeof RESEND_EVENT_TYPES)[number];

/** Resend has no per-email unsubscribe: `contact.updated` names no email, so it counts nowhere. */
export const RESEND_COUNTER: Record<ResendEventType, EventCounter | null> = {
  'email.sent': 'email_sent',
  'email.delivered': 'email_delivered',
  'email.delivery_delayed': null,
  'email.bounced': 'email_bounced',
  'email.opened': 'email_opened',
  'email.clicked': 'email_clicked',
  'email.complained': 'email_complained',
  'contact.updated': null,
};

const FIRST_NAMES = ['ann', 'bob', 'cy', 'dee', 'eli', 'fay', 'gus', 'hana', 'ivo', 'jun', 'kai', 'lea', 'max', 'nia'];
const DOMAINS = ['example.com', 'example.org', 'example.net'];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
];
const LINKS = ['https://example.com/offer', 'https://example.com/pricing', 'https://example.com/blog/launch'];

/** A recipient address on the reserved example domains; `n` keeps it unique within a run. */
export function recipientAddress(rng: Rng, n: number): string {
  return `${rng.pick(FIRST_NAMES)}.${n}.${rng.base62(4).toLowerCase()}@${rng.pick(DOMAINS)}`;
}

/** A TEST-NET address (RFC 5737), as opens and clicks report them. */
export function testNetIp(rng: Rng): string {
  return `${rng.pick(['192.0.2', '198.51.100', '203.0.113'])}.${rng.int(1, 254)}`;
}

// ---------- SendGrid ----------

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

/** One SendGrid event object for `message` at `atMs`, with the fields that kind carries. */
export function sendGridEvent(rng: Rng, message: SendGridMessage, kind: SendGridEventKind, atMs: number): Record<string, unknown> {
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
      Object.assign(event, { sg_machine_open: false, ...agent });
      break;
    case 'click':
      Object.assign(event, { url: rng.pick(LINKS), url_offset: { index: rng.int(0, 2), type: 'html' }, ...agent });
      break;
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

// ---------- Resend ----------

export interface ResendMessage {
  /** The id POST /emails returned; the attribution key. */
  emailId: string;
  from: string;
  to: string;
  subject: string;
  createdAtMs: number;
  tags: Readonly<Record<string, string>> | null;
  /** Older docs showed tags as `[{name, value}]`; both shapes occur. */
  tagsAsArray: boolean;
}

export function newResendMessage(
  rng: Rng,
  to: string,
  createdAtMs: number,
  tags: Readonly<Record<string, string>> | null = null,
): ResendMessage {
  return {
    emailId: rng.uuid(),
    from: 'News <news@example.com>',
    to,
    subject: rng.pick(['March update', 'Your spring offer', 'What is new this week']),
    createdAtMs,
    tags,
    tagsAsArray: rng.chance(0.2),
  };
}

/** `2025-03-02T10:01:55.120044+00:00`: the microsecond form Resend uses inside `data`. */
function resendDataTime(rng: Rng, epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 23)}${rng.chars('0123456789', 3)}+00:00`;
}

/** A Svix message id (`msg_` + 27 base62 characters): the svix-id header, stable across retries. */
export function svixMessageId(rng: Rng): string {
  return `msg_${rng.base62(27)}`;
}

/** One Resend `email.*` event for `message` at `atMs`. */
export function resendEmailEvent(
  rng: Rng,
  message: ResendMessage,
  type: Exclude<ResendEventType, 'contact.updated'>,
  atMs: number,
): Record<string, unknown> {
  const data: Record<string, unknown> = {
    email_id: message.emailId,
    created_at: resendDataTime(rng, message.createdAtMs),
    from: message.from,
    to: [message.to],
    subject: message.subject,
  };
  if (message.tags !== null) {
    data.tags = message.tagsAsArray ? Object.entries(message.tags).map(([name, value]) => ({ name, value })) : { ...message.tags };
  }
  if (type === 'email.bounced') {
    data.bounce = rng.chance(0.8)
      ? {
          type: 'Permanent',
          subType: 'General',
          message: 'The recipient does not exist.',
          diagnosticCode: ['smtp; 550 5.1.1 user unknown'],
        }
      : { type: 'Transient', subType: 'MailboxFull', message: 'The mailbox is full.', diagnosticCode: ['smtp; 452 4.2.2 mailbox full'] };
  }
  if (type === 'email.clicked') {
    data.click = {
      ipAddress: testNetIp(rng),
      link: rng.pick(LINKS),
      timestamp: new Date(atMs).toISOString(),
      userAgent: rng.pick(USER_AGENTS),
    };
  }
  return { type, created_at: new Date(atMs).toISOString(), data };
}

/** Resend's unsubscribe: a contact-level update with no email_id (so it attributes to nothing). */
export function resendContactUnsubscribed(rng: Rng, email: string, atMs: number): Record<string, unknown> {
  return {
    type: 'contact.updated',
    created_at: new Date(atMs).toISOString(),
    data: {
      id: rng.uuid(),
      audience_id: rng.uuid(),
      created_at: new Date(atMs - 86_400_000 * rng.int(5, 90)).toISOString(),
      updated_at: new Date(atMs).toISOString(),
      email,
      first_name: email.split('.')[0] ?? 'ann',
      unsubscribed: true,
    },
  };
}
