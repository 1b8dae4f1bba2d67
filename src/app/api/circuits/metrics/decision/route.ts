// GET /api/circuits/metrics/decision: the verdict on one A/B test (winner, keep running, no
// difference, sample ratio alert or not enough data), per-variant numbers and the reasons in words.
import { getAbTestDecision } from '@/lib/decision-circuits/metrics';
import { decisionQuerySchema } from '@/lib/decision-circuits/metrics/api/read-schemas';
import { methodNotAllowed } from '@/lib/http/errors';
import { parseQuery, withUser } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

export const GET = withUser(async (_request, { claims, url }) => {
  const { workspaceId, abTestId, metric, method } = parseQuery(decisionQuerySchema, url);
  const report = await getAbTestDecision(
    { workspace_id: workspaceId, ab_test_id: abTestId, ...(metric ? { metric } : {}), ...(method ? { method } : {}) },
    { claims, requireMembership: true },
  );
  return jsonResponse(report);
});

const notAllowed = methodNotAllowed(['GET']);
export { notAllowed as POST, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
