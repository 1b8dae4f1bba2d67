// Reading the webhook request's own parameters: which provider, which workspace (the
// single-workspace URL form). The route's business; the domain never sees a query string.
import { type MetricsProvider } from '@/lib/decision-circuits/metrics/metrics-types';
import { METRICS_PROVIDERS, isMetricsProvider } from '../../../../lib/decision-circuits/metrics/providers';
import { AppError } from '@/lib/http/errors';
import { webhookWorkspaceIdSchema } from './contract';

export const PROVIDER_REQUIRED_MESSAGE = `provider parameter required; one of: ${METRICS_PROVIDERS.join(', ')}`;

export function parseProviderParam(value: string | null): MetricsProvider {
  if (!isMetricsProvider(value)) throw new AppError('invalid_request', PROVIDER_REQUIRED_MESSAGE);
  return value;
}

/** From `x-workspace-id` or, since providers cannot set headers, `?workspace_id=` in the registered URL. */
export function parseWebhookWorkspaceId(headers: Headers, searchParams: URLSearchParams): string {
  const raw = headers.get('x-workspace-id') ?? searchParams.get('workspace_id') ?? searchParams.get('workspaceId');
  if (raw === null || raw.trim() === '') {
    throw new AppError('invalid_request', 'workspace id required: x-workspace-id header or workspace_id query parameter');
  }
  const parsed = webhookWorkspaceIdSchema.safeParse(raw.trim());
  if (!parsed.success) throw new AppError('invalid_request', 'workspace id must be a UUID');
  return parsed.data.toLowerCase();
}
