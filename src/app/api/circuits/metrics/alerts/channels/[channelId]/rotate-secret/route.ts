// POST /api/circuits/metrics/alerts/channels/<id>/rotate-secret?workspaceId=: a new Standard
// Webhooks secret for a signed webhook channel, in the answer this once (admin or owner). The
// previous secret keeps signing next to it for overlap_hours (default 24, at most 168; 0 retires
// it at once), then the alerts job retires it. A Slack channel has no secret: 409.
import { rotateChannelSecret, rotateSecretInputSchema } from '@/lib/decision-circuits/metrics/ops';
import { methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';
import { channelParamsSchema, channelQuerySchema } from '@/app/api/circuits/metrics/alerts/channels/channel-route';

export const dynamic = 'force-dynamic';

export const POST = withWorkspace(
  { query: channelQuerySchema, params: channelParamsSchema, body: rotateSecretInputSchema, role: 'admin' },
  async ({ claims, workspaceId, params: { channelId }, body }) => {
    const rotated = await rotateChannelSecret(workspaceId, channelId, claims.sub, body);
    return jsonResponse(
      { workspace_id: workspaceId, ...rotated, timestamp: new Date().toISOString() },
      // The secret is in this answer only: no cache may keep it.
      { headers: { 'cache-control': 'no-store' } },
    );
  },
);

const notAllowed = methodNotAllowed(['POST']);
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
