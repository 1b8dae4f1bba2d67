// /api/invitations/<id>/accept and /decline (POST): the invitee's answer. Accepting makes the
// caller a member with the invited role. 404 for an invitation that is not the caller's, 410 once
// expired or withdrawn, 409 once answered.
import { answerInvitation } from '@/lib/decision-circuits/metrics/tenancy';
import { respond } from '@/lib/http/contract';
import { methodNotAllowed } from '@/lib/http/errors';
import { withUser } from '@/lib/http/handlers';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

interface RouteContext {
  params: Promise<Record<string, string | string[] | undefined>>;
}

export function POST(request: Request, context: RouteContext): Promise<Response> {
  return withUser(async (_request, { claims }) => {
    const { invitationId, answer } = contract.POST.params.parse(await context.params);
    const result = await answerInvitation(claims.sub, claims.email, invitationId, answer);
    return respond(contract.POST, 200, { ...result, timestamp: new Date().toISOString() });
  })(request);
}

const notAllowed = methodNotAllowed(['POST']);
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
