// GET /api/circuits/metrics/variants: every variant of one A/B test side by side.
import { getVariantComparison } from '@/lib/decision-circuits/metrics';
import { respond } from '@/lib/http/contract';
import { withWorkspace } from '@/lib/http/handlers';
import { rollupFilters } from '../read-contract';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

export const GET = withWorkspace(contract.GET, async ({ query, access }) => {
  const comparison = await getVariantComparison({ ...rollupFilters(query), ab_test_id: query.abTestId }, { access });
  return respond(contract.GET, 200, { ...comparison, count: comparison.variants.length, timestamp: new Date().toISOString() });
});
