// How the campaign simulator plays Mailgun: one event per POST, each step of a message's life as
// the event Mailgun reports for it, and Mailgun's documented retry schedule.
import type { EmailSimulation, EmailStep, SimulatedEmailEvent, SimulatedMessage } from './email-simulation';
import type { Rng } from '../../src/lib/random/seeded-rng';
import { CLASS_OF_ACTOR, type SimulatedEngagement } from '../../src/lib/decision-circuits/metrics/providers/kit/sample-payloads';
import {
  MAILGUN_COUNTER,
  mailgunBody,
  mailgunEventData,
  newMailgunMessage,
  type MailgunEventKind,
  type MailgunMessage,
} from '../../src/lib/decision-circuits/metrics/providers/mailgun/payloads';

const MINUTE_MS = 60_000;

/** The event Mailgun posts for each step; it has no separate "refused to send" webhook. */
const EVENT_OF_STEP: Readonly<Record<EmailStep, MailgunEventKind | null>> = {
  sent: 'accepted',
  dropped: null,
  deferred: 'failed:temporary',
  delivered: 'delivered',
  bounced: 'failed',
  opened: 'opened',
  clicked: 'clicked',
  complained: 'complained',
  unsubscribed: 'unsubscribed',
};

export interface MailgunSimulatedMessage extends SimulatedMessage {
  message: MailgunMessage;
}

export const mailgunSimulation: EmailSimulation<MailgunSimulatedMessage> = {
  reportsDrops: false,
  newMessage(rng: Rng, recipient: string, sendAtMs: number, variables: Readonly<Record<string, string>>): MailgunSimulatedMessage {
    const message = newMailgunMessage(rng, recipient, sendAtMs, variables);
    return { objectId: message.objectId, message };
  },
  events(
    rng: Rng,
    simulated: MailgunSimulatedMessage,
    step: EmailStep,
    atMs: number,
    engagement?: SimulatedEngagement,
  ): SimulatedEmailEvent[] {
    const kind = EVENT_OF_STEP[step];
    if (kind === null) return [];
    const who = kind === 'opened' || kind === 'clicked' ? engagement : undefined;
    return [
      {
        kind: kind === 'failed:temporary' ? 'failed' : kind,
        objectId: simulated.objectId,
        counter: MAILGUN_COUNTER[kind],
        quantity: 1,
        // Microsecond timestamps, read back to this millisecond (payloads.ts).
        occurredAtMs: Math.floor(atMs),
        payload: mailgunEventData(rng, simulated.message, kind, atMs, who),
        // Mailgun's bot detection names every fetcher the simulator plays (client-info.bot).
        ...(who ? { marked: CLASS_OF_ACTOR[who.actor] } : {}),
      },
    ];
  },
  maxEventsPerDelivery: 1,
  deliveryBody(payloads: readonly Record<string, unknown>[]): string {
    const [eventData, ...rest] = payloads;
    if (eventData === undefined || rest.length > 0) throw new Error('Mailgun posts exactly one event per request');
    return mailgunBody(eventData);
  },
  // Mailgun's webhook retries: 5 min, 10 min, 15 min, 1 h, 2 h, 4 h (none for `delivered`).
  retryDelaysMs: [5 * MINUTE_MS, 10 * MINUTE_MS, 15 * MINUTE_MS, 60 * MINUTE_MS, 120 * MINUTE_MS, 240 * MINUTE_MS],
};
