// /api/circuits/metrics/alerts/channels: add a notification channel (POST) or remove one
// (DELETE ?channelId=), admin or above. Secrets are stored, never returned (last 4 characters).
import { z } from 'zod';
import { addAlertChannel, alertChannelInputSchema, deleteAlertChannel } from '@/lib/decision-circuits/metrics/alerts/config';
import { workspaceQuerySchema } from '@/lib/decision-circuits/metrics/api/read-schemas';
import { readJsonBody } from '@/lib/http/body';
import { ApiError, methodNotAllowed } from '@/lib/http/errors';
import { parseQuery, requireRole, withUser } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

const deleteQuerySchema = workspaceQuerySchema.extend({ channelId: z.guid() });

export const POST = withUser(async (request, { claims, url }) => {
  const { workspaceId } = parseQuery(workspaceQuerySchema, url);
  await requireRole(workspaceId, claims, 'admin');
  const input = alertChannelInputSchema.parse(await readJsonBody(request));
  const channel = await addAlertChannel(workspaceId, input);
  return jsonResponse({ workspace_id: workspaceId, channel, timestamp: new Date().toISOString() }, { status: 201 });
});

export const DELETE = withUser(async (_request, { claims, url }) => {
  const { workspaceId, channelId } = parseQuery(deleteQuerySchema, url);
  await requireRole(workspaceId, claims, 'admin');
  if (!(await deleteAlertChannel(workspaceId, channelId))) throw new ApiError(404, 'Channel not found');
  return jsonResponse({ workspace_id: workspaceId, deleted: channelId, timestamp: new Date().toISOString() });
});

const notAllowed = methodNotAllowed(['POST', 'DELETE']);
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH };
