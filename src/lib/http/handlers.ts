// Route wrappers: auth and error mapping written once (dub's withWorkspace / withCron idea).
import { timingSafeEqual, createHash } from 'node:crypto';
import type { ApiKeyScope } from '../auth/api-keys';
import { authenticateCaller, authenticateRequest, type Caller } from '../auth/request-auth';
import type { VerifiedClaims } from '../auth/tokens';
import { requireApiKeyScope, WorkspaceAccess, type ApiKeyGrant, type WorkspaceRole } from '../decision-circuits/metrics/tenancy/access';
import { cronSecret } from '../net/dev-stand-ins';
import { observeRequest } from '../observability/request-log';
import { readJsonBody } from './body';
import { AppError, toErrorResponse } from './errors';

export interface UserRequestContext {
  claims: VerifiedClaims;
  url: URL;
}

/** Any API route: request id, span, one log line and counters; errors mapped to the JSON shape. */
export function withRequestLog<R extends Request>(
  handler: (request: R) => Promise<Response>,
  errorContext: (request: R) => Record<string, unknown> = () => ({}),
) {
  return observeRequest<R>('request', async (request) => {
    try {
      return await handler(request);
    } catch (error) {
      return toErrorResponse(error, errorContext(request));
    }
  });
}

/** Authenticated routes outside a workspace (the caller's own workspaces): 401 without a valid token. */
export function withUser(handler: (request: Request, ctx: UserRequestContext) => Promise<Response>) {
  return withRequestLog(async (request) => {
    const claims = await authenticateRequest(request);
    return handler(request, { claims, url: new URL(request.url) });
  });
}

/** What a workspace route's handler is given: everything checked except, for reads, the role (see withWorkspace). */
export interface WorkspaceRequestContext<Q, P, B> {
  request: Request;
  url: URL;
  claims: VerifiedClaims;
  workspaceId: string;
  query: Q;
  params: P;
  body: B;
  /** Pass to the domain's read functions ({ access }): they check the role in the same round trip as the read. */
  access: WorkspaceAccess;
  /** A user, or a workspace API key (then `claims` name no user: `sub` is `api_key:<id>`). */
  caller: Caller;
}

/** A zod schema, or a function built on one (400 on bad input). */
export interface InputParser<T> {
  parse(input: unknown): T;
}

export interface WorkspaceRouteSpec<Q, P, B> {
  /** The query string (`?workspaceId=` unless the path names the workspace). */
  query?: InputParser<Q>;
  /** The path's dynamic segments (`[workspaceId]`, `[connectionId]`, ...). */
  params?: InputParser<P>;
  /** The JSON body of a POST, PUT or PATCH, parsed after the role check. */
  body?: InputParser<B>;
  /** The least role the route needs; any member by default. */
  role?: WorkspaceRole;
  /** The scope a workspace API key needs to call the route; unset: users only (a key gets 403). */
  apiKey?: ApiKeyScope;
}

interface NextRouteContext {
  params: Promise<Record<string, string | string[] | undefined>>;
}

const READ_METHODS = new Set(['GET', 'HEAD']);
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

function workspaceIdOf(...sources: unknown[]): string {
  for (const source of sources) {
    const id = (source as { workspaceId?: unknown } | undefined)?.workspaceId;
    if (typeof id === 'string') return id;
  }
  // A route declared without a workspace id in its query or path schema: a bug, not bad input.
  throw new Error('withWorkspace: neither the query nor the path schema yields workspaceId');
}

/**
 * Every workspace-scoped route: authenticates a user or an API key (401), parses path and query with their schemas
 * (400), checks membership and role once (403), parses the body (400) and hands the handler
 * `{ workspaceId, claims, query, params, body, access }`. Errors become the JSON error shape.
 *
 * The check costs no round trip of its own on reads: a GET's handler passes `access` to the
 * domain read, which learns the caller's role from the statement that sets the claims. A GET that
 * made no such read is checked after it (and answers 403 instead, discarding what it read; a
 * GET changes nothing). Other methods change things, so they are checked before the handler runs.
 */
export function withWorkspace<Q = { workspaceId: string }, P = Record<string, never>, B = undefined>(
  spec: WorkspaceRouteSpec<Q, P, B>,
  handler: (ctx: WorkspaceRequestContext<Q, P, B>) => Promise<Response>,
): (request: Request, context: NextRouteContext) => Promise<Response> {
  return async (request, context) => {
    // Next hands the path's segments separately; they are awaited before the request is logged.
    const rawParams = spec.params ? await context.params : {};
    return withRequestLog(async (req: Request) => {
      const caller = await authenticateCaller(req);
      const url = new URL(req.url);
      const query = (spec.query ? spec.query.parse(Object.fromEntries(url.searchParams.entries())) : {}) as Q;
      const params = (spec.params ? spec.params.parse(rawParams) : {}) as P;
      const workspaceId = workspaceIdOf(params, query);
      const grant: ApiKeyGrant | undefined = caller.kind === 'api_key' ? { key: caller.key, scope: spec.apiKey } : undefined;
      // A key outside its workspace or scope is refused before any query.
      if (grant) requireApiKeyScope(workspaceId, grant);
      const claims: VerifiedClaims = caller.kind === 'user' ? caller.claims : { sub: `api_key:${caller.key.id}`, role: 'authenticated' };
      const access = new WorkspaceAccess(workspaceId, claims, spec.role, grant);
      const read = READ_METHODS.has(req.method);
      if (!read) await access.check();
      const body = (spec.body && BODY_METHODS.has(req.method) ? spec.body.parse(await readJsonBody(req)) : undefined) as B;
      let response: Response;
      try {
        response = await handler({ request: req, url, claims, workspaceId, query, params, body, access, caller });
      } catch (error) {
        // A non-member is told 403, whatever else went wrong in the read.
        if (!access.checked) await access.check();
        throw error;
      }
      if (!access.checked) await access.check();
      return response;
    })(request);
  };
}

function sameSecret(given: string, expected: string): boolean {
  // Hash both so lengths match and the comparison time says nothing about the secret.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Whether the request carries `Authorization: Bearer <expected>` (constant-time comparison). */
export function bearerMatches(request: Request, expected: string): boolean {
  const header = request.headers.get('authorization') ?? '';
  const token = /^Bearer\s+(.+)$/i.exec(header.trim())?.[1] ?? '';
  return sameSecret(token, expected);
}

/**
 * Vercel Cron routes: `Authorization: Bearer $CRON_SECRET`, else 401. (A development server
 * without CRON_SECRET takes the simulator's own secret instead: net/dev-stand-ins.ts.)
 */
export function withCron(handler: (request: Request) => Promise<Response>) {
  return observeRequest('cron', async (request) => {
    try {
      const secret = cronSecret();
      if (!secret) throw new AppError('unauthorized', 'Cron is not configured: set CRON_SECRET');
      if (!bearerMatches(request, secret)) throw new AppError('unauthorized', 'Invalid cron credentials');
      return await handler(request);
    } catch (error) {
      return toErrorResponse(error);
    }
  });
}
