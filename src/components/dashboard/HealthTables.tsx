import type { OperationsView } from '@/lib/dashboard/operations';
import { MAPPED_ALERT_THRESHOLD, PROVIDER_LABELS } from '@/lib/dashboard/operations';
import { formatCount, formatPercent, formatUtc } from '@/lib/dashboard/format';

/** mapped / unmapped / orphaned per provider, against the release notes' 95 % alert threshold. */
export function AttributionHealthTable({
  rows,
  alerting,
}: {
  rows: OperationsView['attribution'];
  alerting: OperationsView['attributionAlerts'];
}) {
  // The banner is the attribution_low alert's state (as the Alerts panel shows it), not a second
  // judgement: a row below the threshold with too few mappings to alert on says so in its badge only.
  return (
    <>
      {alerting.length > 0 && (
        <p className="alert bad" role="alert" data-testid="attribution-alert">
          <strong>Attribution below {MAPPED_ALERT_THRESHOLD} %:</strong> {alerting.map((provider) => PROVIDER_LABELS[provider]).join(', ')}.
          Events of unmapped messages are not counted in any rollup until their sender registers them; after 24 hours they are orphaned.
        </p>
      )}
      <div className="table-scroll" role="region" aria-label="Attribution health per provider" tabIndex={0}>
        <table className="data-table stack-on-narrow" role="table" data-testid="attribution-table">
          <caption>Provider objects (messages, posts) by attribution status. Alert threshold: {MAPPED_ALERT_THRESHOLD} % mapped.</caption>
          <thead role="rowgroup">
            <tr role="row">
              <th scope="col" role="columnheader">
                Provider
              </th>
              <th scope="col" role="columnheader" className="num">
                Objects
              </th>
              <th scope="col" role="columnheader" className="num">
                Mapped
              </th>
              <th scope="col" role="columnheader" className="num">
                Unmapped
              </th>
              <th scope="col" role="columnheader" className="num">
                Orphaned
              </th>
              <th scope="col" role="columnheader" className="num">
                Mapped %
              </th>
              <th scope="col" role="columnheader">
                Status
              </th>
            </tr>
          </thead>
          <tbody role="rowgroup">
            {rows.map((r) => (
              <tr key={r.provider} role="row" data-provider={r.provider}>
                <th scope="row" role="rowheader">
                  {PROVIDER_LABELS[r.provider]}
                </th>
                <td className="num" role="cell" data-col="total" data-label="Objects">
                  {formatCount(r.total_mappings)}
                </td>
                <td className="num" role="cell" data-col="mapped" data-label="Mapped">
                  {formatCount(r.mapped_count)}
                </td>
                <td className="num" role="cell" data-col="unmapped" data-label="Unmapped">
                  {formatCount(r.unmapped_count)}
                </td>
                <td className="num" role="cell" data-col="orphaned" data-label="Orphaned">
                  {formatCount(r.orphaned_count)}
                </td>
                <td className="num" role="cell" data-col="mapped_percentage" data-label="Mapped %">
                  {formatPercent(r.mapped_percentage)}
                </td>
                <td role="cell" data-col="status" data-label="Status">
                  <span className={`badge ${r.below_alert_threshold ? 'bad' : 'ok'}`}>
                    {r.below_alert_threshold ? `Below ${MAPPED_ALERT_THRESHOLD} %` : 'OK'}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** Ledger totals and, per provider, events received, still unprocessed, and the last arrival. */
export function IngestionHealthPanel({ ingestion }: { ingestion: OperationsView['ingestion'] }) {
  return (
    <>
      <dl className="stats" data-testid="ingestion-stats">
        <div>
          <dt>Events received</dt>
          <dd data-stat="total_events">
            {ingestion.total_events_estimated ? `≈ ${formatCount(ingestion.total_events)}` : formatCount(ingestion.total_events)}
          </dd>
        </div>
        <div>
          <dt>Processed</dt>
          <dd data-stat="processed_events">
            {ingestion.total_events_estimated ? `≈ ${formatCount(ingestion.processed_events)}` : formatCount(ingestion.processed_events)}
          </dd>
        </div>
        <div>
          <dt>Unprocessed</dt>
          <dd data-stat="unprocessed_events">{formatCount(ingestion.unprocessed_events)}</dd>
        </div>
        <div>
          <dt>Unmapped objects</dt>
          <dd data-stat="unmapped_attributions">{formatCount(ingestion.unmapped_attributions)}</dd>
        </div>
        <div>
          <dt>Last ingest</dt>
          <dd data-stat="last_ingest_at">{formatUtc(ingestion.last_ingest_at)}</dd>
        </div>
      </dl>
      {ingestion.by_provider.length > 0 && (
        <div className="table-scroll" role="region" aria-label="Ingestion per provider" tabIndex={0}>
          <table className="data-table stack-on-narrow" role="table" data-testid="ingestion-table">
            <caption>Webhook events in the ledger per provider (kept 30 days; ≈ marks an estimate, past 10,000 events).</caption>
            <thead role="rowgroup">
              <tr role="row">
                <th scope="col" role="columnheader">
                  Provider
                </th>
                <th scope="col" role="columnheader" className="num">
                  Events
                </th>
                <th scope="col" role="columnheader" className="num">
                  Unprocessed
                </th>
                <th scope="col" role="columnheader">
                  Last ingest
                </th>
              </tr>
            </thead>
            <tbody role="rowgroup">
              {ingestion.by_provider.map((p) => (
                <tr key={p.provider} role="row" data-provider={p.provider}>
                  <th scope="row" role="rowheader">
                    {PROVIDER_LABELS[p.provider]}
                  </th>
                  <td className="num" role="cell" data-col="total_events" data-label="Events">
                    {p.estimated ? `≈ ${formatCount(p.total_events)}` : formatCount(p.total_events)}
                  </td>
                  <td className="num" role="cell" data-col="unprocessed_events" data-label="Unprocessed">
                    {formatCount(p.unprocessed_events)}
                  </td>
                  <td role="cell" data-col="last_ingest_at" data-label="Last ingest">
                    {formatUtc(p.last_ingest_at)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
