// Domain errors: each names what went wrong with a code; the HTTP layer alone decides the status
// (src/lib/http/errors.ts maps codes to answers), and a library caller such as CX09 gets the same
// codes. Nothing here knows about HTTP.

export const DOMAIN_ERROR_CODES = [
  'invalid_request',
  'signature_invalid',
  'forbidden',
  'insufficient_role',
  'insufficient_scope',
  'unknown_workspace',
  'not_found',
  'conflict',
  'gone',
  'too_many_requests',
  'encryption_not_configured',
  'claim_not_proven',
  'provider_unreachable',
  'outbound_url_refused',
  'alert_channel_limit',
  'alert_channel_rate_limited',
  'encryption_keys_malformed',
] as const;
export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

const DOMAIN_ERROR_BRAND = Symbol.for('decision-circuits.DomainError');

export class DomainError extends Error {
  readonly [DOMAIN_ERROR_BRAND] = true;
  readonly code: DomainErrorCode;
  readonly context: Readonly<Record<string, unknown>>;
  /** Hints for a retry (e.g. `retry-after` seconds), which the HTTP layer sends as headers. */
  readonly hints: Readonly<Record<string, string>>;
  constructor(code: DomainErrorCode, message: string, context: Record<string, unknown> = {}, hints: Record<string, string> = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.context = context;
    this.hints = hints;
  }
}

/** instanceof across bundler chunks can fail when a module is loaded twice; the brand cannot. */
export function isDomainError(error: unknown): error is DomainError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[DOMAIN_ERROR_BRAND] === true;
}

export class UnknownWorkspaceError extends DomainError {
  constructor(workspaceId: string) {
    super('unknown_workspace', 'Unknown workspace', { workspace_id: workspaceId });
    this.name = 'UnknownWorkspaceError';
  }
}

export class ForbiddenWorkspaceError extends DomainError {
  constructor(workspaceId: string) {
    super('forbidden', 'Not a member of this workspace', { workspace_id: workspaceId });
    this.name = 'ForbiddenWorkspaceError';
  }
}

export class ConnectionConflictError extends DomainError {
  constructor() {
    // Only ever about the caller's own workspace: claims in other workspaces never conflict.
    super('conflict', 'This workspace already has a connection for this account');
    this.name = 'ConnectionConflictError';
  }
}

export class UnknownAbTestError extends DomainError {
  constructor(workspaceId: string, abTestId: string) {
    super('not_found', 'Unknown A/B test: neither registered nor seen in any rollup of this workspace', {
      workspace_id: workspaceId,
      ab_test_id: abTestId,
    });
    this.name = 'UnknownAbTestError';
  }
}

export class InsufficientRoleError extends DomainError {
  constructor(workspaceId: string, required: string, actual: string) {
    super('insufficient_role', `This needs the ${required} role or above in this workspace`, {
      workspace_id: workspaceId,
      required_role: required,
      role: actual,
    });
    this.name = 'InsufficientRoleError';
  }
}

/** A database error's SQLSTATE, when it has one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The write functions check the acting user's role themselves and refuse with 42501 ("this needs
 * the <role> role or above", or an ownership rule): the same refusal as the API's, or null.
 */
export function roleRefusalFromSql(error: unknown, workspaceId: string): InsufficientRoleError | null {
  if (sqlState(error) !== '42501') return null;
  const message = String((error as { message?: unknown }).message ?? '');
  const required = /needs the (\w+) role/.exec(message)?.[1] ?? (/owner/.test(message) ? 'owner' : 'admin');
  return new InsufficientRoleError(workspaceId, required, String((error as { detail?: unknown }).detail ?? 'none'));
}

/** Postgres said the workspace does not exist: our own raise (P0002) or a foreign key (23503). */
export function isUnknownWorkspaceSqlError(error: unknown): boolean {
  const code = sqlState(error);
  if (code === 'P0002') return true;
  if (code === '23503') {
    const detail = String((error as { detail?: unknown; constraint_name?: unknown; constraint?: unknown }).detail ?? '');
    return detail.includes('workspaces');
  }
  return false;
}

export class InsufficientScopeError extends DomainError {
  /** required null: the route takes no API key at all (a user's session only). */
  constructor(workspaceId: string, required: string | null, held: readonly string[]) {
    super(
      'insufficient_scope',
      required ? `This API key lacks the ${required} scope` : "API keys may not call this route: it needs a user's session",
      { workspace_id: workspaceId, required_scope: required, scopes: [...held] },
    );
    this.name = 'InsufficientScopeError';
  }
}
