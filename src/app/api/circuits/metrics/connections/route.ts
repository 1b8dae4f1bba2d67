// /api/circuits/metrics/connections: a workspace's provider connections (admin or owner). POST
// creates one (201 with its own webhook URL and a fingerprint, never the secret); GET lists them.
import { createConnection, listConnections } from '@/lib/decision-circuits/metrics/tenancy';
import { publicBaseUrl } from '@/lib/dashboard/request-origin';
import { respond } from '@/lib/http/contract';
import { methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

export const POST = withWorkspace(contract.POST, async ({ request, claims, workspaceId, body }) => {
  const connection = await createConnection(claims.sub, workspaceId, body, { baseUrl: publicBaseUrl(request.headers) });
  return respond(contract.POST, 201, { ...connection, timestamp: new Date().toISOString() });
});

export const GET = withWorkspace(contract.GET, async ({ request, workspaceId, access }) => {
  const connections = await listConnections(workspaceId, publicBaseUrl(request.headers), { access });
  return respond(contract.GET, 200, {
    workspace_id: workspaceId,
    connections,
    count: connections.length,
    timestamp: new Date().toISOString(),
  });
});

const notAllowed = methodNotAllowed(['GET', 'POST']);
export { notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
