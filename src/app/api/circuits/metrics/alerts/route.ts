// /api/circuits/metrics/alerts: the workspace's alert rules, channels (secrets masked), current
// states and history (GET, any member; test sends' receiver statuses for admins only); set rules
// (PUT, admin or above).
import { alertRulesUpdateSchema, getAlertOverview, setAlertRules } from '@/lib/decision-circuits/metrics/ops';
import { workspaceQuerySchema } from '@/lib/decision-circuits/metrics/api/read-schemas';
import { methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

export const GET = withWorkspace({ query: workspaceQuerySchema }, async ({ workspaceId, access }) => {
  // The role decides how much of a channel's audit trail is shown (test sends' HTTP status: admins).
  const role = await access.check();
  const audience = role === 'admin' || role === 'owner' ? 'admin' : 'member';
  const overview = await getAlertOverview(workspaceId, { audience });
  return jsonResponse({ workspace_id: workspaceId, ...overview, timestamp: new Date().toISOString() });
});

export const PUT = withWorkspace(
  { query: workspaceQuerySchema, body: alertRulesUpdateSchema, role: 'admin' },
  async ({ workspaceId, body }) => {
    await setAlertRules(workspaceId, body.rules);
    const overview = await getAlertOverview(workspaceId, { historyLimit: 0 });
    return jsonResponse({ workspace_id: workspaceId, rules: overview.rules, timestamp: new Date().toISOString() });
  },
);

const notAllowed = methodNotAllowed(['GET', 'PUT']);
export { notAllowed as POST, notAllowed as PATCH, notAllowed as DELETE };
