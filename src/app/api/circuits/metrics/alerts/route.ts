// /api/circuits/metrics/alerts: the workspace's alert rules, channels (secrets masked), current
// states and history (GET, any member; test sends' receiver statuses for admins only); set rules
// (PUT, admin or above).
import { getAlertOverview, setAlertRules } from '@/lib/decision-circuits/metrics/ops';
import { respond } from '@/lib/http/contract';
import { methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

export const GET = withWorkspace(contract.GET, async ({ workspaceId, access }) => {
  // The role decides how much of a channel's audit trail is shown (test sends' HTTP status: admins).
  const role = await access.check();
  const audience = role === 'admin' || role === 'owner' ? 'admin' : 'member';
  const overview = await getAlertOverview(workspaceId, { audience });
  return respond(contract.GET, 200, { workspace_id: workspaceId, ...overview, timestamp: new Date().toISOString() });
});

export const PUT = withWorkspace(contract.PUT, async ({ workspaceId, body }) => {
  await setAlertRules(workspaceId, body.rules);
  const overview = await getAlertOverview(workspaceId, { historyLimit: 0 });
  return respond(contract.PUT, 200, { workspace_id: workspaceId, rules: overview.rules, timestamp: new Date().toISOString() });
});

const notAllowed = methodNotAllowed(['GET', 'PUT']);
export { notAllowed as POST, notAllowed as PATCH, notAllowed as DELETE };
