// POST /api/circuits/metrics/connections/<id>/rotate?workspaceId=: a new secret or verification key
// (admin or owner); the previous one keeps verifying for overlap_hours (default 24).
import { z } from 'zod';
import { rotateConnection, rotationInputSchema } from '@/lib/decision-circuits/metrics/metrics-connections';
import { workspaceQuerySchema } from '@/lib/decision-circuits/metrics/api/read-schemas';
import { publicBaseUrl } from '@/lib/dashboard/request-origin';
import { readJsonBody } from '@/lib/http/body';
import { ApiError, methodNotAllowed } from '@/lib/http/errors';
import { parseQuery, requireRole, withUser } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

const connectionIdSchema = z.guid({ message: 'connection id must be a UUID' });

export const POST = withUser(async (request, { claims, url }) => {
  const { workspaceId } = parseQuery(workspaceQuerySchema, url);
  const connectionId = connectionIdSchema.parse(url.pathname.split('/').at(-2));
  await requireRole(workspaceId, claims, 'admin');
  const input = rotationInputSchema.parse(await readJsonBody(request));
  const connection = await rotateConnection(claims.sub, workspaceId, connectionId, input, { baseUrl: publicBaseUrl(request.headers) });
  if (!connection) throw new ApiError(404, 'Connection not found');
  return jsonResponse({ ...connection, timestamp: new Date().toISOString() });
});

const notAllowed = methodNotAllowed(['POST']);
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
