// POST /api/circuits/metrics/connections/<id>/rotate?workspaceId=: a new secret or verification key
// (admin or owner); the previous one keeps verifying for overlap_hours (default 24).
import { rotateConnection } from '@/lib/decision-circuits/metrics/tenancy';
import { publicBaseUrl } from '@/lib/dashboard/request-origin';
import { respond } from '@/lib/http/contract';
import { AppError, methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

export const POST = withWorkspace(contract.POST, async ({ request, claims, workspaceId, params, body }) => {
  const connection = await rotateConnection(claims.sub, workspaceId, params.connectionId, body, {
    baseUrl: publicBaseUrl(request.headers),
  });
  if (!connection) throw new AppError('not_found', 'Connection not found');
  return respond(contract.POST, 200, { ...connection, timestamp: new Date().toISOString() });
});

const notAllowed = methodNotAllowed(['POST']);
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
