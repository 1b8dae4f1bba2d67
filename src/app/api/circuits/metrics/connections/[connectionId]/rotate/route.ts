// POST /api/circuits/metrics/connections/<id>/rotate?workspaceId=: a new secret or verification key
// (admin or owner); the previous one keeps verifying for overlap_hours (default 24).
import { rotateConnection, rotationInputSchema } from '@/lib/decision-circuits/metrics/tenancy';
import { publicBaseUrl } from '@/lib/dashboard/request-origin';
import { AppError, methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';
import { connectionParamsSchema, connectionQuerySchema } from '@/app/api/circuits/metrics/connections/connection-route';

export const dynamic = 'force-dynamic';

export const POST = withWorkspace(
  { query: connectionQuerySchema, params: connectionParamsSchema, body: rotationInputSchema, role: 'admin' },
  async ({ request, claims, workspaceId, params, body }) => {
    const connection = await rotateConnection(claims.sub, workspaceId, params.connectionId, body, {
      baseUrl: publicBaseUrl(request.headers),
    });
    if (!connection) throw new AppError('not_found', 'Connection not found');
    return jsonResponse({ ...connection, timestamp: new Date().toISOString() });
  },
);

const notAllowed = methodNotAllowed(['POST']);
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
