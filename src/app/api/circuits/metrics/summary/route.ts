// GET /api/circuits/metrics/summary: totals and rates over a range (rates recomputed from totals).
import { getRollupSummary } from '@/lib/decision-circuits/metrics';
import { respond } from '@/lib/http/contract';
import { withWorkspace } from '@/lib/http/handlers';
import { rollupFilters } from '../read-contract';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

export const GET = withWorkspace(contract.GET, async ({ query, access }) => {
  const summary = await getRollupSummary(rollupFilters(query), { access });
  return respond(contract.GET, 200, { ...summary, timestamp: new Date().toISOString() });
});
