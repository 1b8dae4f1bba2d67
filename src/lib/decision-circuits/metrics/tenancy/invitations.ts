// Invitations: the only way in to a workspace someone else runs. An admin invites an email
// address with a role; the person signed in with that verified address sees it, and accepts
// (becoming a member with that role) or declines. The answer to an invitation is the same whether
// or not the address has an account, so inviting tells nothing about who is signed up. The TTL
// and the hourly limit per workspace are enforced by the database.
import { z } from 'zod';
import { getDb, positiveIntSetting, type Database } from '../../../db';
import { runScoped, WORKSPACE_ROLES, type AccessOptions, type WorkspaceRole } from './access';
import { DomainError, roleRefusalFromSql, sqlState } from '../core/errors';
import { toIso } from '../core/rows';

type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_INVITATIONS_PER_HOUR = 50;
export const DEFAULT_INVITATION_TTL_SECONDS = 7 * 24 * 3600;

/** METRICS_INVITATIONS_PER_HOUR and METRICS_INVITATION_TTL_SECONDS, with their defaults. */
export function invitationSettings(env: Env = process.env): { perHour: number; ttlSeconds: number } {
  return {
    perHour: positiveIntSetting(env.METRICS_INVITATIONS_PER_HOUR, DEFAULT_INVITATIONS_PER_HOUR),
    ttlSeconds: positiveIntSetting(env.METRICS_INVITATION_TTL_SECONDS, DEFAULT_INVITATION_TTL_SECONDS),
  };
}

const roleSchema = z.enum(WORKSPACE_ROLES, { message: `must be one of: ${WORKSPACE_ROLES.join(', ')}` });

export const invitationCreateSchema = z
  .object({
    email: z
      .string()
      .trim()
      .max(320)
      .pipe(z.email({ message: 'must be an email address' }))
      .transform((email) => email.toLowerCase()),
    role: roleSchema,
  })
  .strict();
export type InvitationCreate = z.output<typeof invitationCreateSchema>;

export type InvitationStatus = 'pending' | 'accepted' | 'declined' | 'revoked' | 'expired';

/** An invitation as its workspace's admins see it. */
export interface WorkspaceInvitation {
  invitation_id: string;
  workspace_id: string;
  email: string;
  role: WorkspaceRole;
  status: InvitationStatus;
  invited_by: string;
  created_at: string | null;
  expires_at: string | null;
}

/** An invitation as the invitee sees it: which workspace, and who asked. */
export interface ReceivedInvitation {
  invitation_id: string;
  workspace_id: string;
  workspace_name: string;
  role: WorkspaceRole;
  invited_by: string;
  created_at: string | null;
  expires_at: string | null;
}

function toInvitation(row: Record<string, unknown>): WorkspaceInvitation {
  return {
    invitation_id: String(row.id),
    workspace_id: String(row.workspace_id),
    email: String(row.email),
    role: row.role as WorkspaceRole,
    status: row.status as InvitationStatus,
    invited_by: String(row.invited_by),
    created_at: toIso(row.created_at),
    expires_at: toIso(row.expires_at),
  };
}

function mapCreateError(error: unknown, workspaceId: string): unknown {
  const refusal = roleRefusalFromSql(error, workspaceId);
  if (refusal) return refusal;
  if (sqlState(error) === '54000') {
    const retryAfter = String((error as { detail?: unknown }).detail ?? '3600');
    return new DomainError(
      'too_many_requests',
      'Too many invitations from this workspace in the last hour; try again later',
      { workspace_id: workspaceId },
      { 'retry-after': /^\d+$/.test(retryAfter) ? retryAfter : '3600' },
    );
  }
  return error;
}

/** Invites an address with a role (admin or owner; only an owner invites an owner). */
export async function createInvitation(
  actor: string,
  workspaceId: string,
  input: InvitationCreate,
  options: { db?: Database; env?: Env } = {},
): Promise<WorkspaceInvitation> {
  const db = options.db ?? (await getDb());
  const { perHour, ttlSeconds } = invitationSettings(options.env);
  try {
    const [row] = await db.query('select * from metrics_invitation_create($1, $2, $3, $4, $5, $6)', [
      actor,
      workspaceId,
      input.email,
      input.role,
      ttlSeconds,
      perHour,
    ]);
    return toInvitation(row!);
  } catch (error) {
    throw mapCreateError(error, workspaceId);
  }
}

/** The workspace's pending, unexpired invitations, read as the caller under RLS (admins see them). */
export async function listPendingInvitations(workspaceId: string, options: AccessOptions = {}): Promise<WorkspaceInvitation[]> {
  return runScoped(workspaceId, options, async (q) => {
    const rows = await q.query(
      `select * from metrics_workspace_invitations
       where workspace_id = $1 and status = 'pending' and expires_at > now()
       order by created_at, id`,
      [workspaceId],
    );
    return rows.map(toInvitation);
  });
}

export async function revokeInvitation(
  actor: string,
  workspaceId: string,
  invitationId: string,
  options: { db?: Database } = {},
): Promise<boolean> {
  const db = options.db ?? (await getDb());
  try {
    const [row] = await db.query<{ revoked: boolean }>('select metrics_invitation_revoke($1, $2, $3) as revoked', [
      actor,
      workspaceId,
      invitationId,
    ]);
    return row?.revoked === true;
  } catch (error) {
    throw roleRefusalFromSql(error, workspaceId) ?? error;
  }
}

/** The caller's own pending invitations, matched by their verified email. */
export async function listReceivedInvitations(
  actor: string,
  claimedEmail: string | undefined,
  options: { db?: Database } = {},
): Promise<ReceivedInvitation[]> {
  const db = options.db ?? (await getDb());
  const rows = await db.query('select * from metrics_invitations_for_invitee($1, $2)', [actor, claimedEmail ?? null]);
  return rows.map((row) => ({
    invitation_id: String(row.invitation_id),
    workspace_id: String(row.workspace_id),
    workspace_name: String(row.workspace_name),
    role: row.role as WorkspaceRole,
    invited_by: String(row.invited_by),
    created_at: toIso(row.created_at),
    expires_at: toIso(row.expires_at),
  }));
}

export type InvitationAnswer = 'accept' | 'decline';

/** Accepts or declines one of the caller's invitations: 404 for anyone else's, 410 once expired or revoked, 409 once answered. */
export async function answerInvitation(
  actor: string,
  claimedEmail: string | undefined,
  invitationId: string,
  answer: InvitationAnswer,
  options: { db?: Database } = {},
): Promise<{ invitation_id: string; workspace_id: string; role: WorkspaceRole; status: 'accepted' | 'declined' }> {
  const db = options.db ?? (await getDb());
  let row: { outcome: string; workspace_id: string; role: string } | undefined;
  try {
    [row] = await db.query<{ outcome: string; workspace_id: string; role: string }>(
      'select * from metrics_invitation_respond($1, $2, $3, $4)',
      [actor, claimedEmail ?? null, invitationId, answer === 'accept'],
    );
  } catch (error) {
    const state = sqlState(error);
    if (state === 'P0002') throw new DomainError('not_found', 'Unknown invitation', { invitation_id: invitationId });
    if (state === '42501')
      throw new DomainError('forbidden', 'Invitations are answered by a signed-in user with a verified email address', {
        invitation_id: invitationId,
      });
    throw error;
  }
  const context = { invitation_id: invitationId };
  switch (row?.outcome) {
    case 'accepted':
    case 'declined':
      return { invitation_id: invitationId, workspace_id: row.workspace_id, role: row.role as WorkspaceRole, status: row.outcome };
    case 'expired':
      throw new DomainError('gone', 'This invitation has expired; ask for a new one', { ...context, status: 'expired' });
    case 'revoked':
      throw new DomainError('gone', 'This invitation was withdrawn', { ...context, status: 'revoked' });
    case 'already_accepted':
    case 'already_declined':
      throw new DomainError('conflict', 'This invitation was answered already', {
        ...context,
        status: row.outcome === 'already_accepted' ? 'accepted' : 'declined',
      });
    default:
      throw new Error(`metrics_invitation_respond answered ${String(row?.outcome)}`);
  }
}
