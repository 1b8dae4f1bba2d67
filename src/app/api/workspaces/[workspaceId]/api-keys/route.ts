// /api/workspaces/<id>/api-keys: the workspace's API keys for programs (GET, admin or owner; no
// secret is ever listed) and creating one (POST, admin or owner; the secret is answered once).
import { z } from 'zod';
import { apiKeyCreateSchema, createApiKey, listApiKeys } from '@/lib/decision-circuits/metrics/tenancy';
import { methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

const paramsSchema = z.object({ workspaceId: z.guid({ message: 'workspace id must be a UUID' }) });

export const GET = withWorkspace({ params: paramsSchema, role: 'admin' }, async ({ workspaceId, access }) => {
  const keys = await listApiKeys(workspaceId, { access });
  return jsonResponse({ workspace_id: workspaceId, api_keys: keys, count: keys.length, timestamp: new Date().toISOString() });
});

export const POST = withWorkspace(
  { params: paramsSchema, body: apiKeyCreateSchema, role: 'admin' },
  async ({ claims, workspaceId, body }) => {
    const key = await createApiKey(claims.sub, workspaceId, body);
    return jsonResponse(
      { workspace_id: workspaceId, api_key: key, timestamp: new Date().toISOString() },
      { status: 201, headers: { 'cache-control': 'no-store' } },
    );
  },
);

const notAllowed = methodNotAllowed(['GET', 'POST']);
export { notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
