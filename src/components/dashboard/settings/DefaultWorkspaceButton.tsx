'use client';

import { useRouter } from 'next/navigation';
import { useApiAction } from './settings-api';

/** Makes the shown workspace the one the dashboard opens for this user. */
export function DefaultWorkspaceButton({ workspaceId, isDefault }: { workspaceId: string; isDefault: boolean }) {
  const router = useRouter();
  const { busy, error, run } = useApiAction();
  if (isDefault)
    return (
      <span className="muted" data-testid="default-workspace">
        {' '}
        (your default workspace)
      </span>
    );

  async function choose() {
    if (await run('submit', `/api/workspaces/${encodeURIComponent(workspaceId)}/default`, 'PUT')) router.refresh();
  }

  return (
    <>
      {' '}
      <button type="button" className="button secondary small" onClick={choose} disabled={busy !== null} data-testid="make-default">
        Open this workspace by default
      </button>
      {error && (
        <span className="form-error" role="alert">
          {' '}
          {error}
        </span>
      )}
    </>
  );
}
