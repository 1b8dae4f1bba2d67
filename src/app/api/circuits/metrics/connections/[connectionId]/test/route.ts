// POST /api/circuits/metrics/connections/<id>/test?workspaceId=: sends one sample event, signed as
// the provider signs it, through the webhook route (admin or owner). The answer carries the
// webhook's own status and body, and the connection as it reads afterwards (last delivery).
import { POST as receiveWebhook } from '@/app/api/webhooks/metrics/route';
import { buildConnectionTestRequest, listConnections } from '@/lib/decision-circuits/metrics/tenancy';
import { publicBaseUrl } from '@/lib/dashboard/request-origin';
import { respond } from '@/lib/http/contract';
import { AppError, methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

export const POST = withWorkspace(contract.POST, async ({ request, workspaceId, params: { connectionId }, access }) => {
  const baseUrl = publicBaseUrl(request.headers);
  const test = await buildConnectionTestRequest(workspaceId, connectionId, { baseUrl });
  if (!test) throw new AppError('not_found', 'Connection not found');
  // The same handler a provider's POST reaches: verification, routing and ingestion as for real.
  const answer = await receiveWebhook(
    new Request(test.request.url, { method: 'POST', headers: test.request.headers, body: test.request.body }),
  );
  const webhookAnswer: unknown = await answer.json().catch(() => null);
  const connections = await listConnections(workspaceId, baseUrl, { access });
  return respond(contract.POST, 200, {
    connection_id: connectionId,
    provider: test.provider,
    event: test.kind,
    signature: test.request.signature,
    delivered: answer.status === 202,
    webhook_status: answer.status,
    webhook_answer: webhookAnswer,
    connection: connections.find((c) => c.connection_id === connectionId) ?? null,
    timestamp: new Date().toISOString(),
  });
});

const notAllowed = methodNotAllowed(['POST']);
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
