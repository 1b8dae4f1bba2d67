// GET /api/circuits/metrics/decision: the verdict on one A/B test (winner, keep running, no
// difference, sample ratio alert or not enough data), per-variant numbers and the reasons in words.
import { getAbTestDecision } from '@/lib/decision-circuits/metrics';
import { decisionQuerySchema } from '@/lib/decision-circuits/metrics/api/read-schemas';
import { methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

export const GET = withWorkspace(
  { query: decisionQuerySchema, apiKey: 'read' },
  async ({ workspaceId, query: { abTestId, metric, method }, access }) =>
    jsonResponse(
      await getAbTestDecision(
        { workspace_id: workspaceId, ab_test_id: abTestId, ...(metric ? { metric } : {}), ...(method ? { method } : {}) },
        { access },
      ),
    ),
);

const notAllowed = methodNotAllowed(['GET']);
export { notAllowed as POST, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
