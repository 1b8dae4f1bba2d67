// /api/circuits/metrics/alerts/channels: add a notification channel (POST) or remove one
// (DELETE ?channelId=), admin or above. Secrets are stored, never returned (last 4 characters).
import { z } from 'zod';
import { addAlertChannel, alertChannelInputSchema, deleteAlertChannel } from '@/lib/decision-circuits/metrics/ops';
import { workspaceQuerySchema } from '@/lib/decision-circuits/metrics/api/read-schemas';
import { AppError, methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

const deleteQuerySchema = workspaceQuerySchema.extend({ channelId: z.guid() });

export const POST = withWorkspace(
  { query: workspaceQuerySchema, body: alertChannelInputSchema, role: 'admin' },
  async ({ workspaceId, body }) => {
    const channel = await addAlertChannel(workspaceId, body);
    return jsonResponse({ workspace_id: workspaceId, channel, timestamp: new Date().toISOString() }, { status: 201 });
  },
);

export const DELETE = withWorkspace({ query: deleteQuerySchema, role: 'admin' }, async ({ workspaceId, query }) => {
  if (!(await deleteAlertChannel(workspaceId, query.channelId))) throw new AppError('not_found', 'Channel not found');
  return jsonResponse({ workspace_id: workspaceId, deleted: query.channelId, timestamp: new Date().toISOString() });
});

const notAllowed = methodNotAllowed(['POST', 'DELETE']);
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH };
