// DELETE /api/circuits/metrics/connections/<id>?workspaceId=: removes a connection (admin or owner);
// its URL and secret stop working within seconds.
import { deleteConnection } from '@/lib/decision-circuits/metrics/metrics-connections';
import { ApiError, methodNotAllowed } from '@/lib/http/errors';
import { requireRole, withUser } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';
import { connectionRouteIds } from '@/app/api/circuits/metrics/connections/connection-route';

export const dynamic = 'force-dynamic';

export const DELETE = withUser(async (request, { claims, url }) => {
  const { workspaceId, connectionId } = connectionRouteIds(url);
  await requireRole(workspaceId, claims, 'admin');
  if (!(await deleteConnection(claims.sub, workspaceId, connectionId))) throw new ApiError(404, 'Connection not found');
  return jsonResponse({ connection_id: connectionId, deleted: true, timestamp: new Date().toISOString() });
});

const notAllowed = methodNotAllowed(['DELETE']);
export { notAllowed as GET, notAllowed as POST, notAllowed as PUT, notAllowed as PATCH };
