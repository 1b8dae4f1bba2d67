import { ZodError } from 'zod';
import { isDatabaseUnavailable, isDataException, type DatabaseUnavailableError } from '../db/errors';
import { DATABASE_ROLE_DOCS, isDatabaseRoleError } from '../db/role-check';
import { isDomainError, type DomainErrorCode } from '../decision-circuits/metrics/core/errors';
import { describeError, getLogger } from '../observability/logger';
import { annotateRequest, currentRequestId } from '../observability/request-log';
import { describeZodError } from '../validation/zod-issues';
import { jsonResponse } from './json-response';

export { describeZodError } from '../validation/zod-issues';

/** The one table from a domain error's code to the HTTP status it answers with. */
export const DOMAIN_ERROR_STATUS: Readonly<Record<DomainErrorCode, number>> = {
  invalid_request: 400,
  signature_invalid: 401,
  forbidden: 403,
  insufficient_role: 403,
  insufficient_scope: 403,
  unknown_workspace: 404,
  not_found: 404,
  conflict: 409,
  gone: 410,
  too_many_requests: 429,
  encryption_not_configured: 503,
  claim_not_proven: 422,
  provider_unreachable: 502,
  outbound_url_refused: 400,
  alert_channel_limit: 409,
  alert_channel_rate_limited: 429,
  encryption_keys_malformed: 503,
};

const API_ERROR_BRAND = Symbol.for('decision-circuits.ApiError');

/** An error a caller can act on: carries the HTTP status and extra JSON context. */
export class ApiError extends Error {
  readonly [API_ERROR_BRAND] = true;
  readonly status: number;
  readonly context: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string>>;
  constructor(status: number, message: string, context: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.context = context;
    this.headers = headers;
  }
}

/** instanceof across bundler chunks can fail when a module is loaded twice; the brand cannot. */
export function isApiError(error: unknown): error is ApiError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[API_ERROR_BRAND] === true;
}

/** The release notes' error shape: `{ error, ...context, timestamp }`. */
export function errorResponse(
  status: number,
  message: string,
  context: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response {
  return jsonResponse(
    { error: message, ...context, timestamp: new Date().toISOString() },
    { status, headers: { 'cache-control': 'no-store', ...headers } },
  );
}

/** "DatabaseUnavailableError: queue full ← Error ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:5432", bounded. */
export function unavailableCause(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error, depth = 0; current !== undefined && current !== null && depth < 3; depth += 1) {
    const { name, message } = describeError(current);
    const code = (current as { code?: unknown }).code;
    parts.push(`${name}${typeof code === 'string' && code !== '' ? ` ${code}` : ''}: ${message}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(' ← ').slice(0, 500);
}

/** Maps anything thrown below a route to a JSON answer; only genuine bugs become 500. */
export function toErrorResponse(error: unknown, context: Record<string, unknown> = {}): Response {
  if (isApiError(error)) {
    return errorResponse(error.status, error.message, { ...context, ...error.context }, error.headers);
  }
  if (isDomainError(error)) {
    return errorResponse(DOMAIN_ERROR_STATUS[error.code], error.message, { ...context, ...error.context }, error.hints);
  }
  if (error instanceof ZodError || (error as { name?: unknown } | null)?.name === 'ZodError') {
    const { message, issues } = describeZodError(error as ZodError);
    return errorResponse(400, message, { ...context, issues });
  }
  if (isDatabaseRoleError(error)) {
    annotateRequest({ unavailable_cause: `database role misconfigured: ${error.problems.join('; ')}`.slice(0, 500) });
    // Named, so an operator sees the cause on the first failed delivery; the role name stays in the log.
    return errorResponse(
      503,
      'Database role misconfigured: the app cannot serve requests until it is fixed',
      {
        ...context,
        problems: error.problems,
        docs: DATABASE_ROLE_DOCS,
      },
      { 'retry-after': String(error.retryAfterSeconds) },
    );
  }
  if (isDatabaseUnavailable(error)) {
    const retryAfter = (error as Partial<DatabaseUnavailableError>).retryAfterSeconds ?? 5;
    annotateRequest({ unavailable_cause: unavailableCause(error) });
    return errorResponse(503, 'Database unavailable; retry later', context, { 'retry-after': String(retryAfter) });
  }
  if (isDataException(error)) {
    const { code, message } = error as { code: string; message?: unknown };
    annotateRequest({ error: `data exception ${code}` });
    // PostgreSQL's own words name the value it refused (e.g. "date/time field value out of range").
    return errorResponse(400, `Invalid value: ${String(message ?? 'refused by the database').slice(0, 200)}`, {
      ...context,
      sqlstate: code,
    });
  }
  const described = describeError(error);
  annotateRequest({ error: described.name });
  getLogger().error({ request_id: currentRequestId(), err: described }, 'unhandled error');
  return errorResponse(500, 'Internal error', context);
}

/** JSON 405 for the methods a route does not serve (Next's default 405 has no body). */
export function methodNotAllowed(allowed: readonly string[]): () => Response {
  return () => errorResponse(405, `Method not allowed; use ${allowed.join(' or ')}`, {}, { allow: allowed.join(', ') });
}
