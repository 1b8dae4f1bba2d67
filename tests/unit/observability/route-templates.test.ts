// The route templates metrics and logs use: every route file under src/app is in the list (and
// nothing else), and a path maps to its template or to `other`, never to itself.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_ROUTE_TEMPLATES, OTHER_ROUTE, routeTemplateOf } from '../../../src/lib/observability/route-templates';

const APP_DIR = path.join(process.cwd(), 'src', 'app');

/** `src/app/(group)/api/x/[id]/route.ts` → `/api/x/[id]`, as Next serves it. */
function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    if (!/^route\.(ts|tsx|js)$/.test(entry.name)) return [];
    const segments = path
      .relative(APP_DIR, dir)
      .split(path.sep)
      .filter((s) => s && !/^\(.*\)$/.test(s));
    return [`/${segments.join('/')}`];
  });
}

describe('API route templates', () => {
  it('lists exactly the route files under src/app', () => {
    expect([...API_ROUTE_TEMPLATES].sort()).toEqual(routeFiles(APP_DIR).sort());
  });

  it('maps concrete paths to their template, literals before parameters', () => {
    expect(routeTemplateOf('/api/workspaces/4f0c2b9e-0000-4000-8000-000000000001/members')).toBe('/api/workspaces/[workspaceId]/members');
    expect(routeTemplateOf('/api/workspaces/x/members/y')).toBe('/api/workspaces/[workspaceId]/members/[userId]');
    expect(routeTemplateOf('/api/circuits/metrics/connections/abc/rotate')).toBe('/api/circuits/metrics/connections/[connectionId]/rotate');
    expect(routeTemplateOf('/api/circuits/metrics/connections/abc')).toBe('/api/circuits/metrics/connections/[connectionId]');
    expect(routeTemplateOf('/api/circuits/metrics/alerts/channels')).toBe('/api/circuits/metrics/alerts/channels');
    expect(routeTemplateOf('/api/circuits/metrics/alerts/channels/abc/test')).toBe(
      '/api/circuits/metrics/alerts/channels/[channelId]/test',
    );
    expect(routeTemplateOf('/api/circuits/metrics/ab-tests/export/hourly')).toBe('/api/circuits/metrics/ab-tests/export/[table]');
    expect(routeTemplateOf('/api/webhooks/metrics')).toBe('/api/webhooks/metrics');
  });

  it('maps every unknown path to the one fixed label', () => {
    for (const unknown of ['/', '/api', '/api/nope', '/api/workspaces/x/members/y/z', '/dashboard', '/api/webhooks/metrics/extra']) {
      expect(routeTemplateOf(unknown)).toBe(OTHER_ROUTE);
    }
  });
});
