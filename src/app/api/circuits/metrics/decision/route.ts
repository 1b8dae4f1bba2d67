// GET /api/circuits/metrics/decision: the verdict on one A/B test (winner, keep running, no
// difference, sample ratio alert or not enough data), per-variant numbers and the reasons in words.
import { getAbTestDecision } from '@/lib/decision-circuits/metrics';
import { respond } from '@/lib/http/contract';
import { methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

export const GET = withWorkspace(contract.GET, async ({ workspaceId, query: { abTestId, metric, method }, access }) =>
  respond(contract.GET, 200, await getAbTestDecision({ workspace_id: workspaceId, ab_test_id: abTestId, metric, method }, { access })),
);

const notAllowed = methodNotAllowed(['GET']);
export { notAllowed as POST, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
