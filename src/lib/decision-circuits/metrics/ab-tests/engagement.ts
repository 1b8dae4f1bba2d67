// Who opened an A/B test's messages, per provider: opens and clicks by engagement class from the
// ledger (metrics_ab_test_engagement_by_provider), with the machine share of opens where it can be
// told. Run as the caller, so row-level security decides what is seen.
import { z } from 'zod';
import { readScoped, type AccessOptions } from '../tenancy/access';
import { percentage } from '../core/rates';
import { toNumber } from '../core/rows';
import { ENGAGEMENT_CLASSES, METRICS_PROVIDERS, type EngagementClass, type MetricsProvider } from '../metrics-types';
import { flagsMachineOpens } from './registry';

export type ClassCounts = Record<EngagementClass, number>;

export interface ProviderEngagement {
  provider: MetricsProvider;
  /** Whether this provider's open events can say a machine opened (else every open is unknown). */
  flagsMachineOpens: boolean;
  opens: ClassCounts & { total: number };
  clicks: ClassCounts & { total: number };
  /**
   * Machine opens / all opens, in percent; null when no open of this provider says who opened
   * (all unknown): the share cannot be told, which is not 0 %.
   */
  machine_open_share: number | null;
  /** Unknown opens / all opens, in percent (0 without opens). */
  unknown_open_share: number;
}

const querySchema = z.object({
  workspace_id: z.guid(),
  ab_test_id: z.guid(),
  time_start: z.iso.datetime({ offset: true }).optional(),
  time_end: z.iso.datetime({ offset: true }).optional(),
});
export type EngagementByProviderQuery = z.input<typeof querySchema>;

const zeroCounts = (): ClassCounts & { total: number } => ({ human: 0, machine: 0, bot: 0, unknown: 0, total: 0 });

/** Providers in the registry's order, only those with an open or click of the test in the range. */
export async function getEngagementByProvider(
  query: EngagementByProviderQuery,
  options: AccessOptions = {},
): Promise<ProviderEngagement[]> {
  const q = querySchema.parse(query);
  const [rows = []] = await readScoped(q.workspace_id, options, [
    {
      text: 'select provider, event_type, engagement_class, events from metrics_ab_test_engagement_by_provider($1, $2, $3, $4)',
      params: [q.workspace_id, q.ab_test_id, q.time_start ?? null, q.time_end ?? null],
    },
  ]);
  const byProvider = new Map<MetricsProvider, { opens: ClassCounts & { total: number }; clicks: ClassCounts & { total: number } }>();
  for (const row of rows) {
    const provider = METRICS_PROVIDERS.find((p) => p === row.provider);
    const cls = ENGAGEMENT_CLASSES.find((c) => c === row.engagement_class) ?? 'unknown';
    if (!provider) continue;
    const entry = byProvider.get(provider) ?? { opens: zeroCounts(), clicks: zeroCounts() };
    const counts = row.event_type === 'email_open' ? entry.opens : entry.clicks;
    const events = toNumber(row.events);
    counts[cls] += events;
    counts.total += events;
    byProvider.set(provider, entry);
  }
  return METRICS_PROVIDERS.flatMap((provider) => {
    const entry = byProvider.get(provider);
    if (!entry) return [];
    const { opens, clicks } = entry;
    const told = opens.total - opens.unknown;
    return [
      {
        provider,
        flagsMachineOpens: flagsMachineOpens(provider),
        opens,
        clicks,
        machine_open_share: told > 0 ? percentage(opens.machine, opens.total) : null,
        unknown_open_share: opens.total > 0 ? percentage(opens.unknown, opens.total) : 0,
      },
    ];
  });
}
