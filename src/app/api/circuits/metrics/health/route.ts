// GET /api/circuits/metrics/health: attribution health per provider and ingestion health.
import { MAPPED_ALERT_THRESHOLD, getAttributionHealth, getIngestionHealth } from '@/lib/decision-circuits/metrics';
import { healthQuerySchema } from '@/lib/decision-circuits/metrics/api/read-schemas';
import { unroutedEventTotals } from '@/lib/decision-circuits/metrics/metrics-connections';
import { parseQuery, requireMembership, withUser } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

export const GET = withUser(async (_request, { claims, url }) => {
  const query = parseQuery(healthQuerySchema, url);
  await requireMembership(query.workspaceId, claims);
  const [attribution, ingestion, unrouted] = await Promise.all([
    getAttributionHealth(query.workspaceId, query.provider, { claims }),
    getIngestionHealth(query.workspaceId, { claims }),
    unroutedEventTotals(),
  ]);
  return jsonResponse({
    workspace_id: query.workspaceId,
    attribution: attribution.map((p) => ({ ...p, below_alert_threshold: p.mapped_percentage < MAPPED_ALERT_THRESHOLD })),
    mapped_alert_threshold: MAPPED_ALERT_THRESHOLD,
    ingestion,
    // Deployment-wide, by provider: events of Meta/LinkedIn accounts no workspace has connected.
    unrouted_events: unrouted,
    timestamp: new Date().toISOString(),
  });
});
