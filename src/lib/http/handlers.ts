// Route wrappers: auth and error mapping written once (dub's withWorkspace / withCron idea).
import { timingSafeEqual, createHash } from 'node:crypto';
import type { z } from 'zod';
import { authenticateRequest } from '../auth/request-auth';
import type { VerifiedClaims } from '../auth/tokens';
import { assertWorkspaceMember, assertWorkspaceRole, type WorkspaceRole } from '../decision-circuits/metrics/metrics-access';
import { observeRequest } from '../observability/request-log';
import { ApiError, toErrorResponse } from './errors';

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

/** Authenticated user routes: 401 without a valid token, errors mapped to the JSON shape. */
export function withUser(handler: (request: Request, ctx: UserRequestContext) => Promise<Response>) {
  return withRequestLog(async (request) => {
    const claims = await authenticateRequest(request);
    return handler(request, { claims, url: new URL(request.url) });
  });
}

/** Parses query parameters with a zod schema; 400 naming the parameter on failure. */
export function parseQuery<S extends z.ZodType>(schema: S, url: URL): z.output<S> {
  return schema.parse(Object.fromEntries(url.searchParams.entries()));
}

/** 403 unless Postgres says the caller is a member (RLS then scopes every read). */
export async function requireMembership(workspaceId: string, claims: VerifiedClaims): Promise<void> {
  await assertWorkspaceMember(workspaceId, claims);
}

/** 403 unless the caller holds at least `minimum` in the workspace (viewer < member < admin < owner). */
export async function requireRole(workspaceId: string, claims: VerifiedClaims, minimum: WorkspaceRole): Promise<void> {
  await assertWorkspaceRole(workspaceId, claims, minimum);
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

/** Vercel Cron routes: `Authorization: Bearer $CRON_SECRET`, else 401. */
export function withCron(handler: (request: Request) => Promise<Response>) {
  return observeRequest('cron', async (request) => {
    try {
      const secret = process.env.CRON_SECRET;
      if (!secret) throw new ApiError(401, 'Cron is not configured: set CRON_SECRET');
      if (!bearerMatches(request, secret)) throw new ApiError(401, 'Invalid cron credentials');
      return await handler(request);
    } catch (error) {
      return toErrorResponse(error);
    }
  });
}
