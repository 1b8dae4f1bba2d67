// The backfill worker (cron every 5 minutes): claims jobs one at a time, pages through the
// provider's API, tops up through the exactly-once ingest path, saves a checkpoint per page,
// and stops at its time budget (the job pauses and the next run resumes it).
import { getDb, isDatabaseUnavailable, type Database } from '../../../db';
import { describeError, getLogger } from '../../../observability/logger';
import { getMetrics } from '../../../observability/metrics';
import { currentRequestId } from '../../../observability/request-log';
import { ingestNormalizedEvents } from '../metrics-ingestion';
import { CRON_TIME_BUDGET_MS } from '../ops/retention';
import type { MetricsProvider } from '../metrics-types';
import type { EnvBag } from '../providers/kit/provider';
import type { BackfillContext, BackfillWindow } from '../providers/kit/backfill-client';
import { backfillCredentials } from './credentials';
import { ProviderApiError, ProviderHttp, TimeBudgetExhaustedError, type ProviderHttpOptions } from '../providers/kit/backfill-http';
import {
  addWarnings,
  claimBackfillJob,
  knownObjectsInWindow,
  releaseBackfillJob,
  saveBackfillProgress,
  type ClaimedBackfillJob,
} from './jobs';
import { getBackfillClient } from '../providers/registry';
import { planTopUps } from './topup';

export { CRON_TIME_BUDGET_MS as BACKFILL_TIME_BUDGET_MS } from '../ops/retention';
/** Longer than one page can take with all its retries, so a live worker is never taken over. */
export const BACKFILL_STALE_AFTER_MS = 10 * 60 * 1000;
export const BACKFILL_MAX_ATTEMPTS = 3;
const DAY_MS = 24 * 60 * 60 * 1000;

export type BackfillRunOutcome = 'completed' | 'failed' | 'paused' | 'taken_over';

export interface BackfillRunResult {
  job_id: string;
  workspace_id: string;
  provider: MetricsProvider;
  outcome: BackfillRunOutcome;
  pages: number;
  events_fetched: number;
  events_ingested: number;
  error_message: string | null;
}

export interface ProcessBackfillSummary {
  claimed: number;
  completed: number;
  failed: number;
  paused: number;
  taken_over: number;
  events_fetched: number;
  events_ingested: number;
  /** True when the run stopped at its time budget (a job paused or more may be waiting). */
  budget_exhausted: boolean;
  jobs: BackfillRunResult[];
}

export interface ProcessBackfillOptions {
  db?: Database;
  /** Provider credentials and base URLs (default process.env). */
  env?: EnvBag;
  timeBudgetMs?: number;
  staleAfterMs?: number;
  maxAttempts?: number;
  /** At most this many jobs per run (default: as many as the budget allows). */
  maxJobs?: number;
  /** fetch, sleep and retry settings for provider calls (tests). */
  http?: Omit<ProviderHttpOptions, 'deadline'>;
}

/** date_start 00:00 UTC up to (not including) the day after date_end: date_end is inclusive. */
export function backfillWindow(job: { date_start: string; date_end: string }): BackfillWindow {
  const start = new Date(`${job.date_start}T00:00:00Z`);
  return { start, end: new Date(Date.parse(`${job.date_end}T00:00:00Z`) + DAY_MS) };
}

/** One log line and one counter per job run (the message may name an endpoint, never a credential). */
function logBackfillRun(result: BackfillRunResult, durationMs: number): void {
  getMetrics().backfillJobs.inc({ provider: result.provider, outcome: result.outcome });
  const { job_id, workspace_id, provider, outcome, events_fetched, events_ingested } = result;
  const line = {
    kind: 'backfill',
    request_id: currentRequestId(),
    job_id,
    workspace_id,
    provider,
    outcome,
    events_fetched,
    events_ingested,
    duration_ms: durationMs,
  };
  if (outcome === 'failed') getLogger().warn({ ...line, error: result.error_message }, 'backfill run');
  else getLogger().info(line, 'backfill run');
}

function failureMessage(error: unknown): string {
  if (error instanceof ProviderApiError) return error.message;
  getLogger().error({ err: describeError(error) }, 'backfill job failed unexpectedly');
  return `Backfill failed: ${error instanceof Error ? error.message : String(error)}`;
}

async function runJob(
  db: Database,
  job: ClaimedBackfillJob,
  env: EnvBag,
  deadline: number,
  httpOptions: ProcessBackfillOptions['http'],
): Promise<BackfillRunResult> {
  const result: BackfillRunResult = {
    job_id: job.id,
    workspace_id: job.workspace_id,
    provider: job.provider,
    outcome: 'completed',
    pages: 0,
    events_fetched: 0,
    events_ingested: 0,
    error_message: null,
  };
  const finish = async (outcome: Exclude<BackfillRunOutcome, 'taken_over'>, error: string | null = null) => {
    const owned = await releaseBackfillJob(db, job, outcome, error);
    result.outcome = owned ? outcome : 'taken_over';
    result.error_message = owned ? error : null;
    return result;
  };

  const client = getBackfillClient(job.provider);
  const credentials = await backfillCredentials(db, job, client, env);
  const source = client.open(credentials.env);
  if (typeof source === 'string') {
    return finish('failed', credentials.fromConnection ? source : `${source}, or give this workspace's connection an api_key`);
  }

  const window = backfillWindow(job);
  const ctx: BackfillContext = {
    workspaceId: job.workspace_id,
    provider: job.provider,
    window,
    http: new ProviderHttp(client.label, { ...httpOptions, deadline }, client.classifyError),
    knownObjects: (after, limit) => knownObjectsInWindow(db, job, window, after, limit),
  };
  const progress = job.progress;

  try {
    for await (const page of source.pages(ctx, job.cursor)) {
      const plan = await planTopUps(db, job, page.records);
      const ingest = await ingestNormalizedEvents(job.workspace_id, job.provider, plan.events, true, { db });
      const added = new Set(ingest.events.filter((e) => e.outcome !== 'duplicate').map((e) => e.provider_event_id));
      const ingested = added.size;

      progress.pages += 1;
      progress.records_fetched += page.records.length;
      progress.units_added += plan.events.reduce((n, e) => n + (added.has(e.provider_event_id) ? e.quantity : 0), 0);
      progress.skipped_unknown_objects += plan.skippedUnknown;
      progress.skipped_before_ledger_horizon += plan.skippedBeforeHorizon;
      progress.fraction = page.fraction;
      addWarnings(progress, [...page.warnings, ...ingest.rejected.map((r) => `top-up rejected: ${r.reason}`)]);

      const owned = await saveBackfillProgress(db, job, { fetched: page.records.length, ingested }, { cursor: page.cursor, progress });
      if (!owned) {
        result.outcome = 'taken_over';
        return result;
      }
      result.pages += 1;
      result.events_fetched += page.records.length;
      result.events_ingested += ingested;
      if (page.cursor === null) break;
      if (Date.now() >= deadline) return await finish('paused');
    }
    if (progress.fraction !== 1) {
      // Some providers cannot estimate coverage while paging; done is done.
      progress.fraction = 1;
      await saveBackfillProgress(db, job, { fetched: 0, ingested: 0 }, { cursor: null, progress });
    }
    return await finish('completed');
  } catch (error) {
    if (error instanceof TimeBudgetExhaustedError) return finish('paused');
    // The job stays claimed; its heartbeat goes stale and a later run takes it over.
    if (isDatabaseUnavailable(error)) throw error;
    return finish('failed', failureMessage(error));
  }
}

/**
 * Processes backfill jobs until none is waiting or the time budget is spent. Safe to run
 * several at once: each job is claimed by one worker (SKIP LOCKED), at most one per workspace
 * and provider runs at a time, and every top-up is exactly-once in the ledger.
 */
export async function processBackfillJobs(options: ProcessBackfillOptions = {}): Promise<ProcessBackfillSummary> {
  const db = options.db ?? (await getDb());
  const env = options.env ?? process.env;
  const deadline = Date.now() + (options.timeBudgetMs ?? CRON_TIME_BUDGET_MS);
  const claim = {
    staleAfterMs: options.staleAfterMs ?? BACKFILL_STALE_AFTER_MS,
    maxAttempts: options.maxAttempts ?? BACKFILL_MAX_ATTEMPTS,
  };
  const summary: ProcessBackfillSummary = {
    claimed: 0,
    completed: 0,
    failed: 0,
    paused: 0,
    taken_over: 0,
    events_fetched: 0,
    events_ingested: 0,
    budget_exhausted: false,
    jobs: [],
  };

  while (summary.claimed < (options.maxJobs ?? Number.POSITIVE_INFINITY)) {
    if (Date.now() >= deadline) {
      summary.budget_exhausted = true;
      break;
    }
    const job = await claimBackfillJob(db, claim);
    if (!job) break;
    summary.claimed += 1;
    const startedAt = Date.now();
    const result = await runJob(db, job, env, deadline, options.http);
    logBackfillRun(result, Date.now() - startedAt);
    summary.jobs.push(result);
    summary[result.outcome] += 1;
    summary.events_fetched += result.events_fetched;
    summary.events_ingested += result.events_ingested;
    if (result.outcome === 'paused') {
      // A pause means the budget is (nearly) spent: claiming again would only re-hit the provider.
      summary.budget_exhausted = true;
      break;
    }
  }
  return summary;
}
