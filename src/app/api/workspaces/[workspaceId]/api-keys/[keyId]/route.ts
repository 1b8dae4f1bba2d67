// /api/workspaces/<id>/api-keys/<key id>: revoke a key (DELETE, admin or owner). Its next request
// answers 401; the row stays, so the list still shows when it was revoked.
import { z } from 'zod';
import { revokeApiKey } from '@/lib/decision-circuits/metrics/tenancy';
import { AppError, methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

const paramsSchema = z.object({
  workspaceId: z.guid({ message: 'workspace id must be a UUID' }),
  keyId: z.guid({ message: 'key id must be a UUID' }),
});

export const DELETE = withWorkspace({ params: paramsSchema, role: 'admin' }, async ({ claims, workspaceId, params: { keyId } }) => {
  const key = await revokeApiKey(claims.sub, workspaceId, keyId);
  if (!key) throw new AppError('not_found', 'Unknown API key', { key_id: keyId });
  return jsonResponse({ workspace_id: workspaceId, api_key: key, timestamp: new Date().toISOString() });
});

const notAllowed = methodNotAllowed(['DELETE']);
export { notAllowed as GET, notAllowed as POST, notAllowed as PUT, notAllowed as PATCH };
