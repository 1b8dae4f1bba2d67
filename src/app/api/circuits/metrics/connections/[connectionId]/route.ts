// DELETE /api/circuits/metrics/connections/<id>?workspaceId=: removes a connection (admin or owner);
// its URL and secret stop working within seconds.
import { deleteConnection } from '@/lib/decision-circuits/metrics/tenancy';
import { respond } from '@/lib/http/contract';
import { AppError, methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

export const DELETE = withWorkspace(contract.DELETE, async ({ claims, workspaceId, params }) => {
  if (!(await deleteConnection(claims.sub, workspaceId, params.connectionId))) throw new AppError('not_found', 'Connection not found');
  return respond(contract.DELETE, 200, { connection_id: params.connectionId, deleted: true, timestamp: new Date().toISOString() });
});

const notAllowed = methodNotAllowed(['DELETE']);
export { notAllowed as GET, notAllowed as POST, notAllowed as PUT, notAllowed as PATCH };
