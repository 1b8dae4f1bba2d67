// The backfill job queue in Postgres: enqueue, read (under RLS for users), and the worker's
// claim / progress / release calls, one thin wrapper per SQL function.
import { z } from 'zod';
import { getDb, type Database, type Queryable } from '../../../db';
import { runScoped, type AccessOptions } from '../tenancy/access';
import { DomainError, isUnknownWorkspaceSqlError, UnknownWorkspaceError } from '../core/errors';
import { toIso, toNumber } from '../core/rows';
import type { BackfillJob, BackfillStatus, MetricsChannel, MetricsProvider } from '../metrics-types';
import { BACKFILL_LIST_DEFAULT_LIMIT, parseBackfillRequest } from './schemas';

/** Waiting or running jobs one workspace may have; more is almost certainly a runaway client. */
export const BACKFILL_MAX_ACTIVE_JOBS = 10;
export const BACKFILL_NOTE = 'Historical data will be fetched asynchronously. Check job status for progress.';
const MAX_WARNINGS_KEPT = 10;

/** What a job has done so far; kept in `checkpoint.progress`, shown by the status API. */
export interface BackfillProgress {
  pages: number;
  records_fetched: number;
  /** Engagements added to the ledger by top-ups (sum of their quantities). */
  units_added: number;
  /** Records whose object the workspace has never seen (no attribution row): not ingested. */
  skipped_unknown_objects: number;
  /** Records whose object was first seen before the ledger horizon: not topped up (see docs). */
  skipped_before_ledger_horizon: number;
  /** Share of the date range covered, when the provider lets us tell. */
  fraction: number | null;
  warnings: string[];
  warnings_total: number;
}

export interface BackfillJobStatus extends BackfillJob {
  attempts: number;
  heartbeat_at: string | null;
  updated_at: string;
  progress: BackfillProgress;
}

/** A job as the worker sees it: the row plus where to resume. */
export interface ClaimedBackfillJob extends BackfillJobStatus {
  cursor: unknown;
}

export function emptyProgress(): BackfillProgress {
  return {
    pages: 0,
    records_fetched: 0,
    units_added: 0,
    skipped_unknown_objects: 0,
    skipped_before_ledger_horizon: 0,
    fraction: null,
    warnings: [],
    warnings_total: 0,
  };
}

const progressSchema = z.object({
  pages: z.number(),
  records_fetched: z.number(),
  units_added: z.number(),
  skipped_unknown_objects: z.number(),
  skipped_before_ledger_horizon: z.number(),
  fraction: z.number().nullable(),
  warnings: z.array(z.string()),
  warnings_total: z.number(),
});
const checkpointSchema = z.object({ cursor: z.unknown().optional(), progress: progressSchema }).loose();

export function addWarnings(progress: BackfillProgress, warnings: readonly string[]): void {
  progress.warnings_total += warnings.length;
  progress.warnings.push(...warnings.slice(0, Math.max(0, MAX_WARNINGS_KEPT - progress.warnings.length)));
}

// Dates as text: drivers turn `date` into a Date at a time zone's midnight, which can shift a day.
const JOB_COLUMNS = `id, workspace_id, provider, channel, date_start::text as date_start, date_end::text as date_end,
  status, events_fetched, events_ingested, error_message, started_at, completed_at, created_at,
  checkpoint, attempts, heartbeat_at, updated_at`;

function rowToJob(row: Record<string, unknown>): ClaimedBackfillJob {
  const checkpoint = checkpointSchema.safeParse(row.checkpoint);
  return {
    id: String(row.id),
    workspace_id: String(row.workspace_id),
    provider: row.provider as MetricsProvider,
    channel: row.channel as MetricsChannel,
    date_start: String(row.date_start),
    date_end: String(row.date_end),
    status: row.status as BackfillStatus,
    events_fetched: toNumber(row.events_fetched),
    events_ingested: toNumber(row.events_ingested),
    error_message: (row.error_message as string | null) ?? null,
    started_at: toIso(row.started_at),
    completed_at: toIso(row.completed_at),
    created_at: toIso(row.created_at) ?? '',
    attempts: toNumber(row.attempts),
    heartbeat_at: toIso(row.heartbeat_at),
    updated_at: toIso(row.updated_at) ?? '',
    progress: checkpoint.success ? checkpoint.data.progress : emptyProgress(),
    cursor: checkpoint.success ? (checkpoint.data.cursor ?? null) : null,
  };
}

function withoutCursor({ cursor: _cursor, ...job }: ClaimedBackfillJob): BackfillJobStatus {
  return job;
}

export interface EnqueuedBackfill {
  job_id: string;
  status: BackfillStatus;
  job: BackfillJobStatus;
}

/**
 * Creates a pending job (release notes): validates provider, channel and dates, then inserts.
 * 400 for bad input, 404 for an unknown workspace, 429 past BACKFILL_MAX_ACTIVE_JOBS.
 */
export async function enqueueBackfill(
  workspaceId: string,
  provider: MetricsProvider,
  channel: MetricsChannel,
  dateStart: string,
  dateEnd: string,
  options: { db?: Database } = {},
): Promise<EnqueuedBackfill> {
  const workspace = z.uuid({ message: 'workspaceId must be a UUID' }).parse(workspaceId);
  const input = parseBackfillRequest({ provider, channel, date_start: dateStart, date_end: dateEnd });
  const db = options.db ?? (await getDb());
  let rows: Record<string, unknown>[];
  try {
    rows = await db.query(`select ${JOB_COLUMNS} from metrics_backfill_enqueue($1, $2, $3, $4::date, $5::date, $6)`, [
      workspace,
      input.provider,
      input.channel,
      input.date_start,
      input.date_end,
      BACKFILL_MAX_ACTIVE_JOBS,
    ]);
  } catch (error) {
    if (isUnknownWorkspaceSqlError(error)) throw new UnknownWorkspaceError(workspace);
    throw error;
  }
  const [row] = rows;
  if (!row) {
    throw new DomainError(
      'too_many_requests',
      `Too many backfill jobs waiting or running for this workspace (limit ${BACKFILL_MAX_ACTIVE_JOBS}); try again when some have finished`,
      { workspace_id: workspace, active_limit: BACKFILL_MAX_ACTIVE_JOBS },
      { 'retry-after': '300' },
    );
  }
  const job = withoutCursor(rowToJob(row));
  return { job_id: job.id, status: job.status, job };
}

/** One job of the workspace, or null. With claims, RLS decides: another workspace's job is not found. */
export async function getBackfillJob(workspaceId: string, jobId: string, options: AccessOptions = {}): Promise<BackfillJobStatus | null> {
  return runScoped(workspaceId, options, async (q) => {
    const [row] = await q.query(`select ${JOB_COLUMNS} from metrics_backfill_jobs where workspace_id = $1 and id = $2`, [
      workspaceId,
      jobId,
    ]);
    return row ? withoutCursor(rowToJob(row)) : null;
  });
}

/** The workspace's most recent jobs, newest first. */
export async function listBackfillJobs(
  workspaceId: string,
  options: AccessOptions & { limit?: number; status?: BackfillStatus } = {},
): Promise<BackfillJobStatus[]> {
  return runScoped(workspaceId, options, async (q) => {
    const rows = await q.query(
      `select ${JOB_COLUMNS} from metrics_backfill_jobs
       where workspace_id = $1 and ($2::text is null or status = $2)
       order by created_at desc, id desc limit $3`,
      [workspaceId, options.status ?? null, options.limit ?? BACKFILL_LIST_DEFAULT_LIMIT],
    );
    return rows.map((row) => withoutCursor(rowToJob(row)));
  });
}

/** The status API's JSON for a job (the release notes call the id `job_id`). */
export function backfillJobView(job: BackfillJobStatus) {
  const { id, ...rest } = job;
  return { job_id: id, ...rest };
}

/** The release notes' 202 body for POST /api/circuits/metrics/backfill, field for field. */
export function backfillEnqueuedBody(job: BackfillJobStatus) {
  return {
    workspace_id: job.workspace_id,
    job_id: job.id,
    status: job.status,
    provider: job.provider,
    channel: job.channel,
    date_start: job.date_start,
    date_end: job.date_end,
    message: 'Backfill job enqueued',
    note: BACKFILL_NOTE,
    timestamp: new Date().toISOString(),
  };
}

// ---------- the worker's side ----------

export interface ClaimOptions {
  staleAfterMs: number;
  maxAttempts: number;
}

export async function claimBackfillJob(db: Queryable, options: ClaimOptions): Promise<ClaimedBackfillJob | null> {
  const [row] = await db.query(`select ${JOB_COLUMNS} from metrics_backfill_claim(make_interval(secs => $1), $2)`, [
    options.staleAfterMs / 1000,
    options.maxAttempts,
  ]);
  return row ? rowToJob(row) : null;
}

/** False when the job was taken over by another worker: the caller must stop. */
export async function saveBackfillProgress(
  db: Queryable,
  job: ClaimedBackfillJob,
  delta: { fetched: number; ingested: number },
  checkpoint: { cursor: unknown; progress: BackfillProgress },
): Promise<boolean> {
  const [row] = await db.query<{ owned: boolean }>('select metrics_backfill_progress($1, $2, $3, $4, $5::jsonb) as owned', [
    job.id,
    job.attempts,
    delta.fetched,
    delta.ingested,
    checkpoint,
  ]);
  return row?.owned === true;
}

export async function releaseBackfillJob(
  db: Queryable,
  job: ClaimedBackfillJob,
  outcome: 'completed' | 'failed' | 'paused',
  error: string | null = null,
): Promise<boolean> {
  const [row] = await db.query<{ owned: boolean }>('select metrics_backfill_release($1, $2, $3, $4) as owned', [
    job.id,
    job.attempts,
    outcome,
    error,
  ]);
  return row?.owned === true;
}

/** Objects the workspace knows for this provider, first seen in [from, to), after `after` in id order. */
export async function knownObjectsInWindow(
  db: Queryable,
  job: Pick<BackfillJob, 'workspace_id' | 'provider'>,
  window: { start: Date; end: Date },
  after: string | null,
  limit: number,
): Promise<{ provider_object_id: string; created_at: Date }[]> {
  const rows = await db.query<{ provider_object_id: string; created_at: unknown }>(
    `select provider_object_id, created_at from metrics_attribution_map
     where workspace_id = $1 and provider = $2 and created_at >= $3 and created_at < $4
       and ($5::text is null or provider_object_id > $5)
     order by provider_object_id limit $6`,
    [job.workspace_id, job.provider, window.start.toISOString(), window.end.toISOString(), after, limit],
  );
  return rows.map((r) => ({ provider_object_id: r.provider_object_id, created_at: new Date(toIso(r.created_at) ?? 0) }));
}
