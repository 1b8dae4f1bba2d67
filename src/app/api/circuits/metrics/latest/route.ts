// GET /api/circuits/metrics/latest: newest rollup per variant and channel (metrics_rollup_latest).
import { getLatestRollups } from '@/lib/decision-circuits/metrics';
import { latestQuerySchema } from '@/lib/decision-circuits/metrics/api/read-schemas';
import { withWorkspace } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

export const GET = withWorkspace({ query: latestQuerySchema, apiKey: 'read' }, async ({ workspaceId, query, access }) => {
  const latest = await getLatestRollups({ workspace_id: workspaceId, ab_test_id: query.abTestId, channel: query.channel }, { access });
  return jsonResponse({ workspace_id: workspaceId, latest, count: latest.length, timestamp: new Date().toISOString() });
});
