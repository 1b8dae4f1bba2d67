// /api/circuits/metrics/ab-tests: register a test with named variants, control, split and primary
// metric (POST, member or above); list the workspace's tests, registered or seen in rollups (GET).
import { abTestRegistrationSchema, listAbTestDefinitions, registerAbTest } from '@/lib/decision-circuits/metrics/metrics-ab-tests';
import { workspaceQuerySchema } from '@/lib/decision-circuits/metrics/api/read-schemas';
import { readJsonBody } from '@/lib/http/body';
import { methodNotAllowed } from '@/lib/http/errors';
import { parseQuery, requireMembership, requireRole, withUser } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

export const POST = withUser(async (request, { claims, url }) => {
  const { workspaceId } = parseQuery(workspaceQuerySchema, url);
  await requireRole(workspaceId, claims, 'member');
  const input = abTestRegistrationSchema.parse(await readJsonBody(request));
  await registerAbTest(workspaceId, input);
  const [test] = await listAbTestDefinitions(workspaceId, { claims }, input.ab_test_id);
  return jsonResponse({ workspace_id: workspaceId, test, timestamp: new Date().toISOString() }, { status: 201 });
});

export const GET = withUser(async (_request, { claims, url }) => {
  const { workspaceId } = parseQuery(workspaceQuerySchema, url);
  await requireMembership(workspaceId, claims);
  const tests = await listAbTestDefinitions(workspaceId, { claims });
  return jsonResponse({ workspace_id: workspaceId, tests, count: tests.length, timestamp: new Date().toISOString() });
});

const notAllowed = methodNotAllowed(['GET', 'POST']);
export { notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
