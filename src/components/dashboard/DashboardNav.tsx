import Link from 'next/link';
import type { WorkspaceSelection } from '@/lib/dashboard/workspace';
import { withQuery } from '@/lib/dashboard/params';

export type DashboardViewKey = 'ab-tests' | 'operations' | 'settings';

const VIEWS: { key: DashboardViewKey; label: string; path: string }[] = [
  { key: 'ab-tests', label: 'A/B tests', path: '/dashboard/ab-tests' },
  { key: 'operations', label: 'Operations', path: '/dashboard/operations' },
  { key: 'settings', label: 'Settings', path: '/dashboard/settings' },
];

/** View tabs (keeping the workspace) and the workspace switcher: a GET form, so it works without JS. */
export function DashboardNav({ current, selection }: { current: DashboardViewKey; selection: WorkspaceSelection }) {
  const workspaceId = selection.current?.id;
  const currentPath = VIEWS.find((v) => v.key === current)?.path ?? '/dashboard';
  return (
    <div className="dash-nav">
      <nav aria-label="Dashboard views">
        <ul className="tabs">
          {VIEWS.map((view) => (
            <li key={view.key}>
              <Link href={withQuery(view.path, { workspaceId })} aria-current={view.key === current ? 'page' : undefined}>
                {view.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {selection.workspaces.length > 0 && (
        <form className="workspace-switch" method="get" action={currentPath}>
          <label htmlFor="workspace-select">Workspace</label>
          <select key={workspaceId} id="workspace-select" name="workspaceId" defaultValue={workspaceId ?? selection.workspaces[0]?.id}>
            {selection.workspaces.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name} ({w.role})
              </option>
            ))}
          </select>
          <button type="submit" className="button secondary">
            Switch
          </button>
        </form>
      )}
    </div>
  );
}
