import Link from 'next/link';
import type { WorkspaceSelection } from '@/lib/dashboard/workspace';
import { withQuery } from '@/lib/dashboard/params';

/** Shown instead of a view when there is no workspace to show: none at all, or not the user's. */
export function WorkspaceNotice({ selection, path }: { selection: WorkspaceSelection; path: string }) {
  if (selection.forbiddenId) {
    return (
      <section className="card notice" aria-labelledby="workspace-notice-title">
        <h2 id="workspace-notice-title">You are not a member of this workspace</h2>
        <p>
          Workspace <code>{selection.forbiddenId}</code> does not exist or you are not one of its members, so its data is not shown.
        </p>
        {selection.workspaces.length > 0 && (
          <>
            <p>Your workspaces:</p>
            <ul>
              {selection.workspaces.map((w) => (
                <li key={w.id}>
                  <Link href={withQuery(path, { workspaceId: w.id })}>{w.name}</Link>
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
    );
  }
  return (
    <section className="card notice" aria-labelledby="workspace-notice-title">
      <h2 id="workspace-notice-title">No workspace yet</h2>
      <p>
        Your account is not a member of any workspace. Create one in <Link href="/dashboard/settings">Settings</Link>, or ask a workspace
        admin to invite your email address and accept the invitation there.
      </p>
    </section>
  );
}
