// /api/invitations/<id>/accept and /decline (POST): the invitee's answer. Accepting makes the
// caller a member with the invited role. 404 for an invitation that is not the caller's, 410 once
// expired or withdrawn, 409 once answered.
import { z } from 'zod';
import { answerInvitation } from '@/lib/decision-circuits/metrics/tenancy';
import { methodNotAllowed } from '@/lib/http/errors';
import { withUser } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

const paramsSchema = z.object({
  invitationId: z.guid({ message: 'invitation id must be a UUID' }),
  answer: z.enum(['accept', 'decline'], { message: 'must be accept or decline' }),
});

interface RouteContext {
  params: Promise<Record<string, string | string[] | undefined>>;
}

export function POST(request: Request, context: RouteContext): Promise<Response> {
  return withUser(async (_request, { claims }) => {
    const { invitationId, answer } = paramsSchema.parse(await context.params);
    const result = await answerInvitation(claims.sub, claims.email, invitationId, answer);
    return jsonResponse({ ...result, timestamp: new Date().toISOString() });
  })(request);
}

const notAllowed = methodNotAllowed(['POST']);
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
