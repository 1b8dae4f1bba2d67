// GET /api/circuits/metrics/rollups: hourly rollups for a workspace, newest first (release notes).
import { getRollups } from '@/lib/decision-circuits/metrics';
import { respond } from '@/lib/http/contract';
import { withWorkspace } from '@/lib/http/handlers';
import { rollupFilters } from '../read-contract';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

export const GET = withWorkspace(contract.GET, async ({ query, access }) => {
  const rollups = await getRollups(rollupFilters(query), { access });
  return respond(contract.GET, 200, {
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
