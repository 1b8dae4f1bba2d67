// /api/workspaces/<id>/api-keys/<key id>: revoke a key (DELETE, admin or owner). Its next request
// answers 401; the row stays, so the list still shows when it was revoked.
import { revokeApiKey } from '@/lib/decision-circuits/metrics/tenancy';
import { respond } from '@/lib/http/contract';
import { AppError, methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

export const DELETE = withWorkspace(contract.DELETE, async ({ claims, workspaceId, params: { keyId } }) => {
  const key = await revokeApiKey(claims.sub, workspaceId, keyId);
  if (!key) throw new AppError('not_found', 'Unknown API key', { key_id: keyId });
  return respond(contract.DELETE, 200, { workspace_id: workspaceId, api_key: key, timestamp: new Date().toISOString() });
});

const notAllowed = methodNotAllowed(['DELETE']);
export { notAllowed as GET, notAllowed as POST, notAllowed as PUT, notAllowed as PATCH };
