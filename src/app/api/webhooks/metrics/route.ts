// /api/webhooks/metrics: provider webhooks in (POST), health and provider handshakes (GET).
import { answerHandshake, isAccountRoutedProvider } from '@/lib/decision-circuits/metrics/metrics-webhook';
import { METRICS_PROVIDERS, isMetricsProvider } from '@/lib/decision-circuits/metrics/metrics-types';
import { requireJsonContentType } from '@/lib/http/body';
import { methodNotAllowed, toErrorResponse } from '@/lib/http/errors';
import { jsonResponse } from '@/lib/http/json-response';
import { receiveByAccount, receiveForConnection, receiveForWorkspace } from './receive';
import { parseProviderParam, parseWebhookWorkspaceId } from './request';

export const dynamic = 'force-dynamic';

export async function POST(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const providerParam = url.searchParams.get('provider');
  const connectionToken = url.searchParams.get('connection');
  try {
    if (connectionToken !== null) {
      requireJsonContentType(request);
      return await receiveForConnection(connectionToken, request, providerParam);
    }
    const provider = parseProviderParam(providerParam);
    const workspaceGiven = request.headers.has('x-workspace-id') || url.searchParams.has('workspace_id') || url.searchParams.has('workspaceId');
    if (!workspaceGiven && isAccountRoutedProvider(provider)) {
      requireJsonContentType(request);
      return await receiveByAccount(provider, request);
    }
    const workspaceId = parseWebhookWorkspaceId(request.headers, url.searchParams);
    requireJsonContentType(request);
    return await receiveForWorkspace(provider, workspaceId, request);
  } catch (error) {
    return toErrorResponse(error, isMetricsProvider(providerParam) ? { provider: providerParam } : {});
  }
}

export async function GET(request: Request): Promise<Response> {
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
}

const notAllowed = methodNotAllowed(['GET', 'POST']);
export { notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
