// POST /api/circuits/metrics/alerts/channels/<id>/rotate-secret?workspaceId=: a new Standard
// Webhooks secret for a signed webhook channel, in the answer this once (admin or owner). The
// previous secret keeps signing next to it for overlap_hours (default 24, at most 168; 0 retires
// it at once), then the alerts job retires it. A Slack channel has no secret: 409.
import { rotateChannelSecret } from '@/lib/decision-circuits/metrics/ops';
import { respond } from '@/lib/http/contract';
import { methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

export const POST = withWorkspace(contract.POST, async ({ claims, workspaceId, params: { channelId }, body }) => {
  const rotated = await rotateChannelSecret(workspaceId, channelId, claims.sub, body);
  return respond(
    contract.POST,
    200,
    { workspace_id: workspaceId, ...rotated, timestamp: new Date().toISOString() },
    // The secret is in this answer only: no cache may keep it.
    { headers: { 'cache-control': 'no-store' } },
  );
});

const notAllowed = methodNotAllowed(['POST']);
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
