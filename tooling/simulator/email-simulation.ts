// What the campaign simulator needs to play an email provider through a simulation of its own:
// the steps of a message's life, the events a provider sends for them, and how it delivers them.
import type { EventCounter } from '../../src/lib/decision-circuits/metrics/metrics-types';
import type { EngagementTruth, SimulatedEngagement } from '../../src/lib/decision-circuits/metrics/providers/kit/sample-payloads';
import type { Rng } from '../../src/lib/random/seeded-rng';

/** One step of a simulated message's life; each provider says which event (if any) it sends for it. */
export type EmailStep = 'sent' | 'dropped' | 'deferred' | 'delivered' | 'bounced' | 'opened' | 'clicked' | 'complained' | 'unsubscribed';

export interface SimulatedEmailEvent {
  /** The provider's event name. */
  kind: string;
  /** The attribution key the event names (null when it names none, e.g. a contact-level event). */
  objectId: string | null;
  /** What it adds to a rollup, stated from the provider's documentation, not from the app's tables. */
  counter: EventCounter | null;
  quantity: number;
  /** The event time the app should store (some providers send whole seconds). */
  occurredAtMs: number;
  payload: Record<string, unknown>;
  /** Opens and clicks: the class the provider's own flag gives it; null when the payload carries none. */
  marked?: EngagementTruth | null;
}

export interface SimulatedMessage {
  objectId: string;
}

/** What the campaign simulator needs to play an email provider: messages, events, deliveries. */
export interface EmailSimulation<M extends SimulatedMessage = SimulatedMessage> {
  /** Whether the provider reports messages it refused to send (SendGrid's `dropped`). */
  reportsDrops: boolean;
  /** A message to `recipient` carrying `variables` (self-attribution, campaign reference). */
  newMessage(rng: Rng, recipient: string, sendAtMs: number, variables: Readonly<Record<string, string>>): M;
  /** The events the provider sends for one step of the message's life (none, one, or more); opens and clicks by `engagement`'s actor. */
  events(rng: Rng, message: M, step: EmailStep, atMs: number, engagement?: SimulatedEngagement): SimulatedEmailEvent[];
  /** 1 = one event per request; more = batches flushed every few seconds. */
  maxEventsPerDelivery: number;
  deliveryBody(payloads: readonly Record<string, unknown>[]): string;
  /** A fresh delivery id per request, for providers that send one (svix-id). */
  newDeliveryId?(rng: Rng): string;
  /** When the provider tries again after a delivery it believes failed (identical body). */
  retryDelaysMs: readonly number[];
}
