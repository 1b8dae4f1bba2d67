import type { Metadata } from 'next';
import { AlertsPanel } from '@/components/dashboard/AlertsPanel';
import { BackfillPanel } from '@/components/dashboard/BackfillPanel';
import { ConnectProviders } from '@/components/dashboard/ConnectProviders';
import { DashboardNav } from '@/components/dashboard/DashboardNav';
import { AttributionHealthTable, IngestionHealthPanel } from '@/components/dashboard/HealthTables';
import { LiveUpdates } from '@/components/dashboard/LiveUpdates';
import { SendTestWebhookHelp } from '@/components/dashboard/SendTestWebhookHelp';
import { WorkspaceNotice } from '@/components/dashboard/WorkspaceNotice';
import {
  defaultBackfillDates,
  loadOperationsView,
  MAPPED_ALERT_THRESHOLD,
  PROVIDER_LABELS,
  type OperationsView,
} from '@/lib/dashboard/operations';
import { pageMetadata } from '@/lib/dashboard/metadata';
import type { SearchParams } from '@/lib/dashboard/params';
import { loadWorkspacePage } from '@/lib/dashboard/workspace-page';

export const metadata: Metadata = pageMetadata('Operations');

const PATH = '/dashboard/operations';

export default async function OperationsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const { session, selection, baseUrl } = await loadWorkspacePage(PATH, searchParams);
  const workspace = selection.current;

  return (
    <main id="main">
      <DashboardNav current="operations" selection={selection} />
      <h1>Operations</h1>
      {workspace ? (
        <OperationsContent workspaceId={workspace.id} baseUrl={baseUrl} view={await loadOperationsView(session, workspace.id, baseUrl)} />
      ) : (
        <WorkspaceNotice selection={selection} path={PATH} />
      )}
    </main>
  );
}

function OperationsContent({ workspaceId, baseUrl, view }: { workspaceId: string; baseUrl: string; view: OperationsView }) {
  const backfillDates = defaultBackfillDates();
  const noEvents = view.ingestion.total_events === 0;
  return (
    <>
      <LiveUpdates workspaceId={workspaceId} initial={view.live} providerLabels={PROVIDER_LABELS} />

      <section aria-labelledby="attribution-title">
        <h2 id="attribution-title">Attribution health</h2>
        {view.attribution.length === 0 ? (
          <p className="card empty" data-testid="attribution-empty">
            No provider objects yet. Once events arrive, this shows per provider how many messages and posts are mapped to a circuit, still
            unmapped, or orphaned, with an alert below {MAPPED_ALERT_THRESHOLD} % mapped.
          </p>
        ) : (
          <AttributionHealthTable rows={view.attribution} alerting={view.attributionAlerts} />
        )}
      </section>

      <section aria-labelledby="ingestion-title">
        <h2 id="ingestion-title">Ingestion</h2>
        <IngestionHealthPanel ingestion={view.ingestion} />
        {noEvents && (
          <div className="card empty" data-testid="ingestion-empty">
            <p>No webhook events have reached this workspace yet. Register a webhook URL below with your provider, or:</p>
            <SendTestWebhookHelp baseUrl={baseUrl} workspaceId={workspaceId} headingId="ops-send-help-title" />
          </div>
        )}
      </section>

      <section aria-labelledby="alerts-title">
        <h2 id="alerts-title">Alerts</h2>
        <AlertsPanel workspaceId={workspaceId} />
      </section>

      <section aria-labelledby="backfill-title">
        <h2 id="backfill-title">Backfill</h2>
        <BackfillPanel
          workspaceId={workspaceId}
          providers={view.connections.map((c) => ({ provider: c.provider, label: c.label, channel: c.channel }))}
          defaultStart={backfillDates.start}
          defaultEnd={backfillDates.end}
        />
        <noscript>
          <p className="card notice">
            Starting and following backfills here needs JavaScript. Without it, use the API:{' '}
            <code>POST /api/circuits/metrics/backfill?workspaceId={workspaceId}</code>.
          </p>
        </noscript>
      </section>

      <section aria-labelledby="connect-title">
        <h2 id="connect-title">Connect a provider</h2>
        <p>
          Register the URL in the provider’s webhook settings. The <code>workspace_id</code> in it tells this app which workspace the events
          belong to; providers cannot send custom headers.
        </p>
        <ConnectProviders connections={view.connections} />
      </section>
    </>
  );
}
