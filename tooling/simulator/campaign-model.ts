// The simulated A/B campaign's vocabulary: options, variant profiles, and the plan it becomes.
import type {
  EngagementVerdict,
  EventCounter,
  MetricsChannel,
  MetricsProvider,
} from '../../src/lib/decision-circuits/metrics/metrics-types';
import type { Rng } from '../../src/lib/random/seeded-rng';
import type { EngagementTruth, SimulatedActor } from '../../src/lib/decision-circuits/metrics/providers/kit/sample-payloads';

export interface CampaignOptions {
  /** Same seed and start → the same campaign, byte for byte. */
  seed: string;
  /** Campaign clock origin (epoch ms): event times are start + offset. */
  startMs: number;
  /** Length of the simulated campaign. */
  minutes: number;
  /** Number of A/B variants (A, B, C, …), 1..8. */
  variants: number;
  /** Email recipients per variant (split between SendGrid and Resend). */
  recipients: number;
  /** Posts per social platform per variant. */
  posts: number;
  /** Multiplies every post's engagement counts. */
  engagement: number;
  providers: readonly MetricsProvider[];
  /** Share of email recipients sent through SendGrid; the rest go through Resend. */
  sendgridShare: number;
  /** Share of mapped emails that also carry their circuit context (SendGrid custom args, Resend tags). */
  selfAttributedShare: number;
  /** Share of messages/posts whose mapping is registered only after their events arrived. */
  lateMappedShare: number;
  /** Share of messages (and one organic post per platform) never mapped: they must count nowhere. */
  unmappedShare: number;
  /** Share of deliveries the provider sends again (same body; same svix-id for Resend). */
  retryRate: number;
  /** Share of SendGrid events that reappear in a later batch (at-least-once delivery). */
  duplicateRate: number;
  /**
   * Share of recipients with a protected inbox: a privacy proxy (mostly Apple Mail Privacy
   * Protection, some Gmail prefetch) opens every delivered message minutes after delivery,
   * whatever the variant. A variant's `profile.protectedShare` overrides it.
   */
  protectedShare: number;
  /** Share of recipients behind a security scanner that clicks every link within seconds of delivery. */
  scannerShare: number;
  /** Share of those scanners announcing themselves in their user agent; the others look like browsers. */
  scannerAgentShare: number;
  /** Per variant (A first): profile values that replace the built-in ones, e.g. `{ open: 0.3 }`. */
  profiles?: readonly Partial<VariantProfile>[];
}

export const DEFAULT_CAMPAIGN_OPTIONS: Omit<CampaignOptions, 'seed' | 'startMs'> = {
  minutes: 60,
  variants: 2,
  recipients: 150,
  posts: 1,
  engagement: 1,
  providers: ['sendgrid', 'resend', 'facebook', 'instagram', 'linkedin'],
  sendgridShare: 0.7,
  selfAttributedShare: 0.5,
  lateMappedShare: 0.04,
  unmappedShare: 0.02,
  retryRate: 0.04,
  duplicateRate: 0.01,
  protectedShare: 0.5,
  scannerShare: 0.08,
  scannerAgentShare: 0.6,
};

export const MAX_VARIANTS = 8;
export const VARIANT_KEYS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'] as const;

/** What a variant's audience does: email rates per delivered message, social counts per post. */
export interface VariantProfile {
  /** Human opens: the share of delivered messages a person opens (machine opens come on top). */
  open: number;
  clickGivenOpen: number;
  bounce: number;
  complaint: number;
  unsubscribe: number;
  likes: number;
  comments: number;
  shares: number;
  /** Share of the variant's recipients whose inbox is protected (see CampaignOptions.protectedShare). */
  protectedShare: number;
}

const BASE_PROFILE: VariantProfile = {
  open: 0.34,
  clickGivenOpen: 0.22,
  bounce: 0.03,
  complaint: 0.004,
  unsubscribe: 0.008,
  likes: 36,
  comments: 9,
  shares: 4,
  protectedShare: 0.5,
};

// Hand-picked lifts so A and B differ visibly (B wins on opens and clicks, loses on unsubscribes).
const LIFTS: readonly Partial<Record<keyof VariantProfile, number>>[] = [
  {},
  { open: 1.25, clickGivenOpen: 1.35, bounce: 0.9, unsubscribe: 1.5, likes: 1.4, comments: 1.25, shares: 1.6 },
  { open: 0.85, clickGivenOpen: 1.1, complaint: 1.6, likes: 0.8, comments: 1.3, shares: 0.7 },
  { open: 1.1, clickGivenOpen: 0.8, bounce: 1.3, likes: 1.15, shares: 1.2 },
];

export function variantProfile(
  index: number,
  rng: Rng,
  protectedShare = BASE_PROFILE.protectedShare,
  override: Partial<VariantProfile> = {},
): VariantProfile {
  const profile = { ...BASE_PROFILE, protectedShare };
  for (const key of Object.keys(profile) as (keyof VariantProfile)[]) {
    // Whose inbox is protected does not depend on the variant.
    if (key === 'protectedShare') continue;
    const lift = LIFTS[index]?.[key] ?? (index < LIFTS.length ? 1 : rng.between(0.75, 1.35));
    profile[key] = key === 'likes' || key === 'comments' || key === 'shares' ? profile[key] * lift : Math.min(profile[key] * lift, 0.95);
  }
  return { ...profile, ...override };
}

export interface SimVariant {
  key: string;
  variantId: string;
  circuitExecutionId: string;
  profile: VariantProfile;
}

/** How an object (message or post) gets its attribution mapping. */
export type MappingFate = 'on_send' | 'late' | 'never';

export interface SimObject {
  provider: MetricsProvider;
  objectId: string;
  channel: MetricsChannel;
  /** Null for organic posts outside the test. */
  variantKey: string | null;
  fate: MappingFate;
  /** Events carry circuit context (custom args / tags), so the first event maps the object itself. */
  selfAttributed: boolean;
  recipientHash: string | null;
}

/** One provider event the app should see exactly once, whatever the retries. */
export interface SimEvent {
  /** Unique within the plan. */
  key: string;
  provider: MetricsProvider;
  /** Provider event name, e.g. `open`, `email.clicked`, `feed:reaction:remove`, `COMMENT`. */
  kind: string;
  objectId: string | null;
  counter: EventCounter | null;
  quantity: number;
  occurredAtMs: number;
  /** Opens and clicks: who made it (the ground truth) and what the provider's payload says of it. */
  engagement?: SimEngagement;
}

export interface SimEngagement {
  actor: SimulatedActor;
  truth: EngagementTruth;
  /** The class the provider's own flag gives (SendGrid `sg_machine_open`, Mailgun `client-info.bot`); null: no flag. */
  marked: EngagementTruth | null;
  /** What the app's classifier decides from the payload (the flag, a heuristic, or `unknown`). */
  classified: EngagementVerdict;
}

/** The body mapping as the attribution route takes it. */
export interface SimMapping {
  provider: MetricsProvider;
  provider_object_id: string;
  circuit_execution_id: string;
  ab_test_id: string;
  variant_id: string;
  channel: MetricsChannel;
  platform: string;
  recipient_hash: string | null;
}

export interface MappingRegistration {
  /** Offset from the campaign start (ms). */
  atMs: number;
  late: boolean;
  mappings: SimMapping[];
}

export type DeliveryKind = 'first' | 'retry' | 'duplicate';

export interface SimDelivery {
  /** Offset from the campaign start (ms). */
  atMs: number;
  provider: MetricsProvider;
  /** The exact bytes to sign and post. */
  body: string;
  /** Resend's svix-id (reused by retries); null for the others. */
  deliveryId: string | null;
  eventKeys: string[];
  kind: DeliveryKind;
}

export interface CampaignPlan {
  options: CampaignOptions;
  runId: string;
  abTestId: string;
  startMs: number;
  endMs: number;
  variants: SimVariant[];
  objects: SimObject[];
  events: SimEvent[];
  registrations: MappingRegistration[];
  /** Sorted by atMs. */
  deliveries: SimDelivery[];
  /** The social accounts and each post's lifetime impressions as the platforms' insights report them. */
  insights?: SocialInsightsTruth;
}

/** What the simulated platforms' insights APIs serve: the ground truth of impressions. */
export interface SocialInsightsTruth {
  accounts: { pageId: string; igAccountId: string; organization: string };
  posts: {
    provider: 'facebook' | 'instagram' | 'linkedin';
    objectId: string;
    variantKey: string | null;
    impressions: number;
    reach: number;
  }[];
}

/** An event with its provider-specific payload piece, before it is packed into deliveries. */
export interface EventDraft {
  event: SimEvent;
  payload: Record<string, unknown>;
  /** Meta only: which envelope and entry the change belongs to. */
  meta?: { object: 'page' | 'instagram'; entryId: string; ownEntry: boolean };
}

/** Shared inputs of the email and social halves of the plan. */
export interface PlanContext {
  rng: Rng;
  options: CampaignOptions;
  variants: readonly SimVariant[];
  abTestId: string;
  startMs: number;
  durationMs: number;
  /** Offsets of the executor's send waves. */
  waves: readonly number[];
  nextEventKey(): string;
}

export function objectKey(provider: MetricsProvider, objectId: string): string {
  return `${provider}|${objectId}`;
}

export function mappingFor(object: SimObject, variant: SimVariant, abTestId: string): SimMapping {
  return {
    provider: object.provider,
    provider_object_id: object.objectId,
    circuit_execution_id: variant.circuitExecutionId,
    ab_test_id: abTestId,
    variant_id: variant.variantId,
    channel: object.channel,
    platform: object.provider,
    recipient_hash: object.recipientHash,
  };
}

/** Picks exactly round(share × n) of `n` indices (at least one when share > 0 and n ≥ 1 and `atLeastOne`). */
export function pickIndices(rng: Rng, n: number, share: number, atLeastOne = false): Set<number> {
  let count = Math.round(share * n);
  if (atLeastOne && share > 0 && n > 0) count = Math.max(count, 1);
  return new Set(rng.shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, Math.min(count, n)));
}
