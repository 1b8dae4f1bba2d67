import { getDb, withUserContext, type Database, type Queryable } from '../../db';
import { ForbiddenWorkspaceError, InsufficientRoleError } from './metrics-errors';

/** Workspace roles, weakest first: each may do what the ones before it may. */
export const WORKSPACE_ROLES = ['viewer', 'member', 'admin', 'owner'] as const;
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];

/** How a library call reaches the data: as a user (RLS decides) or as the service. */
export interface AccessOptions {
  db?: Database;
  /**
   * Verified JWT claims of the caller. Present: the query runs as role `authenticated` and
   * row-level security hides every other workspace. Absent: the trusted service path (cron,
   * CX09 on the server), which still filters by workspace_id explicitly.
   */
  claims?: Readonly<Record<string, unknown>>;
  /**
   * With claims: answer 403 (ForbiddenWorkspaceError) instead of an empty result when the caller
   * is not a member. Checked inside the same transaction as the read, so it costs one query.
   */
  requireMembership?: boolean;
}

export async function runScoped<T>(workspaceId: string, options: AccessOptions, fn: (q: Queryable) => Promise<T>): Promise<T> {
  const db = options.db ?? (await getDb());
  if (!options.claims) return fn(db);
  return withUserContext(db, { claims: options.claims, workspaceId }, async (q) => {
    if (options.requireMembership) {
      const [row] = await q.query<{ member: boolean }>('select get_current_workspace_id() is not null as member');
      if (row?.member !== true) throw new ForbiddenWorkspaceError(workspaceId);
    }
    return fn(q);
  });
}

/** Asks Postgres (not application code) whether the caller may act in this workspace. */
export async function isWorkspaceMember(workspaceId: string, claims: Readonly<Record<string, unknown>>, db?: Database): Promise<boolean> {
  const database = db ?? (await getDb());
  const rows = await withUserContext(database, { claims, workspaceId }, (q) =>
    q.query<{ member: boolean }>('select get_current_workspace_id() is not null as member'),
  );
  return rows[0]?.member === true;
}

export async function assertWorkspaceMember(workspaceId: string, claims: Readonly<Record<string, unknown>>, db?: Database): Promise<void> {
  if (!(await isWorkspaceMember(workspaceId, claims, db))) throw new ForbiddenWorkspaceError(workspaceId);
}

/**
 * 403 unless the caller is a member with at least `minimum` (viewer < member < admin < owner).
 * Postgres answers (get_current_workspace_role), as it does for membership.
 */
export async function assertWorkspaceRole(
  workspaceId: string,
  claims: Readonly<Record<string, unknown>>,
  minimum: WorkspaceRole,
  db?: Database,
): Promise<WorkspaceRole> {
  const database = db ?? (await getDb());
  const [row] = await withUserContext(database, { claims, workspaceId }, (q) =>
    q.query<{ role: string | null }>('select get_current_workspace_role() as role'),
  );
  const role = WORKSPACE_ROLES.find((r) => r === row?.role);
  if (!role) throw new ForbiddenWorkspaceError(workspaceId);
  if (WORKSPACE_ROLES.indexOf(role) < WORKSPACE_ROLES.indexOf(minimum)) throw new InsufficientRoleError(workspaceId, minimum, role);
  return role;
}
