// The insights poll's SQL, one thin wrapper per function of 20260125_social_insights.sql.
import type { Queryable } from '../../../db';
import { toNumber } from '../core/rows';
import type { InsightsProvider } from '../providers/kit/insights-client';
import type { InsightsStopReason } from './cadence';

export interface ClaimedPost {
  workspace_id: string;
  provider: InsightsProvider;
  provider_object_id: string;
  posted_at: Date;
  unchanged_polls: number;
}

export interface AppliedSnapshot {
  added: number;
  duplicate: boolean;
  decreased: boolean;
  changed: boolean;
}

export type AccountErrorKind = 'throttled' | 'token_rejected' | 'no_token' | 'provider_error';

export interface Snapshot {
  observedAt: Date;
  metric: string;
  impressions: number;
  reach: number | null;
  views: number | null;
}

export async function enrolPosts(db: Queryable, maxAgeMs: number): Promise<number> {
  const [row] = await db.query<{ added: number }>(
    `select metrics_social_insight_enrol(make_interval(secs => $1::double precision / 1000)) as added`,
    [maxAgeMs],
  );
  return row?.added ?? 0;
}

export async function claimDuePosts(db: Queryable, limit: number, leaseMs: number): Promise<ClaimedPost[]> {
  const rows = await db.query<{
    workspace_id: string;
    provider: InsightsProvider;
    provider_object_id: string;
    posted_at: Date | string;
    unchanged_polls: number;
  }>(
    `select workspace_id, provider, provider_object_id, posted_at, unchanged_polls
     from metrics_social_insight_claim($1, make_interval(secs => $2::double precision / 1000))`,
    [limit, leaseMs],
  );
  return rows.map((r) => ({ ...r, posted_at: new Date(r.posted_at), unchanged_polls: toNumber(r.unchanged_polls) }));
}

export async function applySnapshot(db: Queryable, post: ClaimedPost, snapshot: Snapshot): Promise<AppliedSnapshot> {
  const [row] = await db.query<{ added: unknown; duplicate: boolean; decreased: boolean; changed: boolean }>(
    `select added, duplicate, decreased, changed from metrics_social_insight_apply($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      post.workspace_id,
      post.provider,
      post.provider_object_id,
      snapshot.observedAt.toISOString(),
      snapshot.metric,
      snapshot.impressions,
      snapshot.reach,
      snapshot.views,
    ],
  );
  if (!row) throw new Error('metrics_social_insight_apply returned no row');
  return { added: toNumber(row.added), duplicate: row.duplicate, decreased: row.decreased, changed: row.changed };
}

export async function schedulePost(
  db: Queryable,
  post: ClaimedPost,
  update: { polledAt: Date | null; unchangedPolls: number; nextPollAt: Date | null; stopReason: InsightsStopReason | null },
): Promise<void> {
  await db.query(`select metrics_social_insight_schedule($1, $2, $3, $4, $5, $6, $7)`, [
    post.workspace_id,
    post.provider,
    post.provider_object_id,
    update.polledAt?.toISOString() ?? null,
    update.unchangedPolls,
    update.nextPollAt?.toISOString() ?? null,
    update.stopReason,
  ]);
}

/**
 * How many of an account's due posts a run that started at `runStartedAt` has not read (nor
 * handed to another run); `now` is the run's clock, at which it hands unread posts back.
 */
export async function pendingPosts(
  db: Queryable,
  account: { workspace_id: string; provider: InsightsProvider },
  runStartedAt: Date,
  now: Date,
): Promise<number> {
  const [row] = await db.query<{ pending: unknown }>(`select metrics_social_insight_account_pending($1, $2, $3, $4) as pending`, [
    account.workspace_id,
    account.provider,
    runStartedAt.toISOString(),
    now.toISOString(),
  ]);
  return toNumber(row?.pending);
}

/** Records an account's fetch (error null) or failure and its back-off; returns when the back-off ends. */
export async function noteAccount(
  db: Queryable,
  account: { workspace_id: string; provider: InsightsProvider },
  outcome: {
    fetchedAt: Date | null;
    error: { kind: AccountErrorKind; message: string } | null;
    backoff: { ms: number; maxMs: number } | null;
  },
): Promise<Date | null> {
  const [row] = await db.query<{ until: Date | string | null }>(
    `select metrics_social_insight_account_note($1, $2, $3, $4, $5, $6, $7) as until`,
    [
      account.workspace_id,
      account.provider,
      outcome.fetchedAt?.toISOString() ?? null,
      outcome.error?.kind ?? null,
      outcome.error?.message ?? null,
      outcome.backoff?.ms ?? null,
      outcome.backoff?.maxMs ?? null,
    ],
  );
  return row?.until ? new Date(row.until) : null;
}
