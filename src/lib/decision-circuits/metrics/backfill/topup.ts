// The backfill dedup rule (docs/operations.md "Backfill"): providers report totals per object,
// the ledger holds what was already counted, and backfill adds only the difference, as one
// event whose id is derived from the total it tops up to. Running a backfill twice, two at once,
// or over a period webhooks already covered therefore adds nothing that is already counted.
import type { Queryable } from '../../../db';
import { toNumber } from '../core/rows';
import { LEDGER_RETENTION_DAYS } from '../ops/retention';
import { type MetricsProvider, type NormalizedEvent } from '../metrics-types';
import { PROVIDER_CHANNEL } from '../providers/registry';
import { sha256Hex } from '../providers/kit/provider';
import type { BackfillRecord, CountedEventType } from '../providers/kit/backfill-client';

/**
 * Objects first seen longer ago than this may have lost ledger rows to retention (ledger rows
 * are never older than their object's attribution row), so their ledger sum could understate
 * what rollups already hold. One day short of retention leaves room for a retention run
 * racing this one.
 */
export const BACKFILL_LEDGER_HORIZON_DAYS = LEDGER_RETENTION_DAYS - 1;
const MAX_EVENT_ID_LENGTH = 512;
const LEDGER_QUERY_CHUNK = 1_000;

/** `backfill:<kind>:<object>[:<recipient>]:<total>`: the same top-up always has the same id. */
export function topUpEventId(kind: CountedEventType, objectId: string, recipientHash: string | null, target: number): string {
  const subject = recipientHash ? `${objectId}:${recipientHash.slice(0, 16)}` : objectId;
  const id = `backfill:${kind}:${subject}:${target}`;
  return id.length <= MAX_EVENT_ID_LENGTH ? id : `backfill:${kind}:sha256:${sha256Hex(subject)}:${target}`;
}

interface LedgerState {
  withinHorizon: boolean;
  /** `${recipient_hash ?? ''}|${event_type}` → sum of quantities. */
  sums: Map<string, number>;
}

async function readLedger(
  db: Queryable,
  workspaceId: string,
  provider: MetricsProvider,
  objectIds: string[],
): Promise<Map<string, LedgerState>> {
  const ledger = new Map<string, LedgerState>();
  for (let i = 0; i < objectIds.length; i += LEDGER_QUERY_CHUNK) {
    const rows = await db.query<{
      provider_object_id: string;
      within_horizon: boolean;
      recipient_hash: string | null;
      event_type: string | null;
      total: unknown;
    }>(
      `select provider_object_id, within_horizon, recipient_hash, event_type, total
       from metrics_backfill_ledger_totals($1, $2, $3::text[], make_interval(days => $4))`,
      [workspaceId, provider, objectIds.slice(i, i + LEDGER_QUERY_CHUNK), BACKFILL_LEDGER_HORIZON_DAYS],
    );
    for (const row of rows) {
      const state = ledger.get(row.provider_object_id) ?? { withinHorizon: row.within_horizon, sums: new Map() };
      if (row.event_type !== null) state.sums.set(`${row.recipient_hash ?? ''}|${row.event_type}`, toNumber(row.total));
      ledger.set(row.provider_object_id, state);
    }
  }
  return ledger;
}

/** What the ledger holds for a subject: one recipient of the object, or all of it. */
function ledgerTotal(state: LedgerState, kind: CountedEventType, recipientHash: string | null): number {
  if (recipientHash !== null) return state.sums.get(`${recipientHash}|${kind}`) ?? 0;
  let total = 0;
  for (const [key, value] of state.sums) if (key.endsWith(`|${kind}`)) total += value;
  return total;
}

export interface TopUpPlan {
  events: NormalizedEvent[];
  skippedUnknown: number;
  skippedBeforeHorizon: number;
}

/**
 * Turns one page of provider totals into top-up events. Only objects the workspace knows
 * (attribution row of any status) and first saw inside the horizon are topped up.
 */
export async function planTopUps(
  db: Queryable,
  job: { id: string; workspace_id: string; provider: MetricsProvider },
  records: readonly BackfillRecord[],
): Promise<TopUpPlan> {
  // The same record twice on one page (overlapping slices) counts once.
  const unique = [...new Map(records.map((r) => [r.recordId, r])).values()];
  const ledger = await readLedger(db, job.workspace_id, job.provider, [...new Set(unique.map((r) => r.objectId))]);

  const subjects = new Map<string, BackfillRecord[]>();
  let skippedUnknown = 0;
  let skippedBeforeHorizon = 0;
  for (const record of unique) {
    const state = ledger.get(record.objectId);
    if (!state) skippedUnknown += 1;
    else if (!state.withinHorizon) skippedBeforeHorizon += 1;
    else {
      const key = `${record.objectId}\n${record.recipientHash ?? ''}`;
      subjects.set(key, [...(subjects.get(key) ?? []), record]);
    }
  }

  const events: NormalizedEvent[] = [];
  for (const group of subjects.values()) {
    const first = group[0];
    const state = first ? ledger.get(first.objectId) : undefined;
    if (!first || !state) continue;
    const totals = new Map<CountedEventType, { value: number; field: string }>();
    for (const record of group) {
      for (const [kind, total] of Object.entries(record.totals) as [CountedEventType, { value: number; field: string } | undefined][]) {
        if (!total) continue;
        totals.set(kind, { value: (totals.get(kind)?.value ?? 0) + total.value, field: total.field });
      }
    }
    const occurredAt = group.map((r) => r.occurredAt).sort()[0] ?? first.occurredAt;
    for (const [kind, { value: target, field }] of totals) {
      const before = ledgerTotal(state, kind, first.recipientHash);
      if (target <= before) continue;
      events.push({
        provider: job.provider,
        provider_event_id: topUpEventId(kind, first.objectId, first.recipientHash, target),
        provider_object_id: first.objectId,
        event_type: kind,
        provider_event_type: `backfill:${field}`.slice(0, 128),
        channel: PROVIDER_CHANNEL[job.provider],
        occurred_at: occurredAt,
        quantity: target - before,
        recipient_hash: first.recipientHash,
        recipient_identifier: null,
        attribution: null,
        raw_payload: {
          backfill: { job_id: job.id, field, provider_total: target, ledger_total_before: before },
          source: first.source,
        },
      });
    }
  }
  return { events, skippedUnknown, skippedBeforeHorizon };
}
