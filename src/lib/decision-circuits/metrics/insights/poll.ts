// The insights poll (cron every 15 minutes): enrols the mapped social posts of connected
// accounts, claims the posts that are due, reads their lifetime impressions per account with
// the connection's own token, applies each reading exactly once (store.ts) and schedules the next
// read by the post's age (cadence.ts). An account the platform throttles, or whose token it
// rejects, backs off as a whole; a run that reaches its time budget hands its claimed posts back.
// An account counts as fetched (its last_fetched_at) only once every post of it that was due has
// been read: a run stopped part-way leaves the rest due, first in line for the next run.
import { getDb, isDatabaseUnavailable, type Database } from '../../../db';
import { describeError, getLogger } from '../../../observability/logger';
import { CRON_TIME_BUDGET_MS } from '../ops/retention';
import { openBackfillCredential } from '../tenancy/connections';
import type { EnvBag } from '../providers/kit/provider';
import { baseUrl } from '../providers/kit/backfill-client';
import { ProviderApiError, ProviderHttp, TimeBudgetExhaustedError, type ProviderHttpOptions } from '../providers/kit/backfill-http';
import { InsightsTokenRejectedError, type InsightReading, type InsightsProviderClient } from '../providers/kit/insights-client';
import { getInsightsClient } from '../providers/registry';
import { ACCOUNT_RETRY_BACKOFF, INSIGHTS_MAX_AGE_MS, THROTTLE_BACKOFF, TOKEN_REJECTED_BACKOFF, nextPoll } from './cadence';
import {
  applySnapshot,
  claimDuePosts,
  enrolPosts,
  noteAccount,
  pendingPosts,
  schedulePost,
  type AccountErrorKind,
  type ClaimedPost,
} from './store';

/** Posts claimed at a time. */
export const INSIGHTS_CLAIM_BATCH = 100;
/** A claimed post a run did not get to comes back after this (longer than any run). */
export const INSIGHTS_CLAIM_LEASE_MS = 10 * 60 * 1000;
/** Few, short retries: a throttled account backs off between runs rather than inside one. */
export const INSIGHTS_HTTP_DEFAULTS = { maxRetries: 2, maxDelayMs: 5_000 } as const;

export type InsightsAccountOutcome = 'fetched' | 'paused' | AccountErrorKind;

export interface InsightsAccountRun {
  workspace_id: string;
  provider: ClaimedPost['provider'];
  outcome: InsightsAccountOutcome;
  posts_read: number;
  error_message: string | null;
  backoff_until: string | null;
}

export interface InsightsPollSummary {
  enrolled: number;
  posts_read: number;
  snapshots: number;
  impressions_added: number;
  repeated_snapshots: number;
  decreases: number;
  stopped: number;
  accounts: InsightsAccountRun[];
  /** True when the run stopped at its time budget (posts may still be due). */
  budget_exhausted: boolean;
}

export interface InsightsPollOptions {
  db?: Database;
  /** Base URLs and the secret-box keys (default process.env). */
  env?: EnvBag;
  timeBudgetMs?: number;
  /** The clock readings are stamped with (tests). */
  now?: () => Date;
  /** The clock the time budget is measured on, in ms (tests; default Date.now). */
  clock?: () => number;
  http?: Omit<ProviderHttpOptions, 'deadline'>;
}

interface PollRun {
  db: Database;
  env: EnvBag;
  deadline: number;
  clock: () => number;
  now: () => Date;
  /** When the run started, on the `now` clock (its readings are stamped on it). */
  startedAt: Date;
  http: Omit<ProviderHttpOptions, 'deadline'>;
  summary: InsightsPollSummary;
}

function groupByAccount(posts: ClaimedPost[]): ClaimedPost[][] {
  const groups = new Map<string, ClaimedPost[]>();
  for (const post of posts) {
    const key = `${post.workspace_id}|${post.provider}`;
    groups.set(key, [...(groups.get(key) ?? []), post]);
  }
  return [...groups.values()];
}

/** Hands claimed posts back unread, due at `at` (default now: an account in back-off is skipped by the claim). */
async function release(run: PollRun, posts: readonly ClaimedPost[], at: Date = run.now()): Promise<void> {
  for (const post of posts) {
    await schedulePost(run.db, post, { polledAt: null, unchangedPolls: post.unchanged_polls, nextPollAt: at, stopReason: null });
  }
}

async function applyReading(run: PollRun, post: ClaimedPost, reading: InsightReading, observedAt: Date): Promise<void> {
  const { summary } = run;
  summary.posts_read += 1;
  let unchangedPolls = post.unchanged_polls + 1;
  if (reading.outcome === 'deleted') {
    summary.stopped += 1;
    await schedulePost(run.db, post, { polledAt: observedAt, unchangedPolls, nextPollAt: null, stopReason: 'deleted' });
    return;
  }
  if (reading.outcome === 'measured') {
    const applied = await applySnapshot(run.db, post, { observedAt, ...reading });
    summary.snapshots += applied.duplicate ? 0 : 1;
    summary.repeated_snapshots += applied.duplicate ? 1 : 0;
    summary.impressions_added += applied.added;
    summary.decreases += applied.decreased ? 1 : 0;
    if (applied.changed) unchangedPolls = 0;
  }
  const next = nextPoll({ postedAt: post.posted_at, unchangedPolls }, observedAt);
  if (next.stop) summary.stopped += 1;
  await schedulePost(run.db, post, { polledAt: observedAt, unchangedPolls, nextPollAt: next.at, stopReason: next.stop });
}

function accountError(error: unknown): { kind: AccountErrorKind; message: string } {
  if (error instanceof InsightsTokenRejectedError) return { kind: 'token_rejected', message: error.message };
  if (error instanceof ProviderApiError && error.kind === 'rate_limited') return { kind: 'throttled', message: error.message };
  if (error instanceof ProviderApiError) return { kind: 'provider_error', message: error.message };
  getLogger().error({ err: describeError(error) }, 'insights poll failed unexpectedly');
  return { kind: 'provider_error', message: `Insights poll failed: ${error instanceof Error ? error.message : String(error)}` };
}

const BACKOFF = {
  throttled: THROTTLE_BACKOFF,
  token_rejected: TOKEN_REJECTED_BACKOFF,
  no_token: ACCOUNT_RETRY_BACKOFF,
  provider_error: ACCOUNT_RETRY_BACKOFF,
};

async function pollAccount(run: PollRun, client: InsightsProviderClient, posts: ClaimedPost[]): Promise<InsightsAccountRun> {
  const [first] = posts;
  if (!first) throw new Error('an account run needs posts');
  const account = { workspace_id: first.workspace_id, provider: first.provider };
  const result: InsightsAccountRun = { ...account, outcome: 'fetched', posts_read: 0, error_message: null, backoff_until: null };
  // A failed account is not fetched, whatever it read before failing: its posts' own readings say what was.
  const fail = async (error: { kind: AccountErrorKind; message: string }, unread: ClaimedPost[]) => {
    const until = await noteAccount(run.db, account, { fetchedAt: null, error, backoff: BACKOFF[error.kind] });
    await release(run, unread);
    return { ...result, outcome: error.kind, error_message: error.message, backoff_until: until?.toISOString() ?? null };
  };

  const credential = await openBackfillCredential(account.workspace_id, account.provider, { db: run.db, env: run.env });
  if (!credential) return fail({ kind: 'no_token', message: `No active ${client.label} connection with a token` }, posts);

  const http = new ProviderHttp(client.label, { ...INSIGHTS_HTTP_DEFAULTS, ...run.http, deadline: run.deadline }, client.classifyError);
  const base = baseUrl(run.env, client.baseUrlVar, client.defaultBaseUrl);
  let fetchedAt: Date | null = null;
  for (let i = 0; i < posts.length; i += client.postsPerRequest) {
    const chunk = posts.slice(i, i + client.postsPerRequest);
    if (run.clock() >= run.deadline) {
      // Part-way: the account is not fetched; the posts read keep their readings, the rest are due.
      run.summary.budget_exhausted = true;
      await release(run, posts.slice(i));
      return { ...result, outcome: 'paused' };
    }
    let readings: InsightReading[];
    try {
      const ids = chunk.map((p) => p.provider_object_id);
      readings = await client.read(http, base, { token: credential.apiKey, accountId: credential.externalAccountId }, ids, run.env);
    } catch (error) {
      if (isDatabaseUnavailable(error)) throw error;
      if (error instanceof TimeBudgetExhaustedError) {
        run.summary.budget_exhausted = true;
        await release(run, posts.slice(i));
        return { ...result, outcome: 'paused' };
      }
      return fail(accountError(error), posts.slice(i));
    }
    const observedAt = run.now();
    fetchedAt = observedAt;
    const byId = new Map(readings.map((r) => [r.objectId, r]));
    for (const post of chunk) {
      const reading = byId.get(post.provider_object_id) ?? {
        objectId: post.provider_object_id,
        outcome: 'no_figure' as const,
        note: 'no reading returned',
      };
      await applyReading(run, post, reading, observedAt);
      result.posts_read += 1;
    }
  }
  // Posts of the account still due (a later claim batch holds them): fetched once those are read too.
  if ((await pendingPosts(run.db, account, run.startedAt, run.now())) === 0) {
    await noteAccount(run.db, account, { fetchedAt, error: null, backoff: null });
  }
  return result;
}

function logRun(summary: InsightsPollSummary, durationMs: number): void {
  const { enrolled, posts_read, snapshots, impressions_added, decreases, stopped, budget_exhausted } = summary;
  const failed = summary.accounts.filter((a) => a.outcome !== 'fetched' && a.outcome !== 'paused');
  const line = { kind: 'insights_poll', enrolled, posts_read, snapshots, impressions_added, decreases, stopped, budget_exhausted };
  const log = getLogger();
  if (failed.length > 0) {
    log.warn(
      { ...line, failed: failed.map((a) => ({ workspace_id: a.workspace_id, provider: a.provider, outcome: a.outcome })) },
      'insights poll',
    );
  } else log.info({ ...line, duration_ms: durationMs }, 'insights poll');
}

/**
 * Reads the due posts' insights until none is due or the time budget is spent. Safe to run
 * several at once: each post is claimed by one run (SKIP LOCKED, with a lease), and every
 * reading is applied exactly once.
 */
export async function processInsightsPoll(options: InsightsPollOptions = {}): Promise<InsightsPollSummary> {
  const clock = options.clock ?? Date.now;
  const startedAt = clock();
  const db = options.db ?? (await getDb());
  const now = options.now ?? (() => new Date());
  const run: PollRun = {
    db,
    env: options.env ?? process.env,
    deadline: startedAt + (options.timeBudgetMs ?? CRON_TIME_BUDGET_MS),
    clock,
    now,
    startedAt: now(),
    http: options.http ?? {},
    summary: {
      enrolled: 0,
      posts_read: 0,
      snapshots: 0,
      impressions_added: 0,
      repeated_snapshots: 0,
      decreases: 0,
      stopped: 0,
      accounts: [],
      budget_exhausted: false,
    },
  };
  run.summary.enrolled = await enrolPosts(db, INSIGHTS_MAX_AGE_MS);
  // A post is read at most once a run: one due again already (a clock behind the database's)
  // keeps its lease and waits for the next run instead of being read in a loop.
  const read = new Set<string>();
  const keyOf = (p: ClaimedPost) => `${p.workspace_id}|${p.provider}|${p.provider_object_id}`;
  while (!run.summary.budget_exhausted) {
    if (clock() >= run.deadline) {
      run.summary.budget_exhausted = true;
      break;
    }
    const claimed = (await claimDuePosts(db, INSIGHTS_CLAIM_BATCH, INSIGHTS_CLAIM_LEASE_MS)).filter((p) => !read.has(keyOf(p)));
    if (claimed.length === 0) break;
    for (const post of claimed) read.add(keyOf(post));
    for (const posts of groupByAccount(claimed)) {
      const client = getInsightsClient(posts[0]!.provider);
      if (!client || run.summary.budget_exhausted) {
        // (No client: a provider that lost its insights support; its posts wait rather than spin.)
        await release(run, posts, client ? run.now() : new Date(run.now().getTime() + ACCOUNT_RETRY_BACKOFF.ms));
        continue;
      }
      run.summary.accounts.push(await pollAccount(run, client, posts));
    }
  }
  logRun(run.summary, clock() - startedAt);
  return run.summary;
}
