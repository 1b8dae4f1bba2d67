// /api/circuits/metrics/alerts/channels: add a notification channel (POST) or remove one
// (DELETE ?channelId=), admin or above. Secrets are stored, never returned (last 4 characters).
import { addAlertChannel, deleteAlertChannel } from '@/lib/decision-circuits/metrics/ops';
import { respond } from '@/lib/http/contract';
import { AppError, methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

export const POST = withWorkspace(contract.POST, async ({ workspaceId, body }) => {
  const channel = await addAlertChannel(workspaceId, body);
  return respond(contract.POST, 201, { workspace_id: workspaceId, channel, timestamp: new Date().toISOString() });
});

export const DELETE = withWorkspace(contract.DELETE, async ({ workspaceId, query }) => {
  if (!(await deleteAlertChannel(workspaceId, query.channelId))) throw new AppError('not_found', 'Channel not found');
  return respond(contract.DELETE, 200, { workspace_id: workspaceId, deleted: query.channelId, timestamp: new Date().toISOString() });
});

const notAllowed = methodNotAllowed(['POST', 'DELETE']);
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH };
