// /api/invitations: the caller's own pending invitations (GET), matched by their verified email.
import { listReceivedInvitations } from '@/lib/decision-circuits/metrics/tenancy';
import { respond } from '@/lib/http/contract';
import { methodNotAllowed } from '@/lib/http/errors';
import { withUser } from '@/lib/http/handlers';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

export const GET = withUser(async (_request, { claims }) => {
  const invitations = await listReceivedInvitations(claims.sub, claims.email);
  return respond(contract.GET, 200, { invitations, count: invitations.length, timestamp: new Date().toISOString() });
});

const notAllowed = methodNotAllowed(['GET']);
export { notAllowed as POST, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
