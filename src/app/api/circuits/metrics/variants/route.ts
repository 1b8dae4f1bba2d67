// GET /api/circuits/metrics/variants: every variant of one A/B test side by side.
import { getVariantComparison } from '@/lib/decision-circuits/metrics';
import { toRollupFilters, variantsQuerySchema } from '@/lib/decision-circuits/metrics/api/read-schemas';
import { withWorkspace } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

export const GET = withWorkspace({ query: variantsQuerySchema, apiKey: 'read' }, async ({ query, access }) => {
  const comparison = await getVariantComparison({ ...toRollupFilters(query), ab_test_id: query.abTestId }, { access });
  return jsonResponse({ ...comparison, count: comparison.variants.length, timestamp: new Date().toISOString() });
});
