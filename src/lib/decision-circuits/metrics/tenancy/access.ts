import type { ApiKeyPrincipal, ApiKeyScope } from '../../../auth/api-keys';
import {
  API_KEY_ROLE,
  getDb,
  pipelineAsUser,
  withUserContext,
  type Database,
  type Queryable,
  type Statement,
  type UserContext,
} from '../../../db';
import { ForbiddenWorkspaceError, InsufficientRoleError, InsufficientScopeError } from '../core/errors';

/** Workspace roles, weakest first: each may do what the ones before it may. */
export const WORKSPACE_ROLES = ['viewer', 'member', 'admin', 'owner'] as const;
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];

type Claims = Readonly<Record<string, unknown>>;

/**
 * 403 unless `role` (as Postgres reported it; null for a non-member) is at least `minimum`
 * (viewer < member < admin < owner).
 */
export function requireWorkspaceRole(workspaceId: string, role: string | null, minimum: WorkspaceRole): WorkspaceRole {
  const held = WORKSPACE_ROLES.find((r) => r === role);
  if (!held) throw new ForbiddenWorkspaceError(workspaceId);
  if (WORKSPACE_ROLES.indexOf(held) < WORKSPACE_ROLES.indexOf(minimum)) throw new InsufficientRoleError(workspaceId, minimum, held);
  return held;
}

/** What a route grants a workspace API key: the scope it needs, or nothing (users only). */
export interface ApiKeyGrant {
  key: ApiKeyPrincipal;
  /** The scope the route needs from a key; undefined: keys may not call it. */
  scope: ApiKeyScope | undefined;
}

/**
 * 403 unless the key may call the route (it holds the route's scope) in this workspace (its own).
 * Answered before any query; the database checks the key again when it runs one.
 */
export function requireApiKeyScope(workspaceId: string, grant: ApiKeyGrant): void {
  if (grant.key.workspaceId !== workspaceId) throw new ForbiddenWorkspaceError(workspaceId);
  if (!grant.scope) throw new InsufficientScopeError(workspaceId, null, grant.key.scopes);
  if (!grant.key.scopes.includes(grant.scope)) throw new InsufficientScopeError(workspaceId, grant.scope, grant.key.scopes);
}

/**
 * One request's claim on one workspace: who, where and the least role it needs (or, for an API
 * key, the scope it needs: see ApiKeyGrant). Checked once: by
 * the first read made with it (the role arrives in the same round trip as the rows), or by
 * check() when there is no such read, e.g. before a write.
 */
export class WorkspaceAccess {
  private outcome: { role: WorkspaceRole } | { refusal: unknown } | null = null;

  /** For the database: the key whose hash it checks (see UserContext). */
  readonly apiKey: { id: string; secretHash: string } | undefined;

  constructor(
    readonly workspaceId: string,
    readonly claims: Claims,
    readonly minimum: WorkspaceRole = 'viewer',
    private readonly grant?: ApiKeyGrant,
  ) {
    this.apiKey = grant ? { id: grant.key.id, secretHash: grant.key.secretHash } : undefined;
  }

  /** Whether Postgres has answered (and the answer was judged). */
  get checked(): boolean {
    return this.outcome !== null;
  }

  /** Judges the role Postgres reported, once; throws the 403 errors when it falls short. */
  accept(role: string | null): WorkspaceRole {
    if (!this.outcome) {
      try {
        this.outcome = { role: this.judge(role) };
      } catch (refusal) {
        this.outcome = { refusal };
      }
    }
    if ('refusal' in this.outcome) throw this.outcome.refusal;
    return this.outcome.role;
  }

  private judge(role: string | null): WorkspaceRole {
    if (!this.grant) return requireWorkspaceRole(this.workspaceId, role, this.minimum);
    // A key has no member role: the database confirmed it is live in this workspace, and the scope
    // was checked before. It reads as a viewer does (the admin-only policies stay closed to it).
    requireApiKeyScope(this.workspaceId, this.grant);
    if (role !== API_KEY_ROLE) throw new ForbiddenWorkspaceError(this.workspaceId);
    return 'viewer';
  }

  /** One round trip, unless a read already checked. */
  async check(db?: Database): Promise<WorkspaceRole> {
    const role = this.outcome ? null : (await pipelineAsUser(db ?? (await getDb()), this, [])).role;
    // Once judged, the first answer stands and the argument is not looked at.
    return this.accept(role);
  }
}

/** How a library call reaches the data: as a user (RLS decides) or as the service. */
export interface AccessOptions {
  db?: Database;
  /**
   * Verified JWT claims of the caller. Present: the query runs as role `authenticated` and
   * row-level security hides every other workspace. Absent: the trusted service path (cron,
   * CX09 on the server), which still filters by workspace_id explicitly.
   */
  claims?: Claims;
  /**
   * With claims: answer 403 (ForbiddenWorkspaceError) instead of an empty result when the caller
   * is not a member. Answered by the statement that sets the claims, so it costs nothing extra.
   */
  requireMembership?: boolean;
  /** A request's checked (or still to be checked) access: claims and role check in one. */
  access?: WorkspaceAccess;
}

function userOf(workspaceId: string, options: AccessOptions): UserContext | null {
  if (options.access) {
    // A read for another workspace than the one checked would be a bug in the caller.
    if (options.access.workspaceId !== workspaceId) throw new ForbiddenWorkspaceError(workspaceId);
    return { claims: options.access.claims, workspaceId, apiKey: options.access.apiKey };
  }
  return options.claims ? { claims: options.claims, workspaceId } : null;
}

function enforce(workspaceId: string, options: AccessOptions, role: string | null): void {
  if (options.access) options.access.accept(role);
  else if (options.requireMembership && role === null) throw new ForbiddenWorkspaceError(workspaceId);
}

/** Runs fn as the caller (or as the service without claims), in one transaction. */
export async function runScoped<T>(workspaceId: string, options: AccessOptions, fn: (q: Queryable) => Promise<T>): Promise<T> {
  const db = options.db ?? (await getDb());
  const user = userOf(workspaceId, options);
  if (!user) return fn(db);
  return withUserContext(db, user, async (q, role) => {
    enforce(workspaceId, options, role);
    return fn(q);
  });
}

/**
 * Independent read statements as the caller (or as the service without claims), in one
 * transaction sent as one round trip, the access check included. Each statement's rows, in order.
 */
export async function readScoped(
  workspaceId: string,
  options: AccessOptions,
  statements: readonly Statement[],
): Promise<Record<string, unknown>[][]> {
  const db = options.db ?? (await getDb());
  const user = userOf(workspaceId, options);
  if (!user) return db.pipeline(statements);
  const { role, results } = await pipelineAsUser(db, user, statements);
  enforce(workspaceId, options, role);
  return results;
}

/** Asks Postgres (not application code) whether the caller may act in this workspace. */
export async function isWorkspaceMember(workspaceId: string, claims: Claims, db?: Database): Promise<boolean> {
  const { role } = await pipelineAsUser(db ?? (await getDb()), { claims, workspaceId }, []);
  return role !== null;
}

export async function assertWorkspaceMember(workspaceId: string, claims: Claims, db?: Database): Promise<void> {
  if (!(await isWorkspaceMember(workspaceId, claims, db))) throw new ForbiddenWorkspaceError(workspaceId);
}

/**
 * 403 unless the caller is a member with at least `minimum` (viewer < member < admin < owner).
 * Postgres answers (get_current_workspace_role), as it does for membership.
 */
export async function assertWorkspaceRole(
  workspaceId: string,
  claims: Claims,
  minimum: WorkspaceRole,
  db?: Database,
): Promise<WorkspaceRole> {
  return new WorkspaceAccess(workspaceId, claims, minimum).check(db);
}
