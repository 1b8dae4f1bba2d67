// Per connected social account: when its insights were last fetched, whether it is backing off
// and why, and how many of its posts are polled, stopped, or went down (for the dashboard and API).
import { readScoped, type AccessOptions } from '../tenancy/access';
import { toIso, toNumber } from '../core/rows';

export interface InsightsAccountStatus {
  provider: string;
  last_fetched_at: string | null;
  backoff_until: string | null;
  last_error_kind: string | null;
  last_error: string | null;
  posts_polling: number;
  posts_stopped: number;
  /** Posts whose platform total went down at some reading (recorded, never subtracted). */
  posts_decreased: number;
}

export async function getInsightsStatus(workspaceId: string, options: AccessOptions = {}): Promise<InsightsAccountStatus[]> {
  const [rows = []] = await readScoped(workspaceId, options, [
    {
      text: `select coalesce(a.provider, p.provider) as provider, a.last_fetched_at, a.backoff_until, a.last_error_kind, a.last_error,
                    coalesce(p.polling, 0) as posts_polling, coalesce(p.stopped, 0) as posts_stopped,
                    coalesce(p.decreased, 0) as posts_decreased
             from (select * from metrics_social_insight_accounts where workspace_id = $1) a
             full join (
               select provider, count(*) filter (where state = 'polling') as polling,
                      count(*) filter (where state = 'stopped') as stopped,
                      count(*) filter (where decreased_at is not null) as decreased
               from metrics_social_insight_posts where workspace_id = $1 group by provider
             ) p on p.provider = a.provider
             order by 1`,
      params: [workspaceId],
    },
  ]);
  return rows.map((row) => ({
    provider: String(row.provider),
    last_fetched_at: toIso(row.last_fetched_at),
    backoff_until: toIso(row.backoff_until),
    last_error_kind: (row.last_error_kind as string | null) ?? null,
    last_error: (row.last_error as string | null) ?? null,
    posts_polling: toNumber(row.posts_polling),
    posts_stopped: toNumber(row.posts_stopped),
    posts_decreased: toNumber(row.posts_decreased),
  }));
}
