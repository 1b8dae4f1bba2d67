// POST /api/circuits/metrics/attribution: executors (CX07) register which circuit / test /
// variant a provider message or post belongs to; waiting events are applied at once.
import { upsertAttributionMap } from '@/lib/decision-circuits/metrics';
import { respond } from '@/lib/http/contract';
import { methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

export const POST = withWorkspace(contract.POST, async ({ workspaceId, body }) => {
  // The body schema checked every mapping before this line: bad input changes nothing.
  const results = [];
  for (const mapping of Array.isArray(body) ? body : [body])
    results.push(await upsertAttributionMap({ ...mapping, workspace_id: workspaceId }));
  return respond(contract.POST, 200, {
    workspace_id: workspaceId,
    mappings: results.map((r) => ({ ...r.mapping, applied_events: r.applied_events })),
    count: results.length,
    applied_events: results.reduce((n, r) => n + r.applied_events, 0),
    timestamp: new Date().toISOString(),
  });
});

const notAllowed = methodNotAllowed(['POST']);
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
