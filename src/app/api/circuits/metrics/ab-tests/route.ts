// /api/circuits/metrics/ab-tests: register a test with named variants, control, split and primary
// metric (POST, member or above); list the workspace's tests, registered or seen in rollups (GET).
import { abTestRegistrationSchema, listAbTestDefinitions, registerAbTest } from '@/lib/decision-circuits/metrics/ab-tests';
import { workspaceQuerySchema } from '@/lib/decision-circuits/metrics/api/read-schemas';
import { methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

export const POST = withWorkspace(
  { query: workspaceQuerySchema, body: abTestRegistrationSchema, role: 'member', apiKey: 'attribution:write' },
  async ({ workspaceId, body, access }) => {
    await registerAbTest(workspaceId, body);
    const [test] = await listAbTestDefinitions(workspaceId, { access }, body.ab_test_id);
    return jsonResponse({ workspace_id: workspaceId, test, timestamp: new Date().toISOString() }, { status: 201 });
  },
);

export const GET = withWorkspace({ query: workspaceQuerySchema, apiKey: 'read' }, async ({ workspaceId, access }) => {
  const tests = await listAbTestDefinitions(workspaceId, { access });
  return jsonResponse({ workspace_id: workspaceId, tests, count: tests.length, timestamp: new Date().toISOString() });
});

const notAllowed = methodNotAllowed(['GET', 'POST']);
export { notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
