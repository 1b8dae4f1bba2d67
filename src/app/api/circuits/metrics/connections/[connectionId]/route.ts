// DELETE /api/circuits/metrics/connections/<id>?workspaceId=: removes a connection (admin or owner);
// its URL and secret stop working within seconds.
import { deleteConnection } from '@/lib/decision-circuits/metrics/tenancy';
import { AppError, methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';
import { connectionParamsSchema, connectionQuerySchema } from '@/app/api/circuits/metrics/connections/connection-route';

export const dynamic = 'force-dynamic';

export const DELETE = withWorkspace(
  { query: connectionQuerySchema, params: connectionParamsSchema, role: 'admin' },
  async ({ claims, workspaceId, params }) => {
    if (!(await deleteConnection(claims.sub, workspaceId, params.connectionId))) throw new AppError('not_found', 'Connection not found');
    return jsonResponse({ connection_id: params.connectionId, deleted: true, timestamp: new Date().toISOString() });
  },
);

const notAllowed = methodNotAllowed(['DELETE']);
export { notAllowed as GET, notAllowed as POST, notAllowed as PUT, notAllowed as PATCH };
