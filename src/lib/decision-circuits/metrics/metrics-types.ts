// Types and constants named in the v2.0.0 release notes, plus the few the corrections need.

// The providers' ids: the registry's first half (providers/registry.ts maps each id to its
// folder's definition, and the compiler refuses a registry that misses one). They stand here, on
// the ground floor, so the shared types can name providers without importing the providers.
export const METRICS_PROVIDERS = ['sendgrid', 'resend', 'mailgun', 'facebook', 'instagram', 'linkedin'] as const;
export type MetricsProvider = (typeof METRICS_PROVIDERS)[number];

export function isMetricsProvider(value: unknown): value is MetricsProvider {
  return typeof value === 'string' && (METRICS_PROVIDERS as readonly string[]).includes(value);
}

export const METRICS_CHANNELS = ['email', 'social'] as const;
export type MetricsChannel = (typeof METRICS_CHANNELS)[number];

export const ATTRIBUTION_STATUSES = ['mapped', 'unmapped', 'orphaned'] as const;
export type AttributionStatus = (typeof ATTRIBUTION_STATUSES)[number];

export const BACKFILL_STATUSES = ['pending', 'processing', 'completed', 'failed'] as const;
export type BackfillStatus = (typeof BACKFILL_STATUSES)[number];

/** Normalised event kinds. `provider_only` is kept in the ledger but counts nowhere. */
export const METRICS_EVENT_TYPES = [
  'email_sent',
  'email_delivered',
  'email_bounce',
  'email_complaint',
  'email_unsubscribe',
  'email_open',
  'email_click',
  'social_impression',
  'social_like',
  'social_comment',
  'social_share',
  'social_click',
  'provider_only',
] as const;
export type MetricsEventType = (typeof METRICS_EVENT_TYPES)[number];

/** Counter columns of `metrics_rollups`. */
export const ROLLUP_COUNTERS = [
  'email_sent',
  'email_delivered',
  'email_bounced',
  'email_complained',
  'email_unsubscribed',
  'email_opened',
  'email_clicked',
  // Messages with at least one open / click, in the hour of the earliest one: a proportion of
  // email_delivered, unlike the event counts above (repeat opens make those exceed deliveries).
  'email_unique_opened',
  'email_unique_clicked',
  // People and machines apart (the totals above keep counting every open and click): open events
  // a privacy proxy made, click events a scanner made, and messages a person opened / clicked,
  // in the hour of the earliest human one. See ENGAGEMENT_CLASSES.
  'email_machine_opened',
  'email_bot_clicked',
  'email_unique_human_opened',
  'email_unique_human_clicked',
  'social_impressions',
  'social_likes',
  'social_comments',
  'social_shares',
  'social_clicks',
] as const;
export type RollupCounter = (typeof ROLLUP_COUNTERS)[number];
/** Counters that move by an event's quantity; the unique ones move once per message. */
export type EventCounter = Exclude<RollupCounter, 'email_unique_opened' | 'email_unique_clicked' | EngagementCounter>;
/** Counters of one engagement class, beside the event counter of their kind. */
export type EngagementCounter = 'email_machine_opened' | 'email_bot_clicked' | 'email_unique_human_opened' | 'email_unique_human_clicked';
/** The unique counter beside each event counter that has one. */
export const UNIQUE_COUNTER_OF: Partial<Record<EventCounter, RollupCounter>> = {
  email_opened: 'email_unique_opened',
  email_clicked: 'email_unique_clicked',
};
export type RollupCounters = Record<RollupCounter, number>;

/** One counter per event kind (the notes' "+1 to likes, comments and shares" is corrected). */
export const EVENT_TYPE_TO_ROLLUP_COLUMN: Record<Exclude<MetricsEventType, 'provider_only'>, EventCounter> = {
  email_sent: 'email_sent',
  email_delivered: 'email_delivered',
  email_bounce: 'email_bounced',
  email_complaint: 'email_complained',
  email_unsubscribe: 'email_unsubscribed',
  email_open: 'email_opened',
  email_click: 'email_clicked',
  social_impression: 'social_impressions',
  social_like: 'social_likes',
  social_comment: 'social_comments',
  social_share: 'social_shares',
  social_click: 'social_clicks',
};

export const DERIVED_RATES = [
  'delivery_rate',
  'bounce_rate',
  'open_rate',
  'click_rate',
  'engagement_rate',
  'social_engagement_rate',
  'unique_open_rate',
  'unique_click_rate',
  'human_open_rate',
  'human_click_rate',
] as const;
export type DerivedRate = (typeof DERIVED_RATES)[number];
/**
 * The rates. social_engagement_rate is null where no impression figure exists yet (the platforms'
 * insights lag by hours): engagements per impression are unknown then, not 0 %.
 */
export type DerivedMetrics = Record<Exclude<DerivedRate, 'social_engagement_rate'>, number> & { social_engagement_rate: number | null };

/**
 * Who made an open or click, as decided at ingest from the event's own payload: a person, a
 * privacy proxy prefetching a protected inbox (`machine`), a security scanner following links
 * (`bot`), or `unknown` where the payload carries no signal (never guessed).
 */
export const ENGAGEMENT_CLASSES = ['human', 'machine', 'bot', 'unknown'] as const;
export type EngagementClass = (typeof ENGAGEMENT_CLASSES)[number];

/** A class and the short stable code of what decided it (e.g. `sendgrid_machine_open_flag`). */
export interface EngagementVerdict {
  engagement_class: EngagementClass;
  class_signal: string;
}

export interface MetricsGuardrails {
  webhook_signature_required: boolean;
  max_payload_size_mb: number;
  rollup_time_bucket_hours: number;
}

export const DEFAULT_METRICS_GUARDRAILS: MetricsGuardrails = {
  webhook_signature_required: true,
  max_payload_size_mb: 5,
  rollup_time_bucket_hours: 1,
};

export const MAX_PAYLOAD_BYTES = DEFAULT_METRICS_GUARDRAILS.max_payload_size_mb * 1024 * 1024;
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;
export const ORPHAN_AFTER_HOURS = 24;
export const ROLLUPS_DEFAULT_LIMIT = 100;
export const ROLLUPS_MAX_LIMIT = 500;
export const BACKFILL_MAX_DAYS = 30;
/** Oldest backfill start: rollups older than their 365-day retention would be deleted again. */
export const BACKFILL_MAX_AGE_DAYS = 365;
/**
 * How far in the future an event's own time may lie (provider clocks drift; a day is generous).
 * Later events are rejected per item: a bucket in 2099 would outlive retention and lead "latest".
 */
export const MAX_EVENT_FUTURE_SKEW_HOURS = 24;
/** The release notes' deployment checklist: "Set up alerts if mapped_percentage < 95%". */
export const MAPPED_ALERT_THRESHOLD = 95;

/** Circuit context an event may carry itself (SendGrid custom args, Resend tags). */
export interface SelfAttribution {
  circuit_execution_id: string;
  ab_test_id: string | null;
  variant_id: string | null;
}

/** Standard format after provider normalisation; what the ingest SQL function consumes. */
export interface NormalizedEvent {
  provider: MetricsProvider;
  /** Dedup key: the provider's event id, or a deterministic hash where the provider has none. */
  provider_event_id: string;
  /** Attribution key: message id / post id / media id. Null when the event names no object. */
  provider_object_id: string | null;
  event_type: MetricsEventType;
  /** The provider's own event name, e.g. `delivered`, `email.opened`, `feed:reaction`. */
  provider_event_type: string;
  channel: MetricsChannel;
  /** ISO-8601 UTC. */
  occurred_at: string;
  /** Counter delta: 1 per event, N for snapshots (story impressions), -1 for removals. */
  quantity: number;
  recipient_hash: string | null;
  /** Raw recipient, only when METRICS_STORE_RAW_EMAIL=true. */
  recipient_identifier: string | null;
  attribution: SelfAttribution | null;
  /** Opens and clicks: who made it, per the provider's classifier; absent means no signal (`unknown`). */
  engagement?: EngagementVerdict;
  /** This event's own slice of the payload, with emails redacted unless opted in. */
  raw_payload: Record<string, unknown>;
}

export interface WebhookEvent {
  id: string;
  workspace_id: string;
  provider: MetricsProvider;
  provider_event_id: string;
  event_type: string;
  raw_payload: Record<string, unknown>;
  signature_verified: boolean;
  occurred_at: string;
  received_at: string;
  processed: boolean;
  processed_at: string | null;
  reprocessing_count: number;
  created_at: string;
}

export interface AttributionMap {
  id: string;
  workspace_id: string;
  provider: MetricsProvider;
  provider_object_id: string;
  circuit_execution_id: string;
  ab_test_id: string | null;
  variant_id: string | null;
  channel: MetricsChannel;
  platform: string | null;
  recipient_hash: string | null;
  recipient_identifier: string | null;
  status: AttributionStatus;
  mapped_at: string;
  created_at: string;
}

export interface AttributionInput {
  workspace_id: string;
  provider: MetricsProvider;
  provider_object_id: string;
  circuit_execution_id: string;
  ab_test_id?: string | null;
  variant_id?: string | null;
  channel: MetricsChannel;
  platform?: string | null;
  recipient_hash?: string | null;
  recipient_identifier?: string | null;
}

export interface MetricsRollup extends RollupCounters, DerivedMetrics {
  id: string;
  workspace_id: string;
  circuit_execution_id: string;
  ab_test_id: string | null;
  variant_id: string | null;
  channel: MetricsChannel;
  time_bucket: string;
  updated_at: string;
  created_at: string;
}

export interface RollupFilters {
  workspace_id: string;
  circuit_execution_id?: string;
  ab_test_id?: string;
  variant_id?: string;
  channel?: MetricsChannel;
  time_start?: string;
  time_end?: string;
  limit?: number;
}

export interface MetricsSummary {
  workspace_id: string;
  ab_test_id: string | null;
  variant_id: string | null;
  totals: RollupCounters;
  rates: DerivedMetrics;
  time_range_start: string | null;
  time_range_end: string | null;
  rollup_count: number;
}

export interface BackfillJob {
  id: string;
  workspace_id: string;
  provider: MetricsProvider;
  channel: MetricsChannel;
  date_start: string;
  date_end: string;
  status: BackfillStatus;
  events_fetched: number;
  events_ingested: number;
  error_message: string | null;
  started_at: string | null;
  completed_at: string | null;
  created_at: string;
}

export interface AttributionHealthSummary {
  provider: MetricsProvider;
  total_mappings: number;
  mapped_count: number;
  unmapped_count: number;
  orphaned_count: number;
  mapped_percentage: number;
}

export interface IngestionHealth {
  total_events: number;
  processed_events: number;
  unprocessed_events: number;
  unmapped_attributions: number;
  last_ingest_at?: string;
}

/**
 * A verified signature block that signs less than the whole delivery (Mailgun signs a token, not
 * the event-data): the ingest call records it with the digest of what came with it, and refuses
 * the same block arriving with anything else (supabase/migrations/20260114_edge_trust.sql).
 */
export interface SignatureBlock {
  /** sha256 of the block (hex): never the signature itself. */
  block: string;
  /** Digest of what the block arrived with (hex). */
  digest: string;
  /** When the signature stops verifying (ISO 8601). */
  expires_at: string;
}

/**
 * Why a delivery failed verification, as one of a closed set of codes: what a provider module
 * answers beside its message, safe as a metric label and a log field (the messages are free text).
 */
export const VERIFICATION_FAILURE_REASONS = [
  'secret_not_configured',
  'missing_signature',
  'missing_timestamp',
  'missing_delivery_id',
  'malformed_signature',
  'invalid_timestamp',
  'timestamp_out_of_tolerance',
  'invalid_secret',
  'signature_mismatch',
  // A signature block seen before with other contents (providers that sign only a token, Mailgun).
  'replayed_signature',
  'other',
] as const;
export type VerificationFailureReason = (typeof VERIFICATION_FAILURE_REASONS)[number];

export interface VerificationPassed {
  valid: true;
  /** Which scheme matched, for logs (never the secret). */
  scheme: string;
  /** Set when the signature does not cover the whole body: pass it to the ingest call. */
  signatureBlock?: SignatureBlock;
  reason?: undefined;
  error?: undefined;
}

export interface VerificationFailed {
  valid: false;
  reason: VerificationFailureReason;
  /** For people: what exactly was wrong (never the secret). */
  error: string;
  scheme?: undefined;
  signatureBlock?: undefined;
}

export type VerificationResult = VerificationPassed | VerificationFailed;

/** Lower-cased header lookup; route handlers pass `Headers`, tests may pass plain objects. */
export type HeaderBag = Headers | Readonly<Record<string, string | undefined>>;
