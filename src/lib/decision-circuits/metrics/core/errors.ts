// Domain errors: the one error type with a code (src/lib/errors/app-error.ts), under the name the
// library's callers know; the HTTP layer alone decides the status (src/lib/http/errors.ts maps
// codes to answers), and a library caller such as CX09 gets the same codes.
import { AppError } from '../../../errors/app-error';

export { AppError as DomainError, isAppError as isDomainError } from '../../../errors/app-error';

export class UnknownWorkspaceError extends AppError {
  constructor(workspaceId: string) {
    super('unknown_workspace', 'Unknown workspace', { workspace_id: workspaceId });
    this.name = 'UnknownWorkspaceError';
  }
}

export class ForbiddenWorkspaceError extends AppError {
  constructor(workspaceId: string) {
    super('forbidden', 'Not a member of this workspace', { workspace_id: workspaceId });
    this.name = 'ForbiddenWorkspaceError';
  }
}

export class ConnectionConflictError extends AppError {
  constructor() {
    // Only ever about the caller's own workspace: claims in other workspaces never conflict.
    super('conflict', 'This workspace already has a connection for this account');
    this.name = 'ConnectionConflictError';
  }
}

export class UnknownAbTestError extends AppError {
  constructor(workspaceId: string, abTestId: string) {
    super('not_found', 'Unknown A/B test: neither registered nor seen in any rollup of this workspace', {
      workspace_id: workspaceId,
      ab_test_id: abTestId,
    });
    this.name = 'UnknownAbTestError';
  }
}

export class InsufficientRoleError extends AppError {
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

export class InsufficientScopeError extends AppError {
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
