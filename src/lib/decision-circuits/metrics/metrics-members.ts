// Workspaces and their members: a signed-in user creates a workspace and owns it; admins add,
// re-role and remove members; the database checks the acting user's role in every write and keeps
// at least one owner. Members are added by user id, or by email: an existing Supabase Auth user is
// found by address, anyone else is invited through Supabase Auth when it is configured.
import { z } from 'zod';
import { getDb, type Database } from '../../db';
import { runScoped, WORKSPACE_ROLES, type AccessOptions, type WorkspaceRole } from './metrics-access';
import { DomainError, roleRefusalFromSql, sqlState } from './metrics-errors';
import { toIso } from './metrics-rows';

export const workspaceCreateSchema = z.object({ name: z.string().trim().min(1, 'must not be empty').max(200) }).strict();

export const memberAddSchema = z
  .object({
    user_id: z.guid({ message: 'must be a UUID' }).optional(),
    email: z.email({ message: 'must be an email address' }).max(320).optional(),
    role: z.enum(WORKSPACE_ROLES, { message: `must be one of: ${WORKSPACE_ROLES.join(', ')}` }),
  })
  .strict()
  .refine((v) => (v.user_id ? 1 : 0) + (v.email ? 1 : 0) === 1, { message: 'give exactly one of user_id or email', path: ['user_id'] });
export type MemberAdd = z.output<typeof memberAddSchema>;

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
  return error;
}

export async function createWorkspace(
  actor: string,
  name: string,
  options: { db?: Database } = {},
): Promise<{ workspace_id: string; name: string; role: 'owner' }> {
  const db = options.db ?? (await getDb());
  const [row] = await db.query<{ id: string }>('select metrics_workspace_create($1, $2) as id', [actor, name]);
  return { workspace_id: row!.id, name, role: 'owner' };
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

const INVITE_TIMEOUT_MS = 10_000;

/** Invites an address through Supabase Auth's admin API; the new user's id. Null when Supabase Auth is not configured. */
export async function inviteUserByEmail(
  email: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<string | null> {
  const base = env.SUPABASE_URL?.trim().replace(/\/+$/, '');
  const serviceKey = env.SUPABASE_SERVICE_ROLE_KEY?.trim();
  if (!base || !serviceKey) return null;
  const response = await fetch(`${base}/auth/v1/invite`, {
    method: 'POST',
    headers: { apikey: serviceKey, authorization: `Bearer ${serviceKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
    signal: AbortSignal.timeout(INVITE_TIMEOUT_MS),
  });
  if (!response.ok) throw new DomainError('invalid_request', `Supabase Auth refused the invitation (${response.status})`, {});
  const body = (await response.json()) as { id?: unknown; user?: { id?: unknown } };
  const id = typeof body.id === 'string' ? body.id : typeof body.user?.id === 'string' ? body.user.id : null;
  if (!id) throw new DomainError('invalid_request', 'Supabase Auth answered the invitation without a user id', {});
  return id;
}

/** Adds (or re-roles) a member by id or email; `invited` when Supabase Auth sent an invitation. */
export async function addMember(
  actor: string,
  workspaceId: string,
  input: MemberAdd,
  options: { db?: Database; env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<{ user_id: string; role: WorkspaceRole; invited: boolean }> {
  let userId = input.user_id ?? (input.email ? await findUserIdByEmail(input.email, options) : null);
  let invited = false;
  if (!userId && input.email) {
    userId = await inviteUserByEmail(input.email, options.env);
    invited = userId !== null;
  }
  if (!userId) {
    throw new DomainError(
      'not_found',
      'No user with that email, and invitations need Supabase Auth (SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY): add the member by user_id',
      {},
    );
  }
  await setMemberRole(actor, workspaceId, userId, input.role, options);
  return { user_id: userId, role: input.role, invited };
}
