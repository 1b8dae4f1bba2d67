// /api/webhooks/metrics: provider webhooks in (POST), health and provider handshakes (GET).
import { getDb } from '@/lib/db';
import {
  answerHandshake,
  authenticateWebhook,
  deliveryIdFrom,
  parseProviderParam,
  parseWebhookWorkspaceId,
} from '@/lib/decision-circuits/metrics/metrics-webhook';
import { ingestWebhookPayload } from '@/lib/decision-circuits/metrics/metrics-ingestion';
import { MAX_PAYLOAD_BYTES, METRICS_PROVIDERS, isMetricsProvider } from '@/lib/decision-circuits/metrics/metrics-types';
import { parseJsonBody, readRawBody, requireJsonContentType } from '@/lib/http/body';
import { methodNotAllowed, toErrorResponse } from '@/lib/http/errors';
import { acceptedWebhookBody } from '@/lib/http/webhook-response';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

export async function POST(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const providerParam = url.searchParams.get('provider');
  try {
    const provider = parseProviderParam(providerParam);
    const workspaceId = parseWebhookWorkspaceId(request.headers, url.searchParams);
    requireJsonContentType(request);
    const rawBody = await readRawBody(request, MAX_PAYLOAD_BYTES);
    const { signatureVerified } = authenticateWebhook(provider, request.headers, rawBody);
    const payload = parseJsonBody(rawBody);
    const deliveryId = deliveryIdFrom(provider, request.headers);
    const result = await ingestWebhookPayload({ workspaceId, provider, payload, signatureVerified, deliveryId }, { db: await getDb() });
    return acceptedWebhookBody(provider, workspaceId, result);
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
