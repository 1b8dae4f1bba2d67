'use client';

import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { useApiAction } from './settings-api';
import { PanelForm } from './PanelForm';

/** Any signed-in user may create a workspace; they own it, and the page switches to it. */
export function CreateWorkspaceForm() {
  const router = useRouter();
  const [name, setName] = useState('');
  const { busy, error, setError, run } = useApiAction();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!name.trim()) return setError('Enter a name for the workspace.');
    const created = await run('submit', '/api/workspaces', 'POST', { name: name.trim() });
    if (!created) return;
    setName('');
    router.push(`/dashboard/settings?workspaceId=${encodeURIComponent(String(created.workspace_id))}&created=1`);
  }

  return (
    <PanelForm label="Create a workspace" testId="create-workspace-form" error={error} onSubmit={submit}>
      <div className="field grow">
        <label htmlFor="workspace-name">Workspace name</label>
        <input
          id="workspace-name"
          type="text"
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={200}
          autoComplete="off"
          required
        />
      </div>
      <div className="field">
        <button type="submit" className="button" disabled={busy !== null}>
          {busy ? 'Creating…' : 'Create workspace'}
        </button>
      </div>
      <p className="muted full">You become its owner. Add members and connect providers once it is created.</p>
    </PanelForm>
  );
}
