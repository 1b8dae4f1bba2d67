// event-data as Mailgun posts it (and lists it in the Events API), for samples and the simulator.
// Shaped from Mailgun's documented webhook payloads; every value is invented.
import type { EventCounter } from '../../metrics-types';
import type { Rng } from '../../../../random/seeded-rng';
import { LINKS, USER_AGENTS, testNetIp, type SimulatedActor, type SimulatedEngagement } from '../kit/sample-payloads';

/** The event-data kinds built here: Mailgun's event names, with `failed` split by severity. */
export const MAILGUN_EVENT_KINDS = [
  'accepted',
  'delivered',
  'failed',
  'failed:temporary',
  'opened',
  'clicked',
  'complained',
  'unsubscribed',
] as const;
export type MailgunEventKind = (typeof MAILGUN_EVENT_KINDS)[number];

/**
 * What each kind adds to a rollup, from Mailgun's event descriptions: accepted = queued for
 * sending, a permanent failure = a bounce (Mailgun stops trying), a temporary one is retried and
 * counts nowhere yet.
 */
export const MAILGUN_COUNTER: Readonly<Record<MailgunEventKind, EventCounter | null>> = {
  accepted: 'email_sent',
  delivered: 'email_delivered',
  failed: 'email_bounced',
  'failed:temporary': null,
  opened: 'email_opened',
  clicked: 'email_clicked',
  complained: 'email_complained',
  unsubscribed: 'email_unsubscribed',
};

export interface MailgunMessage {
  /** The Message-Id the send API returned, without its angle brackets: the attribution key. */
  objectId: string;
  domain: string;
  recipient: string;
  from: string;
  subject: string;
  tags: readonly string[];
  /** Custom variables set at send (`v:` parameters / X-Mailgun-Variables). */
  variables: Readonly<Record<string, string>>;
  sendAtMs: number;
}

const DOMAIN = 'mg.example.com';
const CLIENTS = [
  { 'client-name': 'Chrome', 'client-os': 'Windows', 'client-type': 'browser', 'device-type': 'desktop' },
  { 'client-name': 'Mobile Safari', 'client-os': 'iOS', 'client-type': 'mobile browser', 'device-type': 'mobile' },
  { 'client-name': 'Apple Mail', 'client-os': 'macOS', 'client-type': 'email client', 'device-type': 'desktop' },
] as const;
const PLACES = [
  { country: 'US', region: 'TX', city: 'Austin' },
  { country: 'DE', region: 'BE', city: 'Berlin' },
  { country: 'GB', region: 'ENG', city: 'Leeds' },
];

/** `20250302101555.a1b2c3d4e5f60718@mg.example.com`: the form Mailgun's send API returns (inside `<…>`). */
export function mailgunMessageId(rng: Rng, atMs: number, domain = DOMAIN): string {
  const stamp = new Date(atMs).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${stamp}.${rng.hex(16)}@${domain}`;
}

export function newMailgunMessage(
  rng: Rng,
  recipient: string,
  sendAtMs: number,
  variables: Readonly<Record<string, string>> = {},
): MailgunMessage {
  return {
    objectId: mailgunMessageId(rng, sendAtMs),
    domain: DOMAIN,
    recipient,
    from: `News <news@${DOMAIN}>`,
    subject: rng.pick(['March update', 'Your spring offer', 'What is new this week']),
    tags: [rng.pick(['newsletter', 'promo', 'onboarding'])],
    variables,
    sendAtMs,
  };
}

/**
 * Mailgun's float seconds (microseconds), for the whole millisecond of `atMs`. The extra digits
 * stay below half a millisecond, so the millisecond the app stores is `Math.floor(atMs)`.
 */
export function mailgunTimestamp(rng: Rng, atMs: number): number {
  const ms = Math.floor(atMs);
  const seconds = Math.floor(ms / 1000);
  const fraction = `${String(ms - seconds * 1000).padStart(3, '0')}${String(rng.int(0, 399)).padStart(3, '0')}`;
  return Number(`${seconds}.${fraction}`);
}

/** Mailgun's `client-info.bot`: which automated fetcher it detected, empty for a person. */
export const MAILGUN_BOT_OF_ACTOR: Readonly<Record<SimulatedActor, '' | 'apple' | 'gmail' | 'generic'>> = {
  person: '',
  apple_proxy: 'apple',
  gmail_proxy: 'gmail',
  scanner: 'generic',
};

function engagement(rng: Rng, who?: SimulatedEngagement): Record<string, unknown> {
  const ip = testNetIp(rng);
  const geolocation = rng.pick(PLACES);
  const clientInfo: Record<string, unknown> = { ...rng.pick(CLIENTS), 'user-agent': rng.pick(USER_AGENTS) };
  if (who) {
    if (who.userAgent) clientInfo['user-agent'] = who.userAgent;
    clientInfo.bot = MAILGUN_BOT_OF_ACTOR[who.actor];
  }
  return { ip, geolocation, 'client-info': clientInfo };
}

/**
 * One event-data object for `message` at `atMs`, with the fields that kind carries. With `who`, an
 * open or click by that actor, marked in `client-info.bot` as Mailgun's bot detection marks it.
 */
export function mailgunEventData(
  rng: Rng,
  message: MailgunMessage,
  kind: MailgunEventKind,
  atMs: number,
  who?: SimulatedEngagement,
): Record<string, unknown> {
  const event = kind === 'failed:temporary' ? 'failed' : kind;
  const data: Record<string, unknown> = {
    event,
    id: rng.base62(22),
    timestamp: mailgunTimestamp(rng, atMs),
    'log-level': 'info',
    recipient: message.recipient,
    'recipient-domain': message.recipient.split('@')[1] ?? '',
    tags: [...message.tags],
    campaigns: [],
    'user-variables': { ...message.variables },
    flags: { 'is-authenticated': true, 'is-test-mode': false },
  };
  // Engagement events name only the message id; delivery events carry the headers sent.
  const sendingSide =
    kind === 'accepted' || kind === 'delivered' || kind === 'failed' || kind === 'failed:temporary' || kind === 'complained';
  data.message = sendingSide
    ? {
        headers: { to: message.recipient, 'message-id': message.objectId, from: message.from, subject: message.subject },
        attachments: [],
        size: rng.int(2_000, 40_000),
      }
    : { headers: { 'message-id': message.objectId } };
  if (sendingSide && kind !== 'complained') {
    data.envelope = { sender: `bounce@${message.domain}`, targets: message.recipient, transport: 'smtp', 'sending-ip': '209.61.151.1' };
  }
  switch (kind) {
    case 'accepted':
      Object.assign(data, { method: 'HTTP' });
      break;
    case 'delivered':
      data['delivery-status'] = {
        tls: true,
        'mx-host': 'mx.example.org',
        code: 250,
        description: '',
        'session-seconds': rng.between(0.2, 2),
        'attempt-no': 1,
        message: 'OK',
        'certificate-verified': true,
      };
      break;
    case 'failed':
      Object.assign(data, {
        'log-level': 'error',
        severity: 'permanent',
        reason: 'bounce',
        'delivery-status': {
          code: 550,
          message: '5.1.1 The email account that you tried to reach does not exist.',
          description: '',
          'attempt-no': 1,
          'mx-host': 'mx.example.org',
        },
      });
      break;
    case 'failed:temporary':
      Object.assign(data, {
        'log-level': 'warn',
        severity: 'temporary',
        reason: 'generic',
        'delivery-status': { code: 452, message: '4.2.2 Mailbox full', description: '', 'attempt-no': 1, 'retry-seconds': 600 },
      });
      break;
    case 'opened':
      Object.assign(data, engagement(rng, who));
      break;
    case 'clicked': {
      const url = rng.pick(LINKS);
      Object.assign(data, engagement(rng, who), { url: who?.link === undefined ? url : (LINKS[who.link] ?? url) });
      break;
    }
    case 'unsubscribed':
      Object.assign(data, engagement(rng));
      break;
    case 'complained':
      data['log-level'] = 'warn';
      break;
  }
  return data;
}

/** The unsigned webhook body; signer.ts adds the signature block. */
export function mailgunBody(eventData: Record<string, unknown>): string {
  return JSON.stringify({ 'event-data': eventData });
}
