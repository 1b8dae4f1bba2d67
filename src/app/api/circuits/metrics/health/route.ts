// GET /api/circuits/metrics/health: attribution health per provider and ingestion health.
import { MAPPED_ALERT_THRESHOLD, getAttributionHealth, getIngestionHealth } from '@/lib/decision-circuits/metrics';
import { healthQuerySchema } from '@/lib/decision-circuits/metrics/api/read-schemas';
import { parseQuery, requireMembership, withUser } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

export const GET = withUser(async (_request, { claims, url }) => {
  const query = parseQuery(healthQuerySchema, url);
  await requireMembership(query.workspaceId, claims);
  const [attribution, ingestion] = await Promise.all([
    getAttributionHealth(query.workspaceId, query.provider, { claims }),
    getIngestionHealth(query.workspaceId, { claims }),
  ]);
  return jsonResponse({
    workspace_id: query.workspaceId,
    attribution: attribution.map((p) => ({ ...p, below_alert_threshold: p.mapped_percentage < MAPPED_ALERT_THRESHOLD })),
    mapped_alert_threshold: MAPPED_ALERT_THRESHOLD,
    ingestion,
    timestamp: new Date().toISOString(),
  });
});
