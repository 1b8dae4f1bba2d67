import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { AbTestControls } from '@/components/dashboard/AbTestControls';
import { DashboardNav } from '@/components/dashboard/DashboardNav';
import { ChartLegend, HourlyChart, niceCeiling } from '@/components/dashboard/HourlyChart';
import { SendTestWebhookHelp } from '@/components/dashboard/SendTestWebhookHelp';
import { SignificancePanel } from '@/components/dashboard/SignificancePanel';
import { VariantTable } from '@/components/dashboard/VariantTable';
import { WorkspaceNotice } from '@/components/dashboard/WorkspaceNotice';
import { loadAbTestView, SERIES_KEYS, type AbTestView } from '@/lib/dashboard/ab-tests';
import { formatUtc } from '@/lib/dashboard/format';
import { pageMetadata } from '@/lib/dashboard/metadata';
import { firstParam, withQuery, type SearchParams } from '@/lib/dashboard/params';
import { RANGE_LABELS } from '@/lib/dashboard/range';
import { publicBaseUrl } from '@/lib/dashboard/request-origin';
import { requireDashboardSession } from '@/lib/dashboard/session';
import { selectWorkspace } from '@/lib/dashboard/workspace';

export const metadata: Metadata = pageMetadata('A/B tests');

const PATH = '/dashboard/ab-tests';
/** The last hour bucket covers up to its 59th minute. */
const LAST_MINUTE_MS = 59 * 60 * 1000;

export default async function AbTestsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const query = {
    workspaceId: firstParam(params, 'workspaceId'),
    abTestId: firstParam(params, 'abTestId'),
    range: firstParam(params, 'range'),
    from: firstParam(params, 'from'),
    to: firstParam(params, 'to'),
  };
  const session = await requireDashboardSession(withQuery(PATH, query));
  const selection = await selectWorkspace(session, query.workspaceId);
  const workspace = selection.current;

  return (
    <main id="main">
      <DashboardNav current="ab-tests" selection={selection} />
      <h1>A/B tests</h1>
      {workspace ? (
        <AbTestContent
          workspaceId={workspace.id}
          view={await loadAbTestView(session, workspace.id, query)}
          baseUrl={publicBaseUrl(await headers())}
        />
      ) : (
        <WorkspaceNotice selection={selection} path={PATH} />
      )}
    </main>
  );
}

function AbTestContent({ workspaceId, view, baseUrl }: { workspaceId: string; view: AbTestView; baseUrl: string }) {
  if (!view.selected) {
    return (
      <section className="card empty" aria-labelledby="no-tests-title" data-testid="ab-empty">
        <h2 id="no-tests-title">No A/B test data yet</h2>
        <p>
          A test appears here as soon as an event attributed to an <code>ab_test_id</code> reaches this workspace. Register the
          webhook URL shown under <a href={withQuery('/dashboard/operations', { workspaceId })}>Operations</a> with your provider,
          or send a test event now:
        </p>
        <SendTestWebhookHelp baseUrl={baseUrl} workspaceId={workspaceId} headingId="send-help-title" />
      </section>
    );
  }

  const { range, variants } = view;
  const yMax = niceCeiling(Math.max(0, ...variants.flatMap((v) => SERIES_KEYS.flatMap((key) => v.series[key]))));
  const covered =
    range.timeStart && range.timeEnd
      ? `${formatUtc(range.timeStart)} to ${formatUtc(new Date(Date.parse(range.timeEnd) + LAST_MINUTE_MS).toISOString())}`
      : `all data (${formatUtc(view.selected.first_bucket)} to ${formatUtc(view.selected.last_bucket)} hour buckets)`;

  return (
    <>
      <AbTestControls workspaceId={workspaceId} tests={view.tests} selectedId={view.selected.ab_test_id} range={range} />
      {view.missingTestId && (
        <p className="card notice" role="status">
          No data for test <code>{view.missingTestId}</code> in this workspace; showing the most recent test instead.
        </p>
      )}

      <section aria-labelledby="variants-title">
        <h2 id="variants-title">Variants</h2>
        {variants.length === 0 ? (
          <p className="card empty" data-testid="range-empty">
            No events for this test in the chosen range ({RANGE_LABELS[range.preset]}). Choose a wider range above.
          </p>
        ) : (
          <VariantTable variants={variants} caption={`Test ${view.selected.ab_test_id}, ${covered}. Rates are computed from the totals.`} />
        )}
      </section>

      <section aria-labelledby="significance-title">
        <h2 id="significance-title">Is the difference real?</h2>
        <SignificancePanel rows={view.significance} alpha={view.alpha} />
      </section>

      <section aria-labelledby="hourly-title">
        <h2 id="hourly-title">Hourly</h2>
        {range.chartTruncated && <p className="muted">The range is longer than 92 days: the charts show its newest 92 days.</p>}
        {variants.length > 0 && range.chartHours.length > 0 ? (
          <>
            <ChartLegend />
            <div className="chart-grid">
              {variants.map((variant) => (
                <HourlyChart key={variant.key} variant={variant} hours={range.chartHours} yMax={yMax} />
              ))}
            </div>
          </>
        ) : (
          <p className="muted">Nothing to chart in this range.</p>
        )}
      </section>
    </>
  );
}
