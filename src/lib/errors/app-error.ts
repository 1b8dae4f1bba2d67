// The one error type: every refusal a caller can act on names what went wrong with a code.
// Thrown by the domain, auth and the HTTP layer alike; src/lib/http/errors.ts alone turns a code
// into a status, and library callers (CX09) get the same codes. Nothing here knows about HTTP.

export const ERROR_CODES = [
  'invalid_request',
  'unauthorized',
  'signature_invalid',
  'forbidden',
  'insufficient_role',
  'insufficient_scope',
  'unknown_workspace',
  'not_found',
  'method_not_allowed',
  'request_timeout',
  'conflict',
  'gone',
  'payload_too_large',
  'unsupported_media_type',
  'claim_not_proven',
  'too_many_requests',
  'alert_channel_limit',
  'alert_channel_rate_limited',
  'outbound_url_refused',
  'provider_unreachable',
  'encryption_not_configured',
  'encryption_keys_malformed',
  'not_configured',
  'database_unavailable',
  'database_misconfigured',
  'internal_error',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

const APP_ERROR_BRAND = Symbol.for('decision-circuits.AppError');

export class AppError extends Error {
  readonly [APP_ERROR_BRAND] = true;
  readonly code: ErrorCode;
  /** Extra JSON fields of the answer (ids, limits), after `error` and `code`. */
  readonly context: Readonly<Record<string, unknown>>;
  /** Hints for the caller (e.g. `retry-after` seconds, `www-authenticate`), sent as headers. */
  readonly hints: Readonly<Record<string, string>>;
  constructor(code: ErrorCode, message: string, context: Record<string, unknown> = {}, hints: Record<string, string> = {}) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.context = context;
    this.hints = hints;
  }
}

/** instanceof across bundler chunks can fail when a module is loaded twice; the brand cannot. */
export function isAppError(error: unknown): error is AppError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[APP_ERROR_BRAND] === true;
}
