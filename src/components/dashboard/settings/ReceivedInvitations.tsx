'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { formatUtc } from '@/lib/dashboard/format';
import type { ReceivedInvitation } from '@/lib/decision-circuits/metrics/tenancy';
import { useApiAction } from './settings-api';

/** The signed-in user's pending invitations: accepting makes them a member, declining drops it. */
export function ReceivedInvitations({ invitations }: { invitations: ReceivedInvitation[] }) {
  const [announcement, setAnnouncement] = useState('');
  return (
    <div>
      <p role="status" className="visually-hidden" data-testid="invitations-announcement">
        {announcement}
      </p>
      {invitations.length === 0 ? (
        <p className="muted" data-testid="no-invitations">
          No invitations for your address.
        </p>
      ) : (
        <ul className="list" data-testid="received-invitations">
          {invitations.map((invitation) => (
            <InvitationItem key={invitation.invitation_id} invitation={invitation} onDone={setAnnouncement} />
          ))}
        </ul>
      )}
    </div>
  );
}

function InvitationItem({ invitation, onDone }: { invitation: ReceivedInvitation; onDone: (message: string) => void }) {
  const router = useRouter();
  const { busy, error, run } = useApiAction<'accept' | 'decline'>();

  async function answer(choice: 'accept' | 'decline') {
    const path = `/api/invitations/${encodeURIComponent(invitation.invitation_id)}/${choice}`;
    if (!(await run(choice, path, 'POST'))) return;
    if (choice === 'decline') {
      onDone(`Invitation to ${invitation.workspace_name} declined.`);
      router.refresh();
      return;
    }
    onDone(`You joined ${invitation.workspace_name} as ${invitation.role}.`);
    router.push(`/dashboard/settings?workspaceId=${encodeURIComponent(invitation.workspace_id)}`);
    // The banner and the workspace switcher live in the shared layout, which a push alone keeps.
    router.refresh();
  }

  return (
    <li className="card" data-testid="received-invitation" data-invitation-id={invitation.invitation_id}>
      <p>
        <strong>{invitation.workspace_name}</strong> invites you as <strong>{invitation.role}</strong> (workspace{' '}
        <code>{invitation.workspace_id}</code>, invited by <code>{invitation.invited_by}</code>, expires {formatUtc(invitation.expires_at)}
        ).
      </p>
      <p>
        <button type="button" className="button small" onClick={() => answer('accept')} disabled={busy !== null}>
          {busy === 'accept' ? 'Accepting…' : 'Accept'}
        </button>{' '}
        <button type="button" className="button secondary small" onClick={() => answer('decline')} disabled={busy !== null}>
          {busy === 'decline' ? 'Declining…' : 'Decline'}
        </button>
      </p>
      {error && (
        <p className="form-error" role="alert" data-testid="received-invitation-error">
          {error}
        </p>
      )}
    </li>
  );
}
