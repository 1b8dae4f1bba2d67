// GET /api/circuits/metrics/live: the live version of a page's numbers (an A/B test with
// ?abTestId=, else the workspace's operations), for pages that update themselves by polling it.
// A strong ETag: a poll with If-None-Match gets 304 and no body while nothing changed.
import { getLiveVersion } from '@/lib/decision-circuits/metrics';
import { respond } from '@/lib/http/contract';
import { methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

/** Whether an If-None-Match header lists this ETag (or `*`). */
function matches(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const candidate = tag.trim();
    return candidate === '*' || candidate === etag || candidate === `W/${etag}`;
  });
}

export const GET = withWorkspace(contract.GET, async ({ request, query, access }) => {
  const live = await getLiveVersion(query, { access });
  const etag = `"${live.version}"`;
  // private: per caller; no-cache: always revalidated, so a change is seen on the next poll.
  const headers = {
    etag,
    'cache-control': 'private, no-cache',
    vary: 'authorization, cookie',
    // On a 304 too: how fresh the unchanged numbers are.
    'x-counted-up-to': live.counted_up_to,
  };
  if (matches(request.headers.get('if-none-match'), etag)) return new Response(null, { status: 304, headers });
  return respond(contract.GET, 200, live, { headers });
});

const notAllowed = methodNotAllowed(['GET']);
export { notAllowed as POST, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
