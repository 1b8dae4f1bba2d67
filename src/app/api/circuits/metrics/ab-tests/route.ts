// /api/circuits/metrics/ab-tests: register a test with named variants, control, split and primary
// metric (POST, member or above); list the workspace's tests, registered or seen in rollups (GET).
import { listAbTestDefinitions, registerAbTest } from '@/lib/decision-circuits/metrics/ab-tests';
import { respond } from '@/lib/http/contract';
import { methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

export const POST = withWorkspace(contract.POST, async ({ workspaceId, body, access }) => {
  await registerAbTest(workspaceId, body);
  const [test] = await listAbTestDefinitions(workspaceId, { access }, body.ab_test_id);
  return respond(contract.POST, 201, { workspace_id: workspaceId, test, timestamp: new Date().toISOString() });
});

export const GET = withWorkspace(contract.GET, async ({ workspaceId, access }) => {
  const tests = await listAbTestDefinitions(workspaceId, { access });
  return respond(contract.GET, 200, { workspace_id: workspaceId, tests, count: tests.length, timestamp: new Date().toISOString() });
});

const notAllowed = methodNotAllowed(['GET', 'POST']);
export { notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
