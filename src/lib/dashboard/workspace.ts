// Which workspace a dashboard page shows: the one asked for in ?workspaceId= if the user is a
// member, else their default (see listUserWorkspaces: their choice, else the one they joined
// first). Membership comes from Postgres under RLS, never from the URL.
import { listUserWorkspaces, type UserWorkspace } from '../decision-circuits/metrics/ab-tests';
import type { DashboardSession } from './session';

export interface WorkspaceSelection {
  workspaces: UserWorkspace[];
  /** Null when the user has no workspace, or asked for one they are not a member of. */
  current: UserWorkspace | null;
  /** The requested id when it is not one of the user's workspaces. */
  forbiddenId: string | null;
}

export async function selectWorkspace(session: DashboardSession, requestedId: string | undefined): Promise<WorkspaceSelection> {
  const workspaces = await listUserWorkspaces({ claims: session.claims });
  if (requestedId) {
    const match = workspaces.find((w) => w.id === requestedId.toLowerCase()) ?? null;
    return { workspaces, current: match, forbiddenId: match ? null : requestedId };
  }
  return { workspaces, current: workspaces[0] ?? null, forbiddenId: null };
}
