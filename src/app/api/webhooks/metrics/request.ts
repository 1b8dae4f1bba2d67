// Reading the webhook request's own parameters: where the delivery was sent (a connection's
// token, or a provider and perhaps a workspace). The route's business; the domain never sees a
// query string.
import { type DeliveryAddress, WORKSPACE_REQUIRED_MESSAGE } from '@/lib/decision-circuits/metrics/delivery';
import { type MetricsProvider } from '@/lib/decision-circuits/metrics/metrics-types';
import { METRICS_PROVIDERS, isMetricsProvider } from '../../../../lib/decision-circuits/metrics/providers';
import { AppError } from '@/lib/http/errors';
import { webhookWorkspaceIdSchema } from './contract';

export const PROVIDER_REQUIRED_MESSAGE = `provider parameter required; one of: ${METRICS_PROVIDERS.join(', ')}`;

export function parseProviderParam(value: string | null): MetricsProvider {
  if (!isMetricsProvider(value)) throw new AppError('invalid_request', PROVIDER_REQUIRED_MESSAGE);
  return value;
}

/**
 * From `x-workspace-id` or, since providers cannot set headers, `?workspace_id=` in the registered
 * URL; null when the request names none.
 */
export function parseWebhookWorkspaceId(headers: Headers, searchParams: URLSearchParams): string | null {
  const raw = headers.get('x-workspace-id') ?? searchParams.get('workspace_id') ?? searchParams.get('workspaceId');
  if (raw === null) return null;
  if (raw.trim() === '') throw new AppError('invalid_request', WORKSPACE_REQUIRED_MESSAGE);
  const parsed = webhookWorkspaceIdSchema.safeParse(raw.trim());
  if (!parsed.success) throw new AppError('invalid_request', 'workspace id must be a UUID');
  return parsed.data.toLowerCase();
}

/** `?connection=<token>` (a workspace's own connection URL), else `?provider=` with an optional workspace. */
export function parseDeliveryAddress(request: Request): DeliveryAddress {
  const url = new URL(request.url);
  const token = url.searchParams.get('connection');
  const provider = url.searchParams.get('provider');
  if (token !== null) return { kind: 'connection', token, provider };
  return {
    kind: 'provider',
    provider: parseProviderParam(provider),
    workspaceId: parseWebhookWorkspaceId(request.headers, url.searchParams),
  };
}
