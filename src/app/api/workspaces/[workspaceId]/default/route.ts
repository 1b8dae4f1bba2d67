// /api/workspaces/<id>/default: make this workspace the one the dashboard opens for the caller
// (PUT, any member). Without a choice the default is the workspace the caller joined first.
import { setDefaultWorkspace } from '@/lib/decision-circuits/metrics/tenancy';
import { respond } from '@/lib/http/contract';
import { methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

export const PUT = withWorkspace(contract.PUT, async ({ claims, workspaceId }) => {
  await setDefaultWorkspace(claims.sub, workspaceId);
  return respond(contract.PUT, 200, { workspace_id: workspaceId, is_default: true, timestamp: new Date().toISOString() });
});

const notAllowed = methodNotAllowed(['PUT']);
export { notAllowed as GET, notAllowed as POST, notAllowed as PATCH, notAllowed as DELETE };
