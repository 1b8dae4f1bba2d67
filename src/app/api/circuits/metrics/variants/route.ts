// GET /api/circuits/metrics/variants: every variant of one A/B test side by side.
import { getVariantComparison } from '@/lib/decision-circuits/metrics';
import { toRollupFilters, variantsQuerySchema } from '@/lib/decision-circuits/metrics/api/read-schemas';
import { parseQuery, withUser } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

export const GET = withUser(async (_request, { claims, url }) => {
  const query = parseQuery(variantsQuerySchema, url);
  const comparison = await getVariantComparison(
    { ...toRollupFilters(query), ab_test_id: query.abTestId },
    { claims, requireMembership: true },
  );
  return jsonResponse({ ...comparison, count: comparison.variants.length, timestamp: new Date().toISOString() });
});
