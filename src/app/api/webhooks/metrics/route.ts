// /api/webhooks/metrics: provider webhooks in (POST), health and provider handshakes (GET).
import { answerHandshake, honoursWorkspaceUrl, isAccountRoutedProvider } from '@/lib/decision-circuits/metrics/delivery';
import { METRICS_PROVIDERS, isMetricsProvider } from '../../../../lib/decision-circuits/metrics/providers';
import { requireJsonContentType } from '@/lib/http/body';
import { methodNotAllowed } from '@/lib/http/errors';
import { withRequestLog } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';
import { annotateRequest } from '@/lib/observability/request-log';
import { receiveByAccount, receiveForConnection, receiveForWorkspace } from './receive';
import { parseProviderParam, parseWebhookWorkspaceId } from './request';

export const dynamic = 'force-dynamic';

function providerContext(request: Request): Record<string, unknown> {
  const provider = new URL(request.url).searchParams.get('provider');
  return isMetricsProvider(provider) ? { provider } : {};
}

export const POST = withRequestLog(async (request) => {
  const url = new URL(request.url);
  const providerParam = url.searchParams.get('provider');
  const connectionToken = url.searchParams.get('connection');
  if (connectionToken !== null) {
    requireJsonContentType(request);
    return receiveForConnection(connectionToken, request, providerParam);
  }
  const provider = parseProviderParam(providerParam);
  annotateRequest({ provider });
  const workspaceGiven =
    request.headers.has('x-workspace-id') || url.searchParams.has('workspace_id') || url.searchParams.has('workspaceId');
  if (!workspaceGiven && isAccountRoutedProvider(provider)) {
    requireJsonContentType(request);
    return receiveByAccount(provider, request);
  }
  const workspaceId = parseWebhookWorkspaceId(request.headers, url.searchParams);
  if (!honoursWorkspaceUrl(provider, workspaceId)) {
    // A Meta or LinkedIn delivery's URL proves no workspace: routed by account instead.
    requireJsonContentType(request);
    return receiveByAccount(provider, request);
  }
  annotateRequest({ workspace_id: workspaceId });
  requireJsonContentType(request);
  return receiveForWorkspace(provider, workspaceId, request);
}, providerContext);

export const GET = withRequestLog(async (request) => {
  const url = new URL(request.url);
  const providerParam = url.searchParams.get('provider');
  const handshake = answerHandshake(isMetricsProvider(providerParam) ? providerParam : null, url.searchParams);
  if (handshake) {
    return new Response(handshake.body, { status: handshake.status, headers: { 'content-type': handshake.contentType } });
  }
  return jsonResponse({
    status: 'ok',
    supported_providers: METRICS_PROVIDERS,
    message: 'Metrics webhook endpoint ready',
  });
});

const notAllowed = methodNotAllowed(['GET', 'POST']);
export { notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
