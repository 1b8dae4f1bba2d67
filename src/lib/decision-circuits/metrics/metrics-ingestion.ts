// The ingest path: normalised events → one SQL call → one transaction (docs/architecture.md, "One SQL call per delivery").
import { z } from 'zod';
import { isoTimestamp } from '../../validation/bounded';
import { getDb, type Database } from '../../db';
import { getMetrics } from '../../observability/metrics';
import { inSpan } from '../../observability/tracing';
import { isUnknownWorkspaceSqlError, sqlState, UnknownWorkspaceError } from './core/errors';
import { plainlyValidEventTime } from './ingest/event-check';
import { normalizeProviderEvents, type NormalizeResult } from './ingest/normalize';
import { IngestCoalescer, coalescerOptionsFrom } from './ingest/coalescer';
import { toNumber } from './core/rows';
import {
  ENGAGEMENT_CLASSES,
  METRICS_CHANNELS,
  METRICS_EVENT_TYPES,
  MAX_EVENT_FUTURE_SKEW_HOURS,
  type EngagementClass,
  type MetricsProvider,
  type NormalizedEvent,
  type SignatureBlock,
} from './metrics-types';
import { METRICS_PROVIDERS } from './providers/registry';
import { WebhookVerificationError } from './ingest/verification-failures';

export const INGEST_OUTCOMES = ['applied', 'pending', 'recorded', 'orphaned', 'duplicate'] as const;
export type IngestOutcome = (typeof INGEST_OUTCOMES)[number];

export interface IngestedEvent {
  provider_event_id: string;
  event_id: string;
  outcome: IngestOutcome;
}

export interface RejectedEvent {
  index: number;
  reason: string;
}

export interface IngestResult {
  /** Events stored or already stored (duplicates are a success: the provider may stop retrying). */
  succeeded: number;
  failed: number;
  events: IngestedEvent[];
  rejected: RejectedEvent[];
  counts: Record<IngestOutcome, number>;
}

const uuid = z.guid();
const selfAttributionSchema = z.object({
  circuit_execution_id: z.string().min(1).max(256),
  ab_test_id: uuid.nullable(),
  variant_id: uuid.nullable(),
});

/** Last line of defence before SQL casts: a normaliser bug must be a rejected event, not a 500. */
export const normalizedEventSchema = z.object({
  provider: z.enum(METRICS_PROVIDERS),
  provider_event_id: z.string().min(1).max(512),
  provider_object_id: z.string().min(1).max(512).nullable(),
  event_type: z.enum(METRICS_EVENT_TYPES),
  provider_event_type: z.string().max(128),
  channel: z.enum(METRICS_CHANNELS),
  occurred_at: isoTimestamp(),
  quantity: z.number().int().min(-1_000_000).max(1_000_000_000),
  recipient_hash: z.string().max(128).nullable(),
  recipient_identifier: z.string().max(320).nullable(),
  attribution: selfAttributionSchema.nullable(),
  engagement: z.object({ engagement_class: z.enum(ENGAGEMENT_CLASSES), class_signal: z.string().regex(/^[a-z0-9_]{1,64}$/) }).optional(),
  // A plain-object check: z.record would copy every key of every payload (a third of this
  // schema's cost on a 500-event batch) only to confirm what normalisers already built.
  raw_payload: z.custom<Record<string, unknown>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), {
    message: 'raw_payload must be a JSON object',
  }),
});

function emptyCounts(): Record<IngestOutcome, number> {
  return { applied: 0, pending: 0, recorded: 0, orphaned: 0, duplicate: 0 };
}

/** What metrics_ingest_events reads of an event (its metrics_ingest_event type): the row, no more. */
type StorableEvent = Omit<NormalizedEvent, 'recipient_identifier' | 'provider' | 'engagement'> & {
  engagement_class?: EngagementClass;
  class_signal?: string;
};

/**
 * One new object of the row's fields: recipient_identifier never reaches the ledger row itself
 * (it only lives in raw_payload when opted in), and the provider travels once, as its own parameter.
 */
function storableEvent(event: NormalizedEvent): StorableEvent {
  return {
    provider_event_id: event.provider_event_id,
    provider_object_id: event.provider_object_id,
    event_type: event.event_type,
    provider_event_type: event.provider_event_type,
    channel: event.channel,
    occurred_at: event.occurred_at,
    quantity: event.quantity,
    recipient_hash: event.recipient_hash,
    attribution: event.attribution,
    raw_payload: event.raw_payload,
    // Only what the classifier said; the SQL function gives opens and clicks without one `unknown`.
    ...(event.engagement ?? {}),
  };
}

/** A row on its way to the ingest call; the first row of a delivery carries its signature block. */
type IngestRow = StorableEvent & { signature_block?: SignatureBlock };

/** The SQLSTATE metrics_admit_signature_blocks raises for a block seen with other contents. */
const REPLAYED_SIGNATURE_SQLSTATE = 'DC401';

/** The rows as the SQL function reads them, and the signature blocks they carried. */
function splitSignatureBlocks(rows: IngestRow[], extra: SignatureBlock[]): { rows: StorableEvent[]; blocks: SignatureBlock[] } {
  if (extra.length === 0 && !rows.some((row) => row.signature_block !== undefined)) return { rows, blocks: [] };
  const blocks = [...extra];
  const plain = rows.map(({ signature_block: block, ...row }) => {
    if (block !== undefined) blocks.push(block);
    return row;
  });
  return { rows: plain, blocks };
}

async function runIngestFunction(
  db: Database,
  workspaceId: string,
  provider: MetricsProvider,
  ingestRows: IngestRow[],
  signatureVerified: boolean,
  extraBlocks: SignatureBlock[] = [],
): Promise<IngestedEvent[]> {
  const { rows, blocks } = splitSignatureBlocks(ingestRows, extraBlocks);
  const attributes = {
    'db.system': 'postgresql',
    'db.operation.name': 'metrics_ingest_events',
    'metrics_engine.provider': provider,
    'metrics_engine.events': rows.length,
  };
  return inSpan('metrics.ingest_sql', attributes, async () => {
    const stopTimer = getMetrics().ingestDuration.startTimer({ provider });
    try {
      // Blocks go in the same call, so they commit with the ledger rows or not at all.
      const result = await db.query<{ provider_event_id: string; event_id: string; outcome: IngestOutcome }>(
        blocks.length === 0
          ? 'select provider_event_id, event_id, outcome from metrics_ingest_events($1, $2, $3::jsonb, $4)'
          : 'select provider_event_id, event_id, outcome from metrics_ingest_events($1, $2, $3::jsonb, $4, $5::jsonb)',
        blocks.length === 0 ? [workspaceId, provider, rows, signatureVerified] : [workspaceId, provider, rows, signatureVerified, blocks],
      );
      return result.map((r) => ({ provider_event_id: r.provider_event_id, event_id: String(r.event_id), outcome: r.outcome }));
    } catch (error) {
      if (isUnknownWorkspaceSqlError(error)) throw new UnknownWorkspaceError(workspaceId);
      throw error;
    } finally {
      stopTimer();
    }
  });
}

// One coalescer per database handle (the process has one; tests open several).
const coalescers = new WeakMap<Database, IngestCoalescer<IngestRow, IngestedEvent>>();

function coalescerFor(db: Database): IngestCoalescer<IngestRow, IngestedEvent> {
  let coalescer = coalescers.get(db);
  if (!coalescer) {
    coalescer = new IngestCoalescer(coalescerOptionsFrom(process.env));
    coalescers.set(db, coalescer);
  }
  return coalescer;
}

function callIngestFunction(
  db: Database,
  workspaceId: string,
  provider: MetricsProvider,
  events: NormalizedEvent[],
  signatureVerified: boolean,
  signatureBlock: SignatureBlock | null,
): Promise<IngestedEvent[]> {
  const rows: IngestRow[] = events.map(storableEvent);
  // An empty delivery still makes its own call: it checks the workspace (and records its block).
  if (rows.length === 0)
    return runIngestFunction(db, workspaceId, provider, rows, signatureVerified, signatureBlock ? [signatureBlock] : []);
  // A shared transaction refused for one delivery's block is rerun delivery by delivery
  // (metrics-ingest-coalescer.ts), so only that delivery is refused.
  if (signatureBlock) rows[0] = { ...rows[0]!, signature_block: signatureBlock };
  const key = `${workspaceId}|${provider}|${signatureVerified}`;
  return coalescerFor(db).submit(key, rows, (group) => runIngestFunction(db, workspaceId, provider, group, signatureVerified));
}

/** Stores normalised events exactly once and applies the attributable ones to rollups. */
export async function ingestNormalizedEvents(
  workspaceId: string,
  provider: MetricsProvider,
  events: readonly NormalizedEvent[],
  signatureVerified: boolean,
  options: { db?: Database; signatureBlock?: SignatureBlock | null } = {},
): Promise<IngestResult> {
  const db = options.db ?? (await getDb());
  const valid: NormalizedEvent[] = [];
  const rejected: RejectedEvent[] = [];
  const latestAllowed = Date.now() + MAX_EVENT_FUTURE_SKEW_HOURS * 3_600_000;
  events.forEach((event, index) => {
    let checked: NormalizedEvent;
    // The schema only for what the plain check cannot vouch for (metrics-event-check.ts).
    let occurredMs = plainlyValidEventTime(event);
    if (!Number.isNaN(occurredMs)) checked = event;
    else {
      const parsed = normalizedEventSchema.safeParse(event);
      if (!parsed.success) {
        rejected.push({ index, reason: `invalid normalised event: ${parsed.error.issues[0]?.message}` });
        return;
      }
      checked = parsed.data as NormalizedEvent;
      occurredMs = Date.parse(checked.occurred_at);
    }
    if (checked.provider !== provider) rejected.push({ index, reason: 'provider mismatch' });
    else if (occurredMs > latestAllowed) {
      rejected.push({ index, reason: `event time is more than ${MAX_EVENT_FUTURE_SKEW_HOURS} h in the future` });
    } else valid.push(checked);
  });

  // One call, one transaction, whatever the size: a delivery is applied whole or not at all
  // (backfill hands over one provider page at a time); small concurrent deliveries may share
  // that transaction (metrics-ingest-coalescer.ts). An empty delivery still makes the call,
  // which checks the workspace: a typo'd URL is a 404, not a silent 202.
  let ingested: IngestedEvent[];
  try {
    ingested = await callIngestFunction(db, workspaceId, provider, valid, signatureVerified, options.signatureBlock ?? null);
  } catch (error) {
    if (sqlState(error) === REPLAYED_SIGNATURE_SQLSTATE) {
      throw new WebhookVerificationError(provider, { reason: 'replayed_signature', error: 'Replayed signature' });
    }
    throw error;
  }
  const counts = emptyCounts();
  for (const event of ingested) counts[event.outcome] += 1;
  return { succeeded: ingested.length, failed: rejected.length, events: ingested, rejected, counts };
}

export interface WebhookPayloadInput {
  workspaceId: string;
  provider: MetricsProvider;
  payload: unknown;
  signatureVerified: boolean;
  /** Provider delivery id (svix-id) when the provider sends one: Resend's dedup key. */
  deliveryId?: string | null;
  /** The verified signature block, when it does not cover the whole body (VerificationResult.signatureBlock). */
  signatureBlock?: SignatureBlock | null;
  receivedAt?: Date;
}

/** A delivery's payload as events, read the way every ingest path reads it (receive time, dedup id, raw email setting). */
export function normalizeDelivery(input: Pick<WebhookPayloadInput, 'provider' | 'payload' | 'deliveryId' | 'receivedAt'>): NormalizeResult {
  return normalizeProviderEvents(input.provider, input.payload, {
    receivedAt: input.receivedAt ?? new Date(),
    deliveryId: input.deliveryId ?? null,
    storeRawEmail: process.env.METRICS_STORE_RAW_EMAIL === 'true',
  });
}

/** The items normalisation could not read, counted and listed ahead of those the ingest call refused. */
export function withUnreadable(result: IngestResult, unreadable: readonly RejectedEvent[]): IngestResult {
  return { ...result, failed: result.failed + unreadable.length, rejected: [...unreadable, ...result.rejected] };
}

/** Normalise a provider payload (often a batch) and ingest it; the release notes' batch entry point. */
export async function ingestWebhookPayload(input: WebhookPayloadInput, options: { db?: Database } = {}): Promise<IngestResult> {
  const normalized = normalizeDelivery(input);
  const result = await ingestNormalizedEvents(input.workspaceId, input.provider, normalized.events, input.signatureVerified, {
    ...options,
    signatureBlock: input.signatureBlock ?? null,
  });
  return withUnreadable(result, normalized.rejected);
}

export interface ReprocessSummary {
  applied: number;
  orphaned_mappings: number;
  orphaned_events: number;
  passes: number;
  /** True when the time budget ran out with work left; the next run continues. */
  budget_exhausted: boolean;
}

/**
 * The hourly job: applies events whose mapping has appeared and orphans objects unmapped past
 * 24 h, in passes of `batchSize` until the backlog is drained or the time budget is spent.
 * Returns the number of events applied (release notes) inside a summary.
 */
export async function reprocessUnprocessedWebhooks(
  workspaceId: string | null = null,
  options: { db?: Database; batchSize?: number; timeBudgetMs?: number; orphanAfterHours?: number } = {},
): Promise<ReprocessSummary> {
  const db = options.db ?? (await getDb());
  const batchSize = options.batchSize ?? 5_000;
  const deadline = Date.now() + (options.timeBudgetMs ?? 50_000);
  const summary: ReprocessSummary = { applied: 0, orphaned_mappings: 0, orphaned_events: 0, passes: 0, budget_exhausted: false };
  for (;;) {
    const [row] = await db.query<{ applied: number; orphaned_mappings: number; orphaned_events: number }>(
      `select applied, orphaned_mappings, orphaned_events
       from metrics_reprocess_batch($1, $2, make_interval(hours => $3))`,
      [workspaceId, batchSize, options.orphanAfterHours ?? 24],
    );
    summary.passes += 1;
    const applied = toNumber(row?.applied);
    const orphanedMappings = toNumber(row?.orphaned_mappings);
    const orphanedEvents = toNumber(row?.orphaned_events);
    summary.applied += applied;
    summary.orphaned_mappings += orphanedMappings;
    summary.orphaned_events += orphanedEvents;
    const moreLeft = applied >= batchSize || orphanedMappings >= batchSize || orphanedEvents >= batchSize;
    if (!moreLeft) break;
    if (Date.now() >= deadline) {
      summary.budget_exhausted = true;
      break;
    }
  }
  return summary;
}

/** Sets processed=false (and counts the retry); an event already in a rollup is never added again. */
export async function markForReprocessing(eventId: string, options: { db?: Database } = {}): Promise<boolean> {
  if (!uuid.safeParse(eventId).success) return false;
  const db = options.db ?? (await getDb());
  const [row] = await db.query<{ marked: boolean }>('select metrics_mark_for_reprocessing($1) as marked', [eventId]);
  return row?.marked === true;
}
