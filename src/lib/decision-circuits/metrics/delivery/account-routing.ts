// Meta and LinkedIn sign every delivery with the deployment's one app secret, so the URL cannot
// say whose events they are. The delivery is normalised once; each event then goes to the
// workspace whose connection owns its account (Facebook page, Instagram account, LinkedIn
// organization); events of accounts nobody connected are acknowledged, not stored, and counted
// (metrics_unrouted_events).
import type { Database } from '../../../db';
import { connectionsForAccounts, countUnroutedEvents, recordConnectionDelivery } from '../tenancy/connections';
import { ingestNormalizedEvents, normalizeDelivery, withUnreadable, type IngestOutcome, type IngestResult } from '../metrics-ingestion';
import type { MetricsProvider, NormalizedEvent } from '../metrics-types';
import { getProviderModule } from '../providers/registry';

export interface AccountRoutedResult extends IngestResult {
  /** Workspaces that received events from this delivery. */
  workspaces: string[];
  /** Events of accounts no workspace has connected: acknowledged, not stored. */
  unrouted: number;
}

function mergeResults(results: IngestResult[]): IngestResult {
  const counts: Record<IngestOutcome, number> = { applied: 0, pending: 0, recorded: 0, orphaned: 0, duplicate: 0 };
  for (const result of results) for (const [outcome, n] of Object.entries(result.counts)) counts[outcome as IngestOutcome] += n;
  return {
    succeeded: results.reduce((n, r) => n + r.succeeded, 0),
    failed: results.reduce((n, r) => n + r.failed, 0),
    events: results.flatMap((r) => r.events),
    rejected: results.flatMap((r) => r.rejected),
    counts,
  };
}

function groupByAccount(events: readonly NormalizedEvent[], accountOf: (event: NormalizedEvent) => string | null) {
  const groups = new Map<string | null, NormalizedEvent[]>();
  for (const event of events) {
    const account = accountOf(event);
    const group = groups.get(account);
    if (group) group.push(event);
    else groups.set(account, [event]);
  }
  return groups;
}

export async function ingestByAccount(
  input: { provider: MetricsProvider; payload: unknown; signatureVerified: boolean; deliveryId: string | null },
  options: { db?: Database } = {},
): Promise<AccountRoutedResult> {
  const accountOf = getProviderModule(input.provider).accountOf ?? (() => null);
  const normalized = normalizeDelivery(input);
  const groups = groupByAccount(normalized.events, accountOf);
  const owners = await connectionsForAccounts(
    input.provider,
    [...groups.keys()].filter((account): account is string => account !== null),
    options,
  );
  const results: IngestResult[] = [];
  const unrouted = new Map<string, number>();
  const workspaces = new Set<string>();
  for (const [account, events] of groups) {
    const owner = account === null ? undefined : owners.get(account);
    if (owner) {
      workspaces.add(owner.workspaceId);
      results.push(await ingestNormalizedEvents(owner.workspaceId, input.provider, events, input.signatureVerified, options));
      // Bookkeeping only (the events are committed): the connection's last delivery.
      await recordConnectionDelivery(owner.connectionId, null, options).catch(() => undefined);
      continue;
    }
    // Counted as events, so the health answer reads like the ledger would have.
    const key = account ?? '(no account id)';
    unrouted.set(key, (unrouted.get(key) ?? 0) + events.length);
  }
  await countUnroutedEvents(input.provider, unrouted, options);
  return {
    ...withUnreadable(mergeResults(results), normalized.rejected),
    workspaces: [...workspaces],
    unrouted: [...unrouted.values()].reduce((a, b) => a + b, 0),
  };
}
