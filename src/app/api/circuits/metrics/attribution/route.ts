// POST /api/circuits/metrics/attribution: executors (CX07) register which circuit / test /
// variant a provider message or post belongs to; waiting events are applied at once.
import { z } from 'zod';
import { upsertAttributionMap } from '@/lib/decision-circuits/metrics';
import { attributionInputSchema } from '@/lib/decision-circuits/metrics/metrics-attribution';
import { workspaceQuerySchema } from '@/lib/decision-circuits/metrics/api/read-schemas';
import { methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

const MAX_MAPPINGS_PER_REQUEST = 1_000;
const mappingsSchema = z.union([
  z.record(z.string(), z.unknown()),
  z.array(z.record(z.string(), z.unknown())).min(1).max(MAX_MAPPINGS_PER_REQUEST),
]);

export const POST = withWorkspace(
  { query: workspaceQuerySchema, body: mappingsSchema, role: 'member', apiKey: 'attribution:write' },
  async ({ workspaceId, body }) => {
    // Every mapping is validated before any is written: bad input changes nothing.
    const inputs = z
      .array(attributionInputSchema)
      .parse((Array.isArray(body) ? body : [body]).map((m) => ({ ...m, workspace_id: workspaceId })));
    const results = [];
    for (const input of inputs) results.push(await upsertAttributionMap(input));
    return jsonResponse({
      workspace_id: workspaceId,
      mappings: results.map((r) => ({ ...r.mapping, applied_events: r.applied_events })),
      count: results.length,
      applied_events: results.reduce((n, r) => n + r.applied_events, 0),
      timestamp: new Date().toISOString(),
    });
  },
);

const notAllowed = methodNotAllowed(['POST']);
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
