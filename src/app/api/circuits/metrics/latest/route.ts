// GET /api/circuits/metrics/latest: newest rollup per variant and channel (metrics_rollup_latest).
import { getLatestRollups } from '@/lib/decision-circuits/metrics';
import { respond } from '@/lib/http/contract';
import { withWorkspace } from '@/lib/http/handlers';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

export const GET = withWorkspace(contract.GET, async ({ workspaceId, query, access }) => {
  const latest = await getLatestRollups({ workspace_id: workspaceId, ab_test_id: query.abTestId, channel: query.channel }, { access });
  return respond(contract.GET, 200, { workspace_id: workspaceId, latest, count: latest.length, timestamp: new Date().toISOString() });
});
