// Meta and LinkedIn sign every delivery with the deployment's one app secret, so the URL cannot
// say whose events they are. Each event goes to the workspace whose connection owns its account
// (Facebook page, Instagram account, LinkedIn organization); events of accounts nobody connected
// are acknowledged, not stored, and counted (metrics_unrouted_events).
import type { Database } from '../../../db';
import { connectionsForAccounts, countUnroutedEvents, recordConnectionDelivery } from '../tenancy/connections';
import { ingestWebhookPayload, type IngestOutcome, type IngestResult } from '../metrics-ingestion';
import { normalizeProviderEvents } from '../ingest/normalize';
import type { MetricsProvider } from '../metrics-types';
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

export async function ingestByAccount(
  input: { provider: MetricsProvider; payload: unknown; signatureVerified: boolean; deliveryId: string | null },
  options: { db?: Database } = {},
): Promise<AccountRoutedResult> {
  const providerModule = getProviderModule(input.provider);
  const parts = providerModule.splitByAccount?.(input.payload) ?? [{ account: null, payload: input.payload }];
  const owners = await connectionsForAccounts(
    input.provider,
    parts.flatMap((p) => (p.account === null ? [] : [p.account])),
    options,
  );
  const results: IngestResult[] = [];
  const unrouted = new Map<string, number>();
  const workspaces = new Set<string>();
  for (const part of parts) {
    const owner = part.account === null ? undefined : owners.get(part.account);
    if (owner) {
      workspaces.add(owner.workspaceId);
      results.push(await ingestWebhookPayload({ ...input, payload: part.payload, workspaceId: owner.workspaceId }, options));
      // Bookkeeping only (the events are committed): the connection's last delivery.
      await recordConnectionDelivery(owner.connectionId, null, options).catch(() => undefined);
      continue;
    }
    // Counted as events, so the health answer reads like the ledger would have.
    const events = normalizeProviderEvents(input.provider, part.payload, { receivedAt: new Date(), storeRawEmail: false }).events.length;
    const account = part.account ?? '(no account id)';
    unrouted.set(account, (unrouted.get(account) ?? 0) + events);
  }
  await countUnroutedEvents(input.provider, unrouted, options);
  return { ...mergeResults(results), workspaces: [...workspaces], unrouted: [...unrouted.values()].reduce((a, b) => a + b, 0) };
}
