// What the operations view shows: attribution and ingestion health, and how to connect each
// provider (the webhook URL to register, whether its secret is set: never the secret itself).
import {
  findProviderSecret,
  getAttributionHealth,
  getIngestionHealth,
  getLiveVersion,
  type AttributionHealthSummary,
  type LiveVersion,
  type IngestionHealthReport,
  type MetricsChannel,
  type MetricsProvider,
} from '../decision-circuits/metrics';
import {
  getProviderModule,
  METRICS_PROVIDERS,
  PROVIDER_CHANNEL,
  PROVIDER_LABELS,
  secretKindLabel,
} from '../decision-circuits/metrics/providers';
import { getAlertOverview } from '../decision-circuits/metrics/ops';
import type { DashboardSession } from './session';

import { MAPPED_ALERT_THRESHOLD } from '../decision-circuits/metrics/metrics-types';

export { MAPPED_ALERT_THRESHOLD };

export { PROVIDER_LABELS };

export interface ProviderConnection {
  provider: MetricsProvider;
  label: string;
  channel: MetricsChannel;
  webhookUrl: string;
  secretEnvVars: readonly string[];
  secretConfigured: boolean;
  /** What kind of secret is set (e.g. "ECDSA verification key"); never its value. */
  secretKind: string | null;
  /** Handshake settings (Meta's verify token) and whether each is set. */
  handshakeEnv: { name: string; configured: boolean }[];
}

export interface OperationsView {
  attribution: (AttributionHealthSummary & { below_alert_threshold: boolean })[];
  /** Providers whose `attribution_low` alert is firing: the alert state, the one truth the Alerts panel shows too. */
  attributionAlerts: MetricsProvider[];
  ingestion: IngestionHealthReport;
  connections: ProviderConnection[];
  /** The workspace's live version, read before the numbers: the page polls for a newer one. */
  live: LiveVersion;
}

export function webhookUrl(baseUrl: string, provider: MetricsProvider, workspaceId: string): string {
  const params = new URLSearchParams({ provider, workspace_id: workspaceId });
  return `${baseUrl}/api/webhooks/metrics?${params.toString()}`;
}

export function providerConnections(baseUrl: string, workspaceId: string, env: NodeJS.ProcessEnv = process.env): ProviderConnection[] {
  return METRICS_PROVIDERS.map((provider) => {
    const providerModule = getProviderModule(provider);
    const secret = findProviderSecret(provider, env);
    return {
      provider,
      label: PROVIDER_LABELS[provider],
      channel: PROVIDER_CHANNEL[provider],
      webhookUrl: webhookUrl(baseUrl, provider, workspaceId),
      secretEnvVars: providerModule.secretEnvVars,
      secretConfigured: secret !== null,
      secretKind: secret ? secretKindLabel(provider, secret.kind) : null,
      handshakeEnv: (providerModule.handshakeEnvVars ?? []).map((name) => ({ name, configured: Boolean(env[name]?.trim()) })),
    };
  });
}

export async function loadOperationsView(session: DashboardSession, workspaceId: string, baseUrl: string): Promise<OperationsView> {
  const access = { claims: session.claims };
  // Before the numbers: an event counted in between moves the version again, never the reverse.
  const live = await getLiveVersion({ workspaceId }, { ...access, requireMembership: true });
  const [attribution, ingestion] = await Promise.all([
    getAttributionHealth(workspaceId, undefined, access),
    getIngestionHealth(workspaceId, access),
  ]);
  // Read after the caller's membership was checked (the attribution read above runs under RLS).
  const alerts = await getAlertOverview(workspaceId, { historyLimit: 0 });
  const providers = new Set<string>(METRICS_PROVIDERS);
  return {
    attribution: attribution.map((row) => ({ ...row, below_alert_threshold: row.mapped_percentage < MAPPED_ALERT_THRESHOLD })),
    attributionAlerts: alerts.states
      .filter((s) => s.rule === 'attribution_low' && s.state === 'firing' && providers.has(s.subject))
      .map((s) => s.subject as MetricsProvider),
    ingestion,
    connections: providerConnections(baseUrl, workspaceId),
    live,
  };
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** The backfill form starts with the last week. */
const DEFAULT_BACKFILL_DAYS = 7;

/** UTC dates (YYYY-MM-DD) the backfill form starts with. */
export function defaultBackfillDates(now: Date = new Date()): { start: string; end: string } {
  return {
    start: new Date(now.getTime() - DEFAULT_BACKFILL_DAYS * DAY_MS).toISOString().slice(0, 10),
    end: now.toISOString().slice(0, 10),
  };
}
