// The API's route templates (Next's file paths under src/app, route groups dropped), so metrics,
// spans and log lines name `/api/workspaces/[workspaceId]/members`, never the path a caller
// typed: a label per raw path would let anyone grow the scrape without bound.
// tests/unit/observability/route-templates.test.ts checks this list against src/app.

export const API_ROUTE_TEMPLATES = [
  '/api/auth/callback',
  '/api/auth/local-sign-in',
  '/api/auth/magic-link',
  '/api/auth/sign-in',
  '/api/auth/sign-out',
  '/api/circuits/metrics/ab-tests',
  '/api/circuits/metrics/ab-tests/export/[table]',
  '/api/circuits/metrics/alerts',
  '/api/circuits/metrics/alerts/channels',
  '/api/circuits/metrics/alerts/channels/[channelId]/rotate-secret',
  '/api/circuits/metrics/alerts/channels/[channelId]/test',
  '/api/circuits/metrics/attribution',
  '/api/circuits/metrics/backfill',
  '/api/circuits/metrics/connections',
  '/api/circuits/metrics/connections/[connectionId]',
  '/api/circuits/metrics/connections/[connectionId]/rotate',
  '/api/circuits/metrics/connections/[connectionId]/test',
  '/api/circuits/metrics/connections/[connectionId]/verify',
  '/api/circuits/metrics/decision',
  '/api/circuits/metrics/health',
  '/api/circuits/metrics/latest',
  '/api/circuits/metrics/live',
  '/api/circuits/metrics/rollups',
  '/api/circuits/metrics/summary',
  '/api/circuits/metrics/variants',
  '/api/cron/metrics/alerts',
  '/api/cron/metrics/poll-insights',
  '/api/cron/metrics/process-backfill-jobs',
  '/api/cron/metrics/reprocess-unmapped',
  '/api/cron/metrics/retention',
  '/api/invitations',
  '/api/invitations/[invitationId]/[answer]',
  '/api/metrics',
  '/api/ready',
  '/api/webhooks/metrics',
  '/api/workspaces',
  '/api/workspaces/[workspaceId]/api-keys',
  '/api/workspaces/[workspaceId]/api-keys/[keyId]',
  '/api/workspaces/[workspaceId]/default',
  '/api/workspaces/[workspaceId]/invitations',
  '/api/workspaces/[workspaceId]/invitations/[invitationId]',
  '/api/workspaces/[workspaceId]/members',
  '/api/workspaces/[workspaceId]/members/[userId]',
] as const;

export type ApiRouteTemplate = (typeof API_ROUTE_TEMPLATES)[number];

/** The label of every path that matches no template (unknown paths, pages). */
export const OTHER_ROUTE = 'other';

interface CompiledTemplate {
  template: ApiRouteTemplate;
  segments: readonly string[];
  staticSegments: number;
}

const isDynamic = (segment: string) => segment.startsWith('[') && segment.endsWith(']');

// Most specific first: where a literal and a [param] could both match, the literal wins (Next's rule).
const COMPILED: readonly CompiledTemplate[] = API_ROUTE_TEMPLATES.map((template) => {
  const segments = template.split('/').filter(Boolean);
  return { template, segments, staticSegments: segments.filter((s) => !isDynamic(s)).length };
}).sort((a, b) => b.staticSegments - a.staticSegments);

/** `/api/workspaces/4f…/members` → `/api/workspaces/[workspaceId]/members`; no match → `other`. */
export function routeTemplateOf(pathname: string): ApiRouteTemplate | typeof OTHER_ROUTE {
  const segments = pathname.split('/').filter(Boolean);
  for (const { template, segments: expected } of COMPILED) {
    if (expected.length === segments.length && expected.every((s, i) => isDynamic(s) || s === segments[i])) return template;
  }
  return OTHER_ROUTE;
}
