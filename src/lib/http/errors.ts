import { ZodError } from 'zod';
import { isDatabaseUnavailable, isDataException, type DatabaseUnavailableError } from '../db/errors';
import { DATABASE_ROLE_DOCS, isDatabaseRoleError } from '../db/role-check';
import { isAppError, type ErrorCode } from '../errors/app-error';
import { describeError, getLogger } from '../observability/logger';
import { annotateRequest, currentRequestId } from '../observability/request-log';
import { describeZodError } from '../validation/zod-issues';
import { jsonResponse } from './json-response';

export { describeZodError } from '../validation/zod-issues';
export { AppError, isAppError, type ErrorCode } from '../errors/app-error';

/** The one table from an error's code to the HTTP status it answers with. */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  invalid_request: 400,
  unauthorized: 401,
  signature_invalid: 401,
  forbidden: 403,
  insufficient_role: 403,
  insufficient_scope: 403,
  unknown_workspace: 404,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  claim_not_proven: 422,
  too_many_requests: 429,
  alert_channel_limit: 409,
  alert_channel_rate_limited: 429,
  outbound_url_refused: 400,
  provider_unreachable: 502,
  encryption_not_configured: 503,
  encryption_keys_malformed: 503,
  not_configured: 503,
  database_unavailable: 503,
  database_misconfigured: 503,
  internal_error: 500,
};

/**
 * The release notes' error shape plus the code: `{ error, code, ...context, timestamp }`, with the
 * status from the one table.
 */
export function errorResponse(
  code: ErrorCode,
  message: string,
  context: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response {
  const body: Record<string, unknown> = { error: message, code, ...context, timestamp: new Date().toISOString() };
  body.code = code; // a context field never renames the code
  return jsonResponse(body, { status: ERROR_STATUS[code], headers: { 'cache-control': 'no-store', ...headers } });
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
  if (isAppError(error)) {
    return errorResponse(error.code, error.message, { ...context, ...error.context }, error.hints);
  }
  if (error instanceof ZodError || (error as { name?: unknown } | null)?.name === 'ZodError') {
    const { message, issues } = describeZodError(error as ZodError);
    return errorResponse('invalid_request', message, { ...context, issues });
  }
  if (isDatabaseRoleError(error)) {
    annotateRequest({ unavailable_cause: `database role misconfigured: ${error.problems.join('; ')}`.slice(0, 500) });
    // Named, so an operator sees the cause on the first failed delivery; the role name stays in the log.
    return errorResponse(
      'database_misconfigured',
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
    return errorResponse('database_unavailable', 'Database unavailable; retry later', context, { 'retry-after': String(retryAfter) });
  }
  if (isDataException(error)) {
    const { code, message } = error as { code: string; message?: unknown };
    annotateRequest({ error: `data exception ${code}` });
    // PostgreSQL's own words name the value it refused (e.g. "date/time field value out of range").
    return errorResponse('invalid_request', `Invalid value: ${String(message ?? 'refused by the database').slice(0, 200)}`, {
      ...context,
      sqlstate: code,
    });
  }
  const described = describeError(error);
  annotateRequest({ error: described.name });
  getLogger().error({ request_id: currentRequestId(), err: described }, 'unhandled error');
  return errorResponse('internal_error', 'Internal error', context);
}

const notAllowedHandlers = new WeakSet<object>();

/** JSON 405 for the methods a route does not serve (Next's default 405 has no body). */
export function methodNotAllowed(allowed: readonly string[]): () => Response {
  const handler = () =>
    errorResponse('method_not_allowed', `Method not allowed; use ${allowed.join(' or ')}`, {}, { allow: allowed.join(', ') });
  notAllowedHandlers.add(handler);
  return handler;
}

/** Whether a route's export is a methodNotAllowed answer (so its contract need not describe it). */
export function isMethodNotAllowed(handler: unknown): boolean {
  return typeof handler === 'function' && notAllowedHandlers.has(handler);
}
