// POST /api/circuits/metrics/connections/<id>/verify?workspaceId=: proves control of the account a
// Facebook, Instagram or LinkedIn connection claims (admin or owner), with a token the provider
// issued for it. 200 with the verified connection; 422 for any failed proof; 502 when the
// provider's API cannot be reached. The token is checked and forgotten, never stored.
import { proveConnectionClaim } from '@/lib/decision-circuits/metrics/tenancy';
import { publicBaseUrl } from '@/lib/dashboard/request-origin';
import { respond } from '@/lib/http/contract';
import { AppError, methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

export const POST = withWorkspace(contract.POST, async ({ request, claims, workspaceId, params, body }) => {
  const connection = await proveConnectionClaim(claims.sub, workspaceId, params.connectionId, body, {
    baseUrl: publicBaseUrl(request.headers),
  });
  if (!connection) throw new AppError('not_found', 'Connection not found');
  return respond(contract.POST, 200, { ...connection, timestamp: new Date().toISOString() });
});

const notAllowed = methodNotAllowed(['POST']);
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
