// /api/workspaces/<id>/api-keys: the workspace's API keys for programs (GET, admin or owner; no
// secret is ever listed) and creating one (POST, admin or owner; the secret is answered once).
import { createApiKey, listApiKeys } from '@/lib/decision-circuits/metrics/tenancy';
import { respond } from '@/lib/http/contract';
import { methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

export const GET = withWorkspace(contract.GET, async ({ workspaceId, access }) => {
  const keys = await listApiKeys(workspaceId, { access });
  return respond(contract.GET, 200, { workspace_id: workspaceId, api_keys: keys, count: keys.length, timestamp: new Date().toISOString() });
});

export const POST = withWorkspace(contract.POST, async ({ claims, workspaceId, body }) => {
  const key = await createApiKey(claims.sub, workspaceId, body);
  return respond(
    contract.POST,
    201,
    { workspace_id: workspaceId, api_key: key, timestamp: new Date().toISOString() },
    { headers: { 'cache-control': 'no-store' } },
  );
});

const notAllowed = methodNotAllowed(['GET', 'POST']);
export { notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
