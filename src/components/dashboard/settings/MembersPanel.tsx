'use client';

import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { formatUtc } from '@/lib/dashboard/format';
import type { WorkspaceInvitation, WorkspaceMember } from '@/lib/decision-circuits/metrics/tenancy';
import { useApiAction } from './settings-api';
import { PanelForm } from './PanelForm';
import styles from './settings.module.css';

const ROLES = ['viewer', 'member', 'admin', 'owner'] as const;

const membersPath = (workspaceId: string, userId?: string) =>
  `/api/workspaces/${encodeURIComponent(workspaceId)}/members${userId ? `/${encodeURIComponent(userId)}` : ''}`;

/** Who is in the workspace; admins and owners invite, re-role and remove, everyone else reads. */
export function MembersPanel({
  workspaceId,
  members,
  invitations,
  canManage,
  currentUserId,
  currentEmail,
}: {
  workspaceId: string;
  members: WorkspaceMember[];
  /** Pending invitations; shown to admins and owners only. */
  invitations: WorkspaceInvitation[];
  canManage: boolean;
  currentUserId: string;
  currentEmail: string | null;
}) {
  const [announcement, setAnnouncement] = useState('');
  return (
    <div>
      {canManage ? (
        <>
          <InviteForm workspaceId={workspaceId} onDone={setAnnouncement} />
          <PendingInvitations workspaceId={workspaceId} invitations={invitations} onDone={setAnnouncement} />
        </>
      ) : (
        <p className="card notice" data-testid="members-read-only">
          Only admins and owners can invite members or change roles. Ask one of them.
        </p>
      )}
      <p role="status" className="visually-hidden" data-testid="members-announcement">
        {announcement}
      </p>
      <div className="table-scroll" role="region" aria-labelledby="members-table-title" tabIndex={0}>
        <table className="data-table stack-on-narrow" data-testid="members-table">
          <caption id="members-table-title" className="visually-hidden">
            Members of this workspace
          </caption>
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Role</th>
              <th scope="col">Joined</th>
              {canManage && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <MemberRow
                key={m.user_id}
                workspaceId={workspaceId}
                member={m}
                canManage={canManage}
                isYou={m.user_id === currentUserId}
                email={m.email ?? (m.user_id === currentUserId ? currentEmail : null)}
                onDone={setAnnouncement}
              />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function InviteForm({ workspaceId, onDone }: { workspaceId: string; onDone: (message: string) => void }) {
  const router = useRouter();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<(typeof ROLES)[number]>('member');
  const { busy, error, setError, run } = useApiAction();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const value = email.trim();
    if (!value) return setError('Enter an email address.');
    const invited = await run('submit', `/api/workspaces/${encodeURIComponent(workspaceId)}/invitations`, 'POST', { email: value, role });
    if (!invited) return;
    setEmail('');
    onDone(`${value.toLowerCase()} is invited as ${role}.`);
    router.refresh();
  }

  return (
    <PanelForm title="Invite someone" titleId="invite-member-title" testId="invite-member-form" error={error} onSubmit={submit}>
      <div className="field grow">
        <label htmlFor="invite-email">Email address</label>
        <input
          id="invite-email"
          type="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          autoComplete="off"
          spellCheck={false}
          maxLength={320}
        />
      </div>
      <div className="field">
        <label htmlFor="invite-role">Role</label>
        <select id="invite-role" value={role} onChange={(e) => setRole(e.target.value as (typeof ROLES)[number])}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <button type="submit" className="button" disabled={busy !== null}>
          {busy ? 'Inviting…' : 'Invite'}
        </button>
      </div>
      <p className="muted full">
        They join only when they accept: ask them to sign in with this address and open Settings. Only an owner may invite an owner.
      </p>
    </PanelForm>
  );
}

/** The workspace's pending invitations, each with a revoke button. */
function PendingInvitations({
  workspaceId,
  invitations,
  onDone,
}: {
  workspaceId: string;
  invitations: WorkspaceInvitation[];
  onDone: (message: string) => void;
}) {
  if (invitations.length === 0)
    return (
      <p className="muted" data-testid="no-pending-invitations">
        No pending invitations.
      </p>
    );
  return (
    <div className="table-scroll" role="region" aria-labelledby="invitations-table-title" tabIndex={0}>
      <table className="data-table stack-on-narrow" data-testid="pending-invitations">
        <caption id="invitations-table-title">Pending invitations</caption>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Expires</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {invitations.map((invitation) => (
            <PendingInvitationRow key={invitation.invitation_id} workspaceId={workspaceId} invitation={invitation} onDone={onDone} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PendingInvitationRow({
  workspaceId,
  invitation,
  onDone,
}: {
  workspaceId: string;
  invitation: WorkspaceInvitation;
  onDone: (message: string) => void;
}) {
  const router = useRouter();
  const { busy, error, run } = useApiAction<'revoke'>();

  async function revoke() {
    const path = `/api/workspaces/${encodeURIComponent(workspaceId)}/invitations/${encodeURIComponent(invitation.invitation_id)}`;
    if (!(await run('revoke', path, 'DELETE'))) return;
    onDone(`The invitation for ${invitation.email} is withdrawn.`);
    router.refresh();
  }

  return (
    <tr data-invitation-id={invitation.invitation_id} data-email={invitation.email}>
      <th scope="row">
        {invitation.email}
        {error && (
          <span className="form-error" role="alert" data-testid="invitation-error">
            {' '}
            {error}
          </span>
        )}
      </th>
      <td data-label="Role">{invitation.role}</td>
      <td data-label="Expires">{formatUtc(invitation.expires_at)}</td>
      <td data-label="Actions">
        <button type="button" className="button secondary small" onClick={revoke} disabled={busy !== null}>
          {busy ? 'Revoking…' : 'Revoke'}
        </button>
      </td>
    </tr>
  );
}

function MemberRow({
  workspaceId,
  member,
  canManage,
  isYou,
  email,
  onDone,
}: {
  workspaceId: string;
  member: WorkspaceMember;
  canManage: boolean;
  isYou: boolean;
  email: string | null;
  onDone: (message: string) => void;
}) {
  const router = useRouter();
  const [role, setRole] = useState(member.role);
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useApiAction<'role' | 'remove'>();
  const roleId = `member-${member.user_id}-role`;

  async function changeRole(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!(await run('role', membersPath(workspaceId, member.user_id), 'PATCH', { role }))) {
      setRole(member.role);
      return;
    }
    onDone(`${member.user_id} is now ${role}.`);
    router.refresh();
  }

  async function remove() {
    const removed = await run('remove', membersPath(workspaceId, member.user_id), 'DELETE');
    setConfirming(false);
    if (!removed) return;
    onDone(`${member.user_id} removed from the workspace.`);
    // Having left, the workspace is no longer yours to show.
    if (isYou) router.push('/dashboard/settings');
    else router.refresh();
  }

  return (
    <tr data-user-id={member.user_id} data-role={member.role}>
      <th scope="row">
        <code>{member.user_id}</code>
        {(isYou || email) && <span className={styles.you}> ({[isYou ? 'you' : null, email].filter(Boolean).join(', ')})</span>}
        {error && (
          <span className="form-error" role="alert" data-testid="member-error">
            {' '}
            {error}
          </span>
        )}
      </th>
      <td data-label="Role" data-col="role">
        {canManage ? (
          <form className={styles.roleForm} onSubmit={changeRole}>
            <label htmlFor={roleId} className="visually-hidden">
              Role of {member.user_id}
            </label>
            <select id={roleId} value={role} onChange={(e) => setRole(e.target.value as (typeof ROLES)[number])}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
            <button type="submit" className="button secondary small" disabled={busy !== null || role === member.role}>
              Change role
            </button>
          </form>
        ) : (
          member.role
        )}
      </td>
      <td data-label="Joined">{formatUtc(member.joined_at)}</td>
      {canManage && (
        <td data-label="Actions">
          {confirming ? (
            <span className={styles.confirm} role="group" aria-label={`Confirm removing ${member.user_id}`}>
              <button type="button" className={`button small ${styles.danger}`} onClick={remove} disabled={busy !== null}>
                {isYou ? 'Yes, leave' : 'Yes, remove'}
              </button>
              <button type="button" className="button secondary small" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </span>
          ) : (
            <button type="button" className="button secondary small" onClick={() => setConfirming(true)} disabled={busy !== null}>
              {isYou ? 'Leave…' : 'Remove…'}
            </button>
          )}
        </td>
      )}
    </tr>
  );
}
