// GET /api/circuits/metrics/rollups: hourly rollups for a workspace, newest first (release notes).
import { getRollups } from '@/lib/decision-circuits/metrics';
import { rollupsQuerySchema, toRollupFilters } from '@/lib/decision-circuits/metrics/api/read-schemas';
import { withWorkspace } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

export const GET = withWorkspace({ query: rollupsQuerySchema, apiKey: 'read' }, async ({ query, access }) => {
  const rollups = await getRollups(toRollupFilters(query), { access });
  return jsonResponse({
    workspace_id: query.workspaceId,
    ab_test_id: query.abTestId ?? null,
    variant_id: query.variantId ?? null,
    circuit_execution_id: query.circuitExecutionId ?? null,
    channel: query.channel ?? null,
    rollups,
    count: rollups.length,
    timestamp: new Date().toISOString(),
  });
});
