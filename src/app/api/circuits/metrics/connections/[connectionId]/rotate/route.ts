// POST /api/circuits/metrics/connections/<id>/rotate?workspaceId=: a new secret or verification key
// (admin or owner); the previous one keeps verifying for overlap_hours (default 24).
import { rotateConnection, rotationInputSchema } from '@/lib/decision-circuits/metrics/metrics-connections';
import { publicBaseUrl } from '@/lib/dashboard/request-origin';
import { readJsonBody } from '@/lib/http/body';
import { ApiError, methodNotAllowed } from '@/lib/http/errors';
import { requireRole, withUser } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';
import { connectionRouteIds } from '@/app/api/circuits/metrics/connections/connection-route';

export const dynamic = 'force-dynamic';

export const POST = withUser(async (request, { claims, url }) => {
  const { workspaceId, connectionId } = connectionRouteIds(url);
  await requireRole(workspaceId, claims, 'admin');
  const input = rotationInputSchema.parse(await readJsonBody(request));
  const connection = await rotateConnection(claims.sub, workspaceId, connectionId, input, { baseUrl: publicBaseUrl(request.headers) });
  if (!connection) throw new ApiError(404, 'Connection not found');
  return jsonResponse({ ...connection, timestamp: new Date().toISOString() });
});

const notAllowed = methodNotAllowed(['POST']);
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
