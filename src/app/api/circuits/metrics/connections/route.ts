// /api/circuits/metrics/connections: a workspace's provider connections (admin or owner). POST
// creates one (201 with its own webhook URL and a fingerprint, never the secret); GET lists them.
import { connectionInputSchema, createConnection, listConnections } from '@/lib/decision-circuits/metrics/tenancy';
import { workspaceQuerySchema } from '@/lib/decision-circuits/metrics/api/read-schemas';
import { publicBaseUrl } from '@/lib/dashboard/request-origin';
import { methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

export const POST = withWorkspace(
  { query: workspaceQuerySchema, body: connectionInputSchema, role: 'admin' },
  async ({ request, claims, workspaceId, body }) => {
    const connection = await createConnection(claims.sub, workspaceId, body, { baseUrl: publicBaseUrl(request.headers) });
    return jsonResponse({ ...connection, timestamp: new Date().toISOString() }, { status: 201 });
  },
);

export const GET = withWorkspace({ query: workspaceQuerySchema, role: 'admin' }, async ({ request, workspaceId, access }) => {
  const connections = await listConnections(workspaceId, publicBaseUrl(request.headers), { access });
  return jsonResponse({ workspace_id: workspaceId, connections, count: connections.length, timestamp: new Date().toISOString() });
});

const notAllowed = methodNotAllowed(['GET', 'POST']);
export { notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
