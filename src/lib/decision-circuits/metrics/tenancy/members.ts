// Workspaces and their members: a signed-in user creates a workspace and owns it; admins re-role
// and remove members; the database checks the acting user's role in every write and keeps at
// least one owner. Nobody is added without consent: new members come through invitations
// (metrics-invitations.ts), and only the operator's command line adds someone directly.
import { z } from 'zod';
import { getDb, type Database } from '../../../db';
import { runScoped, WORKSPACE_ROLES, type AccessOptions, type WorkspaceRole } from './access';
import { DomainError, roleRefusalFromSql, sqlState } from '../core/errors';
import { toIso } from '../core/rows';

export const workspaceCreateSchema = z.object({ name: z.string().trim().min(1, 'must not be empty').max(200) }).strict();

export const memberRoleSchema = z
  .object({ role: z.enum(WORKSPACE_ROLES, { message: `must be one of: ${WORKSPACE_ROLES.join(', ')}` }) })
  .strict();

export interface WorkspaceMember {
  user_id: string;
  role: WorkspaceRole;
  email: string | null;
  joined_at: string | null;
}

/** The database's refusals, as the API says them. */
function mapMemberError(error: unknown, workspaceId: string): unknown {
  const refusal = roleRefusalFromSql(error, workspaceId);
  if (refusal) return refusal;
  const state = sqlState(error);
  if (state === '23514') return new DomainError('conflict', 'A workspace keeps at least one owner', { workspace_id: workspaceId });
  if (state === '23503') return new DomainError('not_found', 'Unknown workspace', { workspace_id: workspaceId });
  if (state === 'P0002')
    return new DomainError('not_found', 'Not a member of this workspace: invite them instead', { workspace_id: workspaceId });
  return error;
}

/** Workspaces one user may own unless METRICS_MAX_WORKSPACES_PER_USER says otherwise. */
export const DEFAULT_MAX_WORKSPACES_PER_USER = 20;

export function maxWorkspacesPerUser(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const parsed = Number(env.METRICS_MAX_WORKSPACES_PER_USER);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : DEFAULT_MAX_WORKSPACES_PER_USER;
}

/** Creates a workspace the actor owns; `conflict` once they own the cap (counted under a lock per actor). */
export async function createWorkspace(
  actor: string,
  name: string,
  options: { db?: Database; maxOwned?: number } = {},
): Promise<{ workspace_id: string; name: string; role: 'owner' }> {
  const db = options.db ?? (await getDb());
  const maxOwned = options.maxOwned ?? maxWorkspacesPerUser();
  try {
    const [row] = await db.query<{ id: string }>('select metrics_workspace_create_capped($1, $2, $3) as id', [actor, name, maxOwned]);
    return { workspace_id: row!.id, name, role: 'owner' };
  } catch (error) {
    if (sqlState(error) === '23514' && (error as { detail?: unknown }).detail === 'workspace_cap') {
      throw new DomainError('conflict', `You already own ${maxOwned} workspaces, the most one user may own`, {
        max_workspaces: maxOwned,
      });
    }
    throw error;
  }
}

/** Makes a workspace the caller's default (the one the dashboard opens); membership required. */
export async function setDefaultWorkspace(actor: string, workspaceId: string, options: { db?: Database } = {}): Promise<void> {
  const db = options.db ?? (await getDb());
  try {
    await db.query('select metrics_workspace_set_default($1, $2)', [actor, workspaceId]);
  } catch (error) {
    throw mapMemberError(error, workspaceId);
  }
}

/** Everyone in the workspace, as the caller sees them under RLS (members see their co-members). */
export async function listMembers(workspaceId: string, options: AccessOptions = {}): Promise<WorkspaceMember[]> {
  return runScoped(workspaceId, options, async (q) => {
    const rows = await q.query(
      `select user_id, role, created_at from workspace_members where workspace_id = $1 order by created_at, user_id`,
      [workspaceId],
    );
    return rows.map((row) => ({
      user_id: String(row.user_id),
      role: row.role as WorkspaceRole,
      email: null,
      joined_at: toIso(row.created_at),
    }));
  });
}

export async function setMemberRole(
  actor: string,
  workspaceId: string,
  userId: string,
  role: WorkspaceRole,
  options: { db?: Database } = {},
): Promise<void> {
  const db = options.db ?? (await getDb());
  try {
    await db.query('select metrics_member_set_role($1, $2, $3, $4)', [actor, workspaceId, userId, role]);
  } catch (error) {
    throw mapMemberError(error, workspaceId);
  }
}

export async function removeMember(actor: string, workspaceId: string, userId: string, options: { db?: Database } = {}): Promise<boolean> {
  const db = options.db ?? (await getDb());
  try {
    const [row] = await db.query<{ removed: boolean }>('select metrics_member_remove($1, $2, $3) as removed', [actor, workspaceId, userId]);
    return row?.removed === true;
  } catch (error) {
    throw mapMemberError(error, workspaceId);
  }
}

/** A Supabase Auth user by email (the auth schema exists only on Supabase); null when unknown or not Supabase. */
export async function findUserIdByEmail(email: string, options: { db?: Database } = {}): Promise<string | null> {
  const db = options.db ?? (await getDb());
  const [exists] = await db.query<{ present: boolean }>(`select to_regclass('auth.users') is not null as present`);
  if (!exists?.present) return null;
  const [row] = await db.query<{ id: string }>('select id from auth.users where lower(email) = lower($1) limit 1', [email]);
  return row?.id ?? null;
}
