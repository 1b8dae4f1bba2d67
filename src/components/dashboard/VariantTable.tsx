import type { VariantView } from '@/lib/dashboard/ab-tests';
import { formatCount, formatPercent } from '@/lib/dashboard/format';
import type { DerivedRate, RollupCounter } from '@/lib/decision-circuits/metrics/metrics-types';

type Column = { key: RollupCounter; label: string; kind: 'count' } | { key: DerivedRate; label: string; kind: 'rate' };

const EMAIL_COLUMNS: Column[] = [
  { key: 'email_sent', label: 'Sent', kind: 'count' },
  { key: 'email_delivered', label: 'Delivered', kind: 'count' },
  { key: 'email_bounced', label: 'Bounced', kind: 'count' },
  { key: 'email_opened', label: 'Opens', kind: 'count' },
  { key: 'email_unique_opened', label: 'Unique opens', kind: 'count' },
  { key: 'email_clicked', label: 'Clicks', kind: 'count' },
  { key: 'email_unique_clicked', label: 'Unique clicks', kind: 'count' },
  { key: 'email_complained', label: 'Complaints', kind: 'count' },
  { key: 'email_unsubscribed', label: 'Unsubscribes', kind: 'count' },
  { key: 'delivery_rate', label: 'Delivery rate', kind: 'rate' },
  { key: 'unique_open_rate', label: 'Unique open rate', kind: 'rate' },
  { key: 'unique_click_rate', label: 'Unique click rate', kind: 'rate' },
];

const SOCIAL_COLUMNS: Column[] = [
  { key: 'social_impressions', label: 'Impressions', kind: 'count' },
  { key: 'social_likes', label: 'Likes', kind: 'count' },
  { key: 'social_comments', label: 'Comments', kind: 'count' },
  { key: 'social_shares', label: 'Shares', kind: 'count' },
  { key: 'social_clicks', label: 'Clicks', kind: 'count' },
  { key: 'social_engagement_rate', label: 'Engagement rate', kind: 'rate' },
];

// People and machines beside each total: machine opens and bot clicks are events (of the totals
// before them); human opens and clicks are messages a person opened / clicked (of the unique ones).
const OPENS_COLUMNS: Column[] = [
  { key: 'email_opened', label: 'Opens', kind: 'count' },
  { key: 'email_machine_opened', label: 'Machine opens', kind: 'count' },
  { key: 'email_unique_opened', label: 'Unique opens', kind: 'count' },
  { key: 'email_unique_human_opened', label: 'Human opens (unique)', kind: 'count' },
  { key: 'open_rate', label: 'Open rate', kind: 'rate' },
  { key: 'unique_open_rate', label: 'Unique open rate', kind: 'rate' },
  { key: 'human_open_rate', label: 'Human open rate', kind: 'rate' },
];

const CLICKS_COLUMNS: Column[] = [
  { key: 'email_clicked', label: 'Clicks', kind: 'count' },
  { key: 'email_bot_clicked', label: 'Bot clicks', kind: 'count' },
  { key: 'email_unique_clicked', label: 'Unique clicks', kind: 'count' },
  { key: 'email_unique_human_clicked', label: 'Human clicks (unique)', kind: 'count' },
  { key: 'click_rate', label: 'Click rate', kind: 'rate' },
  { key: 'unique_click_rate', label: 'Unique click rate', kind: 'rate' },
  { key: 'human_click_rate', label: 'Human click rate', kind: 'rate' },
];

export const CHANNEL_TABLES = {
  email: { title: 'Email', columns: EMAIL_COLUMNS },
  social: { title: 'Social', columns: SOCIAL_COLUMNS },
} as const;
export type ChannelTable = keyof typeof CHANNEL_TABLES;

/** The email channel's breakdowns of opens and clicks by who made them. */
export const ENGAGEMENT_TABLES = {
  opens: { title: 'Opens: people and machines', columns: OPENS_COLUMNS },
  clicks: { title: 'Clicks: people and scanners', columns: CLICKS_COLUMNS },
} as const;
export type EngagementTable = keyof typeof ENGAGEMENT_TABLES;
const TABLES = { ...CHANNEL_TABLES, ...ENGAGEMENT_TABLES };

/** Channels with any counter above zero in this range (email when there is nothing at all). */
export function channelsWithData(variants: VariantView[]): ChannelTable[] {
  const has = (channel: ChannelTable) =>
    variants.some((v) => CHANNEL_TABLES[channel].columns.some((c) => c.kind === 'count' && v.summary.totals[c.key] > 0));
  const channels = (['email', 'social'] as const).filter(has);
  return channels.length > 0 ? channels : ['email'];
}

/** One channel's variants side by side: totals over the range and rates recomputed from them. */
export function VariantTable({
  channel,
  variants,
  caption,
}: {
  channel: ChannelTable | EngagementTable;
  variants: VariantView[];
  caption: string;
}) {
  const { title, columns } = TABLES[channel];
  return (
    <div className="table-scroll" role="region" aria-label={`${title}: variants side by side`} tabIndex={0}>
      <table className="data-table stack-on-narrow" role="table" data-testid={`variant-table-${channel}`}>
        <caption>{caption}</caption>
        <thead role="rowgroup">
          <tr role="row">
            <th scope="col" role="columnheader">
              Variant
            </th>
            {columns.map((c) => (
              <th key={c.key} scope="col" role="columnheader" className="num">
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody role="rowgroup">
          {variants.map((v) => (
            <tr key={v.key} role="row" data-variant={v.variantId ?? 'none'} data-control={v.isControl ? 'true' : undefined}>
              <th scope="row" role="rowheader">
                <span className="variant-name" data-testid="variant-name">
                  {v.name}
                </span>{' '}
                {v.isControl && <span className="badge neutral control-badge">Control</span>}{' '}
                {v.variantId && (
                  <code className="variant-id" title={v.variantId}>
                    {v.variantId}
                  </code>
                )}
              </th>
              {columns.map((c) => (
                <td key={c.key} role="cell" className="num" data-col={c.key} data-label={c.label}>
                  {c.kind === 'count' ? formatCount(v.summary.totals[c.key]) : formatPercent(v.summary.rates[c.key])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
