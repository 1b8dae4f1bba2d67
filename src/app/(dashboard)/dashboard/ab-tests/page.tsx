import type { Metadata } from 'next';
import { AbTestControls } from '@/components/dashboard/AbTestControls';
import { DashboardNav } from '@/components/dashboard/DashboardNav';
import { ChartLegend, HourlyChart, niceCeiling } from '@/components/dashboard/HourlyChart';
import { SendTestWebhookHelp } from '@/components/dashboard/SendTestWebhookHelp';
import { DecisionCard } from '@/components/dashboard/DecisionCard';
import { InsightsFreshness } from '@/components/dashboard/InsightsFreshness';
import { LiveUpdates } from '@/components/dashboard/LiveUpdates';
import { MachineShare } from '@/components/dashboard/MachineShare';
import {
  CHANNEL_TABLES,
  channelsWithData,
  ENGAGEMENT_TABLES,
  VariantTable,
  type EngagementTable,
} from '@/components/dashboard/VariantTable';
import { WorkspaceNotice } from '@/components/dashboard/WorkspaceNotice';
import { loadAbTestView, SERIES_KEYS, type AbTestView, type VariantView } from '@/lib/dashboard/ab-tests';
import { PROVIDER_LABELS } from '@/lib/dashboard/operations';
import { formatUtc } from '@/lib/dashboard/format';
import { pageMetadata } from '@/lib/dashboard/metadata';
import { withQuery, type SearchParams } from '@/lib/dashboard/params';
import { RANGE_LABELS } from '@/lib/dashboard/range';
import { loadWorkspacePage } from '@/lib/dashboard/workspace-page';

export const metadata: Metadata = pageMetadata('A/B tests');

const PATH = '/dashboard/ab-tests';
/** The last hour bucket covers up to its 59th minute. */
const LAST_MINUTE_MS = 59 * 60 * 1000;

export default async function AbTestsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const { query, session, selection, baseUrl } = await loadWorkspacePage(PATH, searchParams, ['abTestId', 'range', 'from', 'to', 'method']);
  const workspace = selection.current;

  return (
    <main id="main">
      <DashboardNav current="ab-tests" selection={selection} />
      <h1>A/B tests</h1>
      {workspace ? (
        <AbTestContent workspaceId={workspace.id} view={await loadAbTestView(session, workspace.id, query)} baseUrl={baseUrl} />
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
          A test appears here as soon as an event attributed to an <code>ab_test_id</code> reaches this workspace. Register the webhook URL
          shown under <a href={withQuery('/dashboard/operations', { workspaceId })}>Operations</a> with your provider, or send a test event
          now:
        </p>
        <SendTestWebhookHelp baseUrl={baseUrl} workspaceId={workspaceId} headingId="send-help-title" />
      </section>
    );
  }

  const { range, variants, selected, decision } = view;
  const yMax = niceCeiling(Math.max(0, ...variants.flatMap((v) => SERIES_KEYS.flatMap((key) => v.series[key]))));
  const covered =
    range.timeStart && range.timeEnd
      ? `${formatUtc(range.timeStart)} to ${formatUtc(new Date(Date.parse(range.timeEnd) + LAST_MINUTE_MS).toISOString())}`
      : `all data (${formatUtc(view.span.first)} to ${formatUtc(view.span.last)} hour buckets)`;
  const exportQuery = { workspaceId, abTestId: selected.ab_test_id, timeStart: range.timeStart, timeEnd: range.timeEnd };

  return (
    <>
      <AbTestControls workspaceId={workspaceId} tests={view.tests} selectedId={selected.ab_test_id} range={range} method={view.method} />
      {view.missingTestId && (
        <p className="card notice" role="status">
          No data for test <code>{view.missingTestId}</code> in this workspace; showing the most recent test instead.
        </p>
      )}
      <h2 className="test-name" data-testid="test-name">
        {selected.name}
      </h2>
      <p className="muted small test-rule" data-testid="control-rule">
        {selected.registered
          ? ''
          : `${selected.control_rule} Register the test (POST /api/circuits/metrics/ab-tests) to name it and its variants. `}
        Test id <code>{selected.ab_test_id}</code>.
      </p>

      {view.live && (
        <LiveUpdates workspaceId={workspaceId} abTestId={selected.ab_test_id} initial={view.live} providerLabels={PROVIDER_LABELS} />
      )}

      {decision && <DecisionCard report={decision} />}

      <section aria-labelledby="variants-title">
        <h2 id="variants-title">Variants</h2>
        {variants.length === 0 ? (
          <p className="card empty" data-testid="range-empty">
            No events for this test in the chosen range ({RANGE_LABELS[range.preset]}). Choose a wider range above.
          </p>
        ) : (
          channelsWithData(variants).map((channel) => (
            <section key={channel} aria-labelledby={`variants-${channel}-title`} data-testid={`variants-${channel}`}>
              <h3 id={`variants-${channel}-title`} className="channel-title">
                {CHANNEL_TABLES[channel].title}
              </h3>
              <VariantTable
                channel={channel}
                variants={variants}
                caption={
                  channel === 'social'
                    ? `${selected.name}, ${covered}. Impressions come from the platforms' insights, which lag by hours; the engagement rate (likes + comments + shares + clicks per impression) is — until a variant has an impressions figure.`
                    : `${selected.name}, ${covered}. Opens and clicks count every event; unique opens and clicks count each message once. Rates are computed from the totals.`
                }
              />
              {channel === 'email' && (
                <PeopleAndMachines name={selected.name} covered={covered} variants={variants} engagement={view.engagement} />
              )}
              {channel === 'social' && <InsightsFreshness accounts={view.insights} />}
            </section>
          ))
        )}
        <ul className="downloads" aria-label="Downloads">
          <li>
            <a href={withQuery('/api/circuits/metrics/ab-tests/export/variants', exportQuery)} download data-testid="export-variants">
              Download the variant table (CSV)
            </a>
          </li>
          <li>
            <a href={withQuery('/api/circuits/metrics/ab-tests/export/hourly', exportQuery)} download data-testid="export-hourly">
              Download the hourly rows (CSV)
            </a>
          </li>
          <li>
            <a
              href={withQuery('/api/circuits/metrics/ab-tests/export/decision', {
                workspaceId,
                abTestId: selected.ab_test_id,
                method: view.method,
              })}
              download
              data-testid="export-decision"
            >
              Download the decision (CSV)
            </a>
          </li>
        </ul>
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

const ENGAGEMENT_TABLE_KEYS: EngagementTable[] = ['opens', 'clicks'];
const ENGAGEMENT_CAPTIONS: Record<EngagementTable, string> = {
  opens:
    'Opens count every open event; machine opens are the ones a privacy proxy made, fetching the message for a protected inbox. Unique opens count each message opened once; human opens count each message a person opened, even after a proxy did. Open rate: opens per delivered message; unique and human open rates: messages per delivered message.',
  clicks:
    "Clicks count every click event; bot clicks are the ones a security scanner made, following the message's links. Unique clicks count each message clicked once; human clicks count each message a person clicked. Click rate: clicks per delivered message; unique and human click rates: messages per delivered message.",
};

/** Opens and clicks by who made them per variant, and the machine share of opens per provider. */
function PeopleAndMachines({
  name,
  covered,
  variants,
  engagement,
}: {
  name: string;
  covered: string;
  variants: VariantView[];
  engagement: AbTestView['engagement'];
}) {
  return (
    <>
      {ENGAGEMENT_TABLE_KEYS.map((table) => (
        <section key={table} aria-labelledby={`variants-${table}-title`} data-testid={`variants-${table}`}>
          <h4 id={`variants-${table}-title`} className="channel-title">
            {ENGAGEMENT_TABLES[table].title}
          </h4>
          <VariantTable channel={table} variants={variants} caption={`${name}, ${covered}. ${ENGAGEMENT_CAPTIONS[table]}`} />
        </section>
      ))}
      {engagement.length > 0 && (
        <MachineShare
          engagement={engagement}
          labels={PROVIDER_LABELS}
          caption={`${name}, ${covered}. Opens by who made them: a person, a privacy proxy (machine), a security scanner (bot), or unknown where the event carries nothing that tells them apart. Machine share = machine opens / all opens.`}
        />
      )}
    </>
  );
}
