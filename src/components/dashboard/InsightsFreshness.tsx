import { formatUtc } from '@/lib/dashboard/format';
import { PROVIDER_LABELS, isMetricsProvider } from '@/lib/decision-circuits/metrics';
import type { InsightsAccountStatus } from '@/lib/decision-circuits/metrics/insights';

const PROBLEMS: Record<string, string> = {
  throttled: 'the platform is throttling this account',
  token_rejected: 'the platform rejected the connection’s token: reconnect the account',
  no_token: 'the connection has no token to read insights with',
  provider_error: 'the last fetch failed',
};

function describe(account: InsightsAccountStatus): string {
  const label = isMetricsProvider(account.provider) ? PROVIDER_LABELS[account.provider] : account.provider;
  const fetched = account.last_fetched_at ? `insights last fetched ${formatUtc(account.last_fetched_at)}` : 'insights not fetched yet';
  const problem = account.last_error_kind ? `; ${PROBLEMS[account.last_error_kind] ?? account.last_error_kind}` : '';
  const until = account.backoff_until ? `, next try after ${formatUtc(account.backoff_until)}` : '';
  const decreased = account.posts_decreased > 0 ? `; ${account.posts_decreased} post(s) reported a lower total (kept, not subtracted)` : '';
  return `${label}: ${fetched}${problem}${until}${decreased}`;
}

/** When each connected social account's impressions were last read, beside the social table. */
export function InsightsFreshness({ accounts }: { accounts: InsightsAccountStatus[] }) {
  return (
    <ul className="muted small insights-freshness" data-testid="insights-freshness" aria-label="Insights per account">
      {accounts.length === 0 ? (
        <li>Impressions come from the platforms’ insights: no connected social account has been read yet.</li>
      ) : (
        accounts.map((account) => (
          <li key={account.provider} data-provider={account.provider}>
            {describe(account)}
          </li>
        ))
      )}
    </ul>
  );
}
