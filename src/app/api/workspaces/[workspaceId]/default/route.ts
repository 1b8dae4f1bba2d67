// /api/workspaces/<id>/default: make this workspace the one the dashboard opens for the caller
// (PUT, any member). Without a choice the default is the workspace the caller joined first.
import { z } from 'zod';
import { setDefaultWorkspace } from '@/lib/decision-circuits/metrics/tenancy';
import { methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

const paramsSchema = z.object({ workspaceId: z.guid({ message: 'workspace id must be a UUID' }) });

export const PUT = withWorkspace({ params: paramsSchema }, async ({ claims, workspaceId }) => {
  await setDefaultWorkspace(claims.sub, workspaceId);
  return jsonResponse({ workspace_id: workspaceId, is_default: true, timestamp: new Date().toISOString() });
});

const notAllowed = methodNotAllowed(['PUT']);
export { notAllowed as GET, notAllowed as POST, notAllowed as PATCH, notAllowed as DELETE };
