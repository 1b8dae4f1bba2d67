// GET /api/circuits/metrics/latest: newest rollup per variant and channel (metrics_rollup_latest).
import { getLatestRollups } from '@/lib/decision-circuits/metrics';
import { latestQuerySchema } from '@/lib/decision-circuits/metrics/api/read-schemas';
import { parseQuery, withUser } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

export const GET = withUser(async (_request, { claims, url }) => {
  const query = parseQuery(latestQuerySchema, url);
  const latest = await getLatestRollups(
    { workspace_id: query.workspaceId, ab_test_id: query.abTestId, channel: query.channel },
    { claims, requireMembership: true },
  );
  return jsonResponse({ workspace_id: query.workspaceId, latest, count: latest.length, timestamp: new Date().toISOString() });
});
