// /api/webhooks/metrics: provider webhooks in (POST), health and provider handshakes (GET).
import { getDb } from '@/lib/db';
import {
  answerHandshake,
  authenticateDelivery,
  deliveryIdFrom,
  parseProviderParam,
  parseWebhookWorkspaceId,
} from '@/lib/decision-circuits/metrics/metrics-webhook';
import { ingestWebhookPayload } from '@/lib/decision-circuits/metrics/metrics-ingestion';
import { noteIngestActivity } from '@/lib/decision-circuits/metrics/ingest-activity';
import { MAX_PAYLOAD_BYTES, METRICS_PROVIDERS, isMetricsProvider } from '@/lib/decision-circuits/metrics/metrics-types';
import { parseJsonBody, readRawBody, requireJsonContentType } from '@/lib/http/body';
import { methodNotAllowed } from '@/lib/http/errors';
import { withRequestLog } from '@/lib/http/handlers';
import { acceptedWebhookBody } from '@/lib/http/webhook-response';
import { jsonResponse } from '@/lib/http/json-response';
import { annotateRequest } from '@/lib/observability/request-log';

export const dynamic = 'force-dynamic';

function providerContext(request: Request): Record<string, unknown> {
  const provider = new URL(request.url).searchParams.get('provider');
  return isMetricsProvider(provider) ? { provider } : {};
}

export const POST = withRequestLog(async (request) => {
  const url = new URL(request.url);
  const provider = parseProviderParam(url.searchParams.get('provider'));
  annotateRequest({ provider });
  const workspaceId = parseWebhookWorkspaceId(request.headers, url.searchParams);
  annotateRequest({ workspace_id: workspaceId });
  requireJsonContentType(request);
  const rawBody = await readRawBody(request, MAX_PAYLOAD_BYTES);
  const { signatureVerified } = await authenticateDelivery(provider, workspaceId, request.headers, rawBody);
  const payload = parseJsonBody(rawBody);
  const deliveryId = deliveryIdFrom(provider, request.headers);
  const result = await ingestWebhookPayload({ workspaceId, provider, payload, signatureVerified, deliveryId }, { db: await getDb() });
  annotateRequest({ events: { ...result.counts, rejected: result.rejected.length } });
  await noteIngestActivity(workspaceId, provider);
  return acceptedWebhookBody(provider, workspaceId, result);
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
