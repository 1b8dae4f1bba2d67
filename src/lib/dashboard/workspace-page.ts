// What every workspace page of the dashboard reads first, written once: its query, the verified
// session (else a redirect to sign-in that comes back to the same query), the workspace shown
// (see selectWorkspace) and the public base URL for the links it prints.
import { headers } from 'next/headers';
import { firstParam, withQuery, type SearchParams } from './params';
import { publicBaseUrl } from './request-origin';
import { requireDashboardSession, type DashboardSession } from './session';
import { selectWorkspace, type WorkspaceSelection } from './workspace';

export interface WorkspacePage<K extends string> {
  query: Record<K | 'workspaceId', string | undefined>;
  session: DashboardSession;
  selection: WorkspaceSelection;
  baseUrl: string;
}

export async function loadWorkspacePage<K extends string = never>(
  path: string,
  searchParams: Promise<SearchParams>,
  keys: readonly K[] = [],
): Promise<WorkspacePage<K>> {
  const params = await searchParams;
  const query = Object.fromEntries(['workspaceId', ...keys].map((key) => [key, firstParam(params, key)])) as WorkspacePage<K>['query'];
  const session = await requireDashboardSession(withQuery(path, query));
  const selection = await selectWorkspace(session, query.workspaceId);
  return { query, session, selection, baseUrl: publicBaseUrl(await headers()) };
}
