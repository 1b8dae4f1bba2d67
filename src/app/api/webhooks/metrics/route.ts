// /api/webhooks/metrics: provider webhooks in (POST), health and provider handshakes (GET).
import { answerHandshake, receiveDelivery } from '@/lib/decision-circuits/metrics/delivery';
import { MAX_PAYLOAD_BYTES } from '@/lib/decision-circuits/metrics/metrics-types';
import { METRICS_PROVIDERS, isMetricsProvider } from '../../../../lib/decision-circuits/metrics/providers';
import { readRawBody, requireJsonContentType } from '@/lib/http/body';
import { methodNotAllowed } from '@/lib/http/errors';
import { withRequestLog } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';
import { acceptedWebhookBody } from '@/lib/http/webhook-response';
import { parseDeliveryAddress } from './request';

export const dynamic = 'force-dynamic';

function providerContext(request: Request): Record<string, unknown> {
  const provider = new URL(request.url).searchParams.get('provider');
  return isMetricsProvider(provider) ? { provider } : {};
}

export const POST = withRequestLog(async (request) => {
  const address = parseDeliveryAddress(request);
  requireJsonContentType(request);
  const rawBody = await readRawBody(request, MAX_PAYLOAD_BYTES);
  return acceptedWebhookBody(await receiveDelivery({ address, headers: request.headers, rawBody }));
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
