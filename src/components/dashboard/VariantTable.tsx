import type { VariantView } from '@/lib/dashboard/ab-tests';
import { formatCount, formatPercent } from '@/lib/dashboard/format';

const COLUMNS = [
  { key: 'email_sent', label: 'Sent', kind: 'count' },
  { key: 'email_delivered', label: 'Delivered', kind: 'count' },
  { key: 'email_opened', label: 'Opened', kind: 'count' },
  { key: 'email_clicked', label: 'Clicked', kind: 'count' },
  { key: 'email_bounced', label: 'Bounced', kind: 'count' },
  { key: 'delivery_rate', label: 'Delivery rate', kind: 'rate' },
  { key: 'open_rate', label: 'Open rate', kind: 'rate' },
  { key: 'click_rate', label: 'Click rate', kind: 'rate' },
] as const;

/** Variants side by side: totals over the range and the rates recomputed from those totals. */
export function VariantTable({ variants, caption }: { variants: VariantView[]; caption: string }) {
  return (
    <div className="table-scroll" role="region" aria-label="Variants side by side" tabIndex={0}>
      <table className="data-table stack-on-narrow" role="table" data-testid="variant-table">
        <caption>{caption}</caption>
        <thead role="rowgroup">
          <tr role="row">
            <th scope="col" role="columnheader">Variant</th>
            {COLUMNS.map((c) => (
              <th key={c.key} scope="col" role="columnheader" className="num">
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody role="rowgroup">
          {variants.map((v) => (
            <tr key={v.key} role="row" data-variant={v.variantId ?? 'none'}>
              <th scope="row" role="rowheader">
                <span className="variant-name">{v.label}</span>
                {v.variantId && (
                  <code className="variant-id" title={v.variantId}>
                    {v.variantId}
                  </code>
                )}
              </th>
              {COLUMNS.map((c) => (
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
