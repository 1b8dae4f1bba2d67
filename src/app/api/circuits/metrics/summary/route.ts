// GET /api/circuits/metrics/summary: totals and rates over a range (rates recomputed from totals).
import { getRollupSummary } from '@/lib/decision-circuits/metrics';
import { summaryQuerySchema, toRollupFilters } from '@/lib/decision-circuits/metrics/api/read-schemas';
import { withWorkspace } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

export const GET = withWorkspace({ query: summaryQuerySchema, apiKey: 'read' }, async ({ query, access }) => {
  const summary = await getRollupSummary(toRollupFilters(query), { access });
  return jsonResponse({ ...summary, timestamp: new Date().toISOString() });
});
