// DELETE /api/circuits/metrics/connections/<id>?workspaceId=: removes a connection (admin or owner);
// its URL and secret stop working within seconds.
import { z } from 'zod';
import { deleteConnection } from '@/lib/decision-circuits/metrics/metrics-connections';
import { workspaceQuerySchema } from '@/lib/decision-circuits/metrics/api/read-schemas';
import { ApiError, methodNotAllowed } from '@/lib/http/errors';
import { parseQuery, requireRole, withUser } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

const connectionIdSchema = z.guid({ message: 'connection id must be a UUID' });

export const DELETE = withUser(async (request, { claims, url }) => {
  const { workspaceId } = parseQuery(workspaceQuerySchema, url);
  const connectionId = connectionIdSchema.parse(url.pathname.split('/').at(-1));
  await requireRole(workspaceId, claims, 'admin');
  if (!(await deleteConnection(claims.sub, workspaceId, connectionId))) throw new ApiError(404, 'Connection not found');
  return jsonResponse({ connection_id: connectionId, deleted: true, timestamp: new Date().toISOString() });
});

const notAllowed = methodNotAllowed(['DELETE']);
export { notAllowed as GET, notAllowed as POST, notAllowed as PUT, notAllowed as PATCH };
