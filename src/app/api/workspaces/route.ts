// /api/workspaces: the caller's workspaces (GET) and a new one, owned by the caller (POST, 201).
import { listUserWorkspaces } from '@/lib/decision-circuits/metrics/ab-tests';
import { createWorkspace } from '@/lib/decision-circuits/metrics/tenancy';
import { readJsonBody } from '@/lib/http/body';
import { respond } from '@/lib/http/contract';
import { methodNotAllowed } from '@/lib/http/errors';
import { withUser } from '@/lib/http/handlers';
import { WORKSPACE_CREATE_LIMITS, enforceRateLimits } from '@/lib/http/rate-limit';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

export const POST = withUser(async (request, { claims }) => {
  const { name } = contract.POST.body.parse(await readJsonBody(request));
  await enforceRateLimits([
    {
      name: 'workspace-create:user',
      subject: claims.sub,
      limit: WORKSPACE_CREATE_LIMITS.perUser,
      windowSeconds: WORKSPACE_CREATE_LIMITS.windowSeconds,
    },
  ]);
  const workspace = await createWorkspace(claims.sub, name);
  return respond(contract.POST, 201, { ...workspace, timestamp: new Date().toISOString() });
});

export const GET = withUser(async (_request, { claims }) => {
  const workspaces = await listUserWorkspaces({ claims });
  return respond(contract.GET, 200, { workspaces, count: workspaces.length, timestamp: new Date().toISOString() });
});

const notAllowed = methodNotAllowed(['GET', 'POST']);
export { notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
