// What one provider is. Everything the app, the backfill worker, the test-event button and the
// tooling know about a provider lives in its folder and is reached through one of these.
import type { BackfillProviderClient } from './backfill-client';
import type { InsightsProviderClient } from './insights-client';
import type { EventCounter, MetricsChannel, MetricsEventType, MetricsProvider } from '../../metrics-types';
import type { MetricsProviderModule, StoredSecretKind } from './provider';

/** Header names a provider signs with (lower-case: headers are case-insensitive). */
export interface WebhookHeaderNames {
  signature: string;
  timestamp?: string;
  /** The delivery id header (svix-id), the dedup key where the body has none. */
  id?: string;
  alternates?: readonly string[];
}

/**
 * How the settings page asks for a connection: connection-routed providers need their signing
 * material (which request field carries it); account-routed ones need the account id their
 * payloads name.
 */
export type ConnectionFormFacts =
  | { kind: 'secret'; optionLabel: string; field: 'secret' | 'verification_key'; label: string; hint: string }
  | { kind: 'account'; optionLabel: string; label: string; hint: string };

/**
 * The facts the rest of a provider's folder reads (so its webhook module needs nothing shared):
 * `routing` says how a delivery finds its workspace. `connection`: each workspace's connection has
 * its own URL and signing secret. `account`: the deployment's one app secret signs, and the
 * payload is cut per account (page, organization) and routed to the workspace that owns it.
 */
export interface ProviderFacts {
  id: MetricsProvider;
  label: string;
  channel: MetricsChannel;
  routing: 'connection' | 'account';
  /** The kinds of signing material its secrets may be (ProviderSecret.kind), each with its label for people. */
  secretKinds: Readonly<Record<string, string>>;
  /** Signature header names; null where the signature travels in the body (Mailgun). */
  headers: WebhookHeaderNames | null;
  /** Provider event string → normalised kind; anything absent is `provider_only`. */
  events: Readonly<Record<string, MetricsEventType>>;
  connectionForm: ConnectionFormFacts;
}

/** A request as the provider would send it. Some providers sign inside the body, so both may change. */
export interface SignedDelivery {
  body: string;
  headers: Record<string, string>;
  /** How it was signed, for people: e.g. `hmac-sha256`. */
  scheme: string;
}

export interface SignInput {
  body: string;
  /** The signing secret as the operator holds it (connection secret or app secret). */
  secret: string;
  timestampSeconds: number;
  /** Delivery id for providers that send one (Resend's svix-id). */
  deliveryId: string | null;
}

export interface ProviderSigner {
  /** Headers every delivery of this provider carries, signed or not. */
  userAgent: string;
  /**
   * Why this secret cannot sign here (a verification key whose private half only the provider
   * holds), for the person asking; absent or null when it can.
   */
  signingProblem?(secret: string): string | null;
  /** Null when `signingProblem` names one. */
  sign(input: SignInput): SignedDelivery | null;
  /** Unsigned form (development servers accept it): the body and whatever dedup headers it needs. */
  unsigned(input: Omit<SignInput, 'secret'>): SignedDelivery;
}

export interface SampleOptions {
  seed?: string;
  nowMs?: number;
  /** Reuse an object (X-Message-Id, email_id, post id, media id, share URN) across sends. */
  objectId?: string;
  /** Circuit context the provider carries for us (custom args, tags, user-variables). */
  attribution?: { circuit_execution_id: string; ab_test_id?: string; variant_id?: string };
  /** The account the delivery is from (page id, Instagram account id, organization URN): what routes it. */
  accountId?: string;
}

export interface SampleDelivery {
  provider: MetricsProvider;
  kind: string;
  body: string;
  /** The delivery id header's value (Resend's svix-id), else null. */
  deliveryId: string | null;
  /** The attribution key this delivery names (map it through the attribution route). */
  objectId: string | null;
  /** What each event should add to the object's rollup once mapped. */
  expected: { event: string; counter: EventCounter | null; quantity: number }[];
}

export interface ProviderSamples {
  /** Kinds `build` accepts (the provider's own event names, plus e.g. `batch`). */
  kinds: readonly string[];
  /** The normalised words people type (`opened`) → the provider's kind. */
  aliases: Readonly<Record<string, string>>;
  /** What the connection's "send a test event" sends: an event that counts. */
  testEventKind: string;
  build(kind: string, options: SampleOptions): SampleDelivery;
}

export interface ConnectionMaterial {
  secret?: string;
  verification_key?: string;
}

export interface ProviderDefinition extends ProviderFacts {
  webhook: MetricsProviderModule;
  backfill: BackfillProviderClient;
  /** Lifetime impressions per post for the insights poll (social platforms only). */
  insights?: InsightsProviderClient;
  signer: ProviderSigner;
  samples: ProviderSamples;
  /** What is wrong with a connection's verification material, for the person adding it; null if usable. */
  connectionMaterialProblem?(material: ConnectionMaterial): { field: keyof ConnectionMaterial; message: string } | null;
  /** What kind the (usable) material is, stored with it; providers with HMAC secrets only leave it out. */
  connectionSecretKind?(material: ConnectionMaterial): StoredSecretKind;
}
