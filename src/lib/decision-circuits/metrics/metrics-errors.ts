import { ApiError } from '../../http/errors';

/** Domain errors carry their HTTP status so routes can answer them as they are. */
export class UnknownWorkspaceError extends ApiError {
  constructor(workspaceId: string) {
    super(404, 'Unknown workspace', { workspace_id: workspaceId });
    this.name = 'UnknownWorkspaceError';
  }
}

export class ForbiddenWorkspaceError extends ApiError {
  constructor(workspaceId: string) {
    super(403, 'Not a member of this workspace', { workspace_id: workspaceId });
    this.name = 'ForbiddenWorkspaceError';
  }
}

/** Domain failures by code; the status each code answers with is kept in one table here. */
const DOMAIN_ERROR_STATUS = {
  invalid_request: 400,
  not_found: 404,
  conflict: 409,
  encryption_not_configured: 503,
} as const;
export type DomainErrorCode = keyof typeof DOMAIN_ERROR_STATUS;

export class DomainError extends ApiError {
  readonly code: DomainErrorCode;
  constructor(code: DomainErrorCode, message: string, context: Record<string, unknown>) {
    super(DOMAIN_ERROR_STATUS[code], message, { code, ...context });
    this.name = 'DomainError';
    this.code = code;
  }
}

export class ConnectionConflictError extends DomainError {
  constructor() {
    super('conflict', 'This provider account is already connected to a workspace', {});
  }
}

export class UnknownAbTestError extends ApiError {
  constructor(workspaceId: string, abTestId: string) {
    super(404, 'Unknown A/B test: neither registered nor seen in any rollup of this workspace', { workspace_id: workspaceId, ab_test_id: abTestId });
    this.name = 'UnknownAbTestError';
  }
}

export class InsufficientRoleError extends ApiError {
  constructor(workspaceId: string, required: string, actual: string) {
    super(403, `This needs the ${required} role or above in this workspace`, { workspace_id: workspaceId, required_role: required, role: actual });
    this.name = 'InsufficientRoleError';
  }
}

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
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
