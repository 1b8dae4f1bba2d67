// GET /api/circuits/metrics/summary: totals and rates over a range (rates recomputed from totals).
import { getRollupSummary } from '@/lib/decision-circuits/metrics';
import { summaryQuerySchema, toRollupFilters } from '@/lib/decision-circuits/metrics/api/read-schemas';
import { parseQuery, withUser } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

export const GET = withUser(async (_request, { claims, url }) => {
  const query = parseQuery(summaryQuerySchema, url);
  const summary = await getRollupSummary(toRollupFilters(query), { claims, requireMembership: true });
  return jsonResponse({ ...summary, timestamp: new Date().toISOString() });
});
