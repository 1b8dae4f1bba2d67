// A local stand-in for the two provider APIs that prove control of an account, speaking their
// real formats: Meta's Graph API (`GET /v23.0/me`, `/me/accounts`, OAuthException errors) and
// LinkedIn's Community Management API (`GET /rest/organizationAcls`, the LinkedIn-Version header).
// Tests register which token reaches which account; the stand-in records every request.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AccountApiRequest {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

export interface AccountApis {
  /** Env for the app: META_GRAPH_BASE_URL and LINKEDIN_API_BASE_URL pointed here. */
  env: Record<string, string>;
  requests: AccountApiRequest[];
  /** A Page access token for this page (and the Instagram business account the page links). */
  pageToken(pageId: string, instagramAccountId?: string): string;
  /** A user token whose /me/accounts lists these pages. */
  userToken(pages: { pageId: string; instagramAccountId?: string }[]): string;
  /** A LinkedIn member token that is an approved ADMINISTRATOR of these organizations. */
  linkedInAdminToken(organizations: string[]): string;
  /** A token for which the provider answers 503, as during an outage. */
  readonly outageToken: string;
  close(): Promise<void>;
}

type Page = { pageId: string; instagramAccountId?: string };
type Grant = { kind: 'page'; page: Page } | { kind: 'user'; pages: Page[] } | { kind: 'linkedin'; organizations: string[] };

const OUTAGE = 'outage-token-provider-down';
const graphError = (message: string, code: number) => ({
  error: { message, type: 'OAuthException', code, fbtrace_id: 'AbCdEfGhIjK' },
});

export async function startAccountApis(): Promise<AccountApis> {
  const grants = new Map<string, Grant>();
  const requests: AccountApiRequest[] = [];
  let next = 0;
  const issue = (grant: Grant) => {
    const token = `EAAtoken${(next += 1)}${Math.random().toString(36).slice(2, 10)}`;
    grants.set(token, grant);
    return token;
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    requests.push({ path: url.pathname, query: url.searchParams, headers: request.headers });
    const send = (status: number, body: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? url.searchParams.get('access_token') ?? '';
    if (token === OUTAGE) return send(503, { error: { message: 'Service temporarily unavailable', code: 2 } });
    const grant = grants.get(token);

    if (url.pathname.startsWith('/v23.0/')) {
      if (!grant || grant.kind === 'linkedin') return send(400, graphError('Invalid OAuth access token - Cannot parse access token', 190));
      const fields = (url.searchParams.get('fields') ?? 'id').split(',');
      if (url.pathname === '/v23.0/me') {
        if (grant.kind === 'user') return send(200, { id: '10229384756' });
        const me: Record<string, unknown> = { id: grant.page.pageId };
        if (fields.includes('instagram_business_account') && grant.page.instagramAccountId)
          me.instagram_business_account = { id: grant.page.instagramAccountId };
        return send(200, me);
      }
      if (url.pathname === '/v23.0/me/accounts') {
        if (grant.kind === 'page')
          return send(400, graphError('(#100) Tried accessing nonexisting field (accounts) on node type (Page)', 100));
        return send(200, {
          data: grant.pages.map((p) => ({
            id: p.pageId,
            ...(p.instagramAccountId ? { instagram_business_account: { id: p.instagramAccountId } } : {}),
          })),
          paging: { cursors: { before: 'QVFIUk', after: 'QVFIUl' } },
        });
      }
      return send(400, graphError('Unknown path components', 2500));
    }

    if (url.pathname === '/rest/organizationAcls') {
      if (!request.headers['linkedin-version'])
        return send(400, {
          status: 400,
          code: 'VERSION_MISSING',
          message: 'A version must be present. Please specify a version by adding the LinkedIn-Version header.',
        });
      if (!grant || grant.kind !== 'linkedin')
        return send(401, { status: 401, serviceErrorCode: 65600, code: 'INVALID_ACCESS_TOKEN', message: 'Invalid access token' });
      const q = url.searchParams;
      const filtered = q.get('q') === 'roleAssignee' && q.get('role') === 'ADMINISTRATOR' && q.get('state') === 'APPROVED';
      return send(200, {
        paging: { start: 0, count: 10, links: [] },
        elements: filtered
          ? grant.organizations.map((organization) => ({
              role: 'ADMINISTRATOR',
              roleAssignee: 'urn:li:person:wGfx3bX2cA',
              state: 'APPROVED',
              organization,
            }))
          : [],
      });
    }
    return send(404, { message: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    env: { META_GRAPH_BASE_URL: `${base}/v23.0`, LINKEDIN_API_BASE_URL: `${base}/rest` },
    requests,
    pageToken: (pageId, instagramAccountId) => issue({ kind: 'page', page: { pageId, instagramAccountId } }),
    userToken: (pages) => issue({ kind: 'user', pages }),
    linkedInAdminToken: (organizations) => issue({ kind: 'linkedin', organizations }),
    outageToken: OUTAGE,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
