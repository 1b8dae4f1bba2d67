// POST /api/circuits/metrics/alerts/channels/<id>/test?workspaceId=: sends one marked test
// notification to the channel now, through the same URL check, pinning and signing as an alert
// (admin or owner; at most 5 per channel in 10 minutes). The answer says what the receiver did:
// outcome, HTTP status, latency, and why it failed in words that name no address.
import { sendTestNotification, TEST_NOTIFICATION_LIMIT } from '@/lib/decision-circuits/metrics/ops';
import { respond } from '@/lib/http/contract';
import { methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { enforceRateLimits } from '@/lib/http/rate-limit';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

export const POST = withWorkspace(contract.POST, async ({ claims, workspaceId, params: { channelId } }) => {
  // Each test is a request to a URL the tenant chose: budgeted per channel, before any send.
  await enforceRateLimits([
    {
      name: 'alert-channel-test:channel',
      subject: `${workspaceId}:${channelId}`,
      limit: TEST_NOTIFICATION_LIMIT.perChannel,
      windowSeconds: TEST_NOTIFICATION_LIMIT.windowSeconds,
    },
  ]);
  const result = await sendTestNotification(workspaceId, channelId, claims.sub);
  return respond(contract.POST, 200, {
    workspace_id: workspaceId,
    ...result,
    delivered: result.outcome === 'delivered',
    timestamp: new Date().toISOString(),
  });
});

const notAllowed = methodNotAllowed(['POST']);
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
