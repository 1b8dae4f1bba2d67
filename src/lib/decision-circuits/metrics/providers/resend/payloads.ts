// Resend webhook payloads as Resend (Svix) sends them (docs/providers.md, Resend).
import type { EventCounter } from '../../metrics-types';
import type { Rng } from '../../../../random/seeded-rng';
import { LINKS, USER_AGENTS, testNetIp, type SimulatedEngagement } from '../kit/sample-payloads';

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

/**
 * One Resend `email.*` event for `message` at `atMs`. With `engagement`, an open or click by that
 * actor: Resend's opens say nothing of who opened, its clicks carry the clicker's user agent.
 */
export function resendEmailEvent(
  rng: Rng,
  message: ResendMessage,
  type: Exclude<ResendEventType, 'contact.updated'>,
  atMs: number,
  engagement?: SimulatedEngagement,
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
    const click = {
      ipAddress: testNetIp(rng),
      link: rng.pick(LINKS),
      timestamp: new Date(atMs).toISOString(),
      userAgent: rng.pick(USER_AGENTS),
    };
    if (engagement?.link !== undefined) click.link = LINKS[engagement.link] ?? click.link;
    if (engagement?.userAgent) click.userAgent = engagement.userAgent;
    data.click = click;
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
