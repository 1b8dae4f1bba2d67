// In-process waiting for CX09: resolve when one test's numbers move, or iterate over its verdict
// changes. Both poll the live version (one index-backed statement) with a growing interval while
// nothing changes, never the decision itself: the decision is read once per version change.
import { getAbTestDecision, type AbTestDecisionReport } from '../ab-tests';
import type { AccessOptions } from '../tenancy/access';
import { getLiveVersion } from './live';

/** The first check waits this long; each unchanged check doubles it, up to MAX. */
export const WATCH_FIRST_INTERVAL_MS = 1_000;
export const WATCH_MAX_INTERVAL_MS = 30_000;

export interface WatchTarget {
  workspace_id: string;
  ab_test_id: string;
}

export interface WaitOptions extends AccessOptions {
  /** Give up after this long (null is answered); default: wait until aborted. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** For tests: the first and the largest interval. */
  intervalMs?: { first: number; max: number };
}

export interface DecisionChange {
  /** The live version the decision was read at: pass it as `since` to wait for the next one. */
  version: string;
  decision: AbTestDecisionReport;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const versionOf = async (target: WatchTarget, options: AccessOptions) =>
  (await getLiveVersion({ workspaceId: target.workspace_id, abTestId: target.ab_test_id }, options)).version;

/**
 * Resolves with the decision once the test's live version differs from `since` (at once when
 * `since` is undefined or already stale); null after timeoutMs. Rejects when the signal aborts.
 */
export async function waitForDecisionChange(
  target: WatchTarget,
  since: string | undefined,
  options: WaitOptions = {},
): Promise<DecisionChange | null> {
  const { timeoutMs, signal, intervalMs, ...access } = options;
  const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  let interval = intervalMs?.first ?? WATCH_FIRST_INTERVAL_MS;
  for (;;) {
    const version = await versionOf(target, access);
    if (version !== since) {
      return { version, decision: await getAbTestDecision({ workspace_id: target.workspace_id, ab_test_id: target.ab_test_id }, access) };
    }
    const left = deadline - Date.now();
    if (left <= 0) return null;
    await sleep(Math.min(interval, left), signal);
    interval = Math.min(interval * 2, intervalMs?.max ?? WATCH_MAX_INTERVAL_MS);
  }
}

/**
 * Every change of the test's verdict (or winner), starting with the current one, until the
 * signal aborts: `for await (const decision of watchDecision(test, { signal })) ...`.
 */
export async function* watchDecision(
  target: WatchTarget,
  options: Omit<WaitOptions, 'timeoutMs'> = {},
): AsyncGenerator<AbTestDecisionReport> {
  let since: string | undefined;
  let last: string | undefined;
  for (;;) {
    let change: DecisionChange | null;
    try {
      change = await waitForDecisionChange(target, since, options);
    } catch (error) {
      if (options.signal?.aborted) return;
      throw error;
    }
    if (!change) continue;
    since = change.version;
    const verdict = `${change.decision.decision}|${change.decision.winnerVariantId ?? ''}`;
    if (verdict !== last) {
      last = verdict;
      yield change.decision;
    }
  }
}
