// GET /api/circuits/metrics/health: attribution health per provider and ingestion health, of
// this workspace only (deployment-wide unrouted events are the operator's: /api/metrics).
import { MAPPED_ALERT_THRESHOLD, getAttributionHealth, getIngestionHealth } from '@/lib/decision-circuits/metrics';
import { respond } from '@/lib/http/contract';
import { withWorkspace } from '@/lib/http/handlers';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

export const GET = withWorkspace(contract.GET, async ({ workspaceId, query, access }) => {
  const [attribution, ingestion] = await Promise.all([
    getAttributionHealth(workspaceId, query.provider, { access }),
    getIngestionHealth(workspaceId, { access }),
  ]);
  return respond(contract.GET, 200, {
    workspace_id: workspaceId,
    attribution: attribution.map((p) => ({ ...p, below_alert_threshold: p.mapped_percentage < MAPPED_ALERT_THRESHOLD })),
    mapped_alert_threshold: MAPPED_ALERT_THRESHOLD,
    ingestion,
    timestamp: new Date().toISOString(),
  });
});
