// GET /api/circuits/metrics/health: attribution health per provider and ingestion health.
import { MAPPED_ALERT_THRESHOLD, getAttributionHealth, getIngestionHealth } from '@/lib/decision-circuits/metrics';
import { healthQuerySchema } from '@/lib/decision-circuits/metrics/api/read-schemas';
import { unroutedEventTotals } from '@/lib/decision-circuits/metrics/metrics-connections';
import { withWorkspace } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

export const GET = withWorkspace({ query: healthQuerySchema, apiKey: 'read' }, async ({ workspaceId, query, access }) => {
  const [attribution, ingestion, unrouted] = await Promise.all([
    getAttributionHealth(workspaceId, query.provider, { access }),
    getIngestionHealth(workspaceId, { access }),
    unroutedEventTotals(),
  ]);
  return jsonResponse({
    workspace_id: workspaceId,
    attribution: attribution.map((p) => ({ ...p, below_alert_threshold: p.mapped_percentage < MAPPED_ALERT_THRESHOLD })),
    mapped_alert_threshold: MAPPED_ALERT_THRESHOLD,
    ingestion,
    // Deployment-wide, by provider: events of Meta/LinkedIn accounts no workspace has connected.
    unrouted_events: unrouted,
    timestamp: new Date().toISOString(),
  });
});
