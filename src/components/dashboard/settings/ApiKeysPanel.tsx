'use client';

import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { formatUtc } from '@/lib/dashboard/format';
import type { SettingsApiKey } from '@/lib/dashboard/settings';
import { useApiAction } from './settings-api';
import { PanelForm } from './PanelForm';
import styles from './settings.module.css';

const SCOPES = [
  { scope: 'read', label: 'read: rollups, summary, variants, decisions, health, CSV exports' },
  { scope: 'attribution:write', label: 'attribution:write: register attribution and A/B tests' },
] as const;
type Scope = (typeof SCOPES)[number]['scope'];

const keysPath = (workspaceId: string, keyId?: string) =>
  `/api/workspaces/${encodeURIComponent(workspaceId)}/api-keys${keyId ? `/${encodeURIComponent(keyId)}` : ''}`;

/** The workspace's API keys for programs (admins and owners): create one (its secret shown once), list, revoke. */
export function ApiKeysPanel({ workspaceId, keys }: { workspaceId: string; keys: SettingsApiKey[] }) {
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [announcement, setAnnouncement] = useState('');
  return (
    <div>
      <CreateKeyForm
        workspaceId={workspaceId}
        onCreated={(name, key) => {
          setCreated({ name, key });
          setAnnouncement(`API key “${name}” created. Copy its secret now: it is not shown again.`);
        }}
      />
      {created && (
        <div className="alert ok" data-testid="api-key-created">
          <p>
            API key “{created.name}” created. Copy it now: it is shown this once, and only its hash is kept. Send it as{' '}
            <code>Authorization: Bearer …</code>.
          </p>
          <div className={styles.urlRow}>
            <label htmlFor="api-key-secret">Key</label>
            <input
              id="api-key-secret"
              className={styles.url}
              readOnly
              value={created.key}
              onFocus={(e) => e.currentTarget.select()}
              data-testid="api-key-secret"
            />
            <button type="button" className="button secondary small" onClick={() => setCreated(null)}>
              I have copied it
            </button>
          </div>
        </div>
      )}
      <p role="status" className="visually-hidden" data-testid="api-keys-announcement">
        {announcement}
      </p>
      {keys.length === 0 ? (
        <p className="muted" data-testid="api-keys-empty">
          No API keys yet.
        </p>
      ) : (
        <div className="table-scroll" role="region" aria-labelledby="api-keys-table-title" tabIndex={0}>
          <table className="data-table stack-on-narrow" data-testid="api-keys-table">
            <caption id="api-keys-table-title" className="visually-hidden">
              API keys of this workspace
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Scopes</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => (
                <KeyRow key={key.id} workspaceId={workspaceId} apiKey={key} onDone={setAnnouncement} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function CreateKeyForm({ workspaceId, onCreated }: { workspaceId: string; onCreated: (name: string, key: string) => void }) {
  const router = useRouter();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['read']);
  const [expires, setExpires] = useState('');
  const { busy, error, setError, run } = useApiAction();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const value = name.trim();
    if (!value) return setError('Name the key after the program that will use it.');
    if (scopes.length === 0) return setError('Choose at least one scope.');
    // A date means the end of that day, UTC.
    const body = { name: value, scopes, ...(expires ? { expires_at: `${expires}T23:59:59Z` } : {}) };
    const answer = await run('submit', keysPath(workspaceId), 'POST', body);
    const key = (answer?.api_key as { key?: unknown } | undefined)?.key;
    if (typeof key !== 'string') return;
    setName('');
    setExpires('');
    onCreated(value, key);
    router.refresh();
  }

  function toggle(scope: Scope, on: boolean) {
    setScopes((current) => (on ? [...new Set([...current, scope])] : current.filter((s) => s !== scope)));
  }

  return (
    <PanelForm title="Create an API key" titleId="create-api-key-title" testId="create-api-key-form" error={error} onSubmit={submit}>
      <div className="field grow">
        <label htmlFor="api-key-name">Name</label>
        <input id="api-key-name" type="text" value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" maxLength={100} />
      </div>
      <fieldset className="field">
        <legend>Scopes</legend>
        {SCOPES.map(({ scope, label }) => (
          <label key={scope}>
            <input type="checkbox" checked={scopes.includes(scope)} onChange={(e) => toggle(scope, e.target.checked)} /> {label}
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor="api-key-expires">Expires (optional)</label>
        <input id="api-key-expires" type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />
      </div>
      <div className="field">
        <button type="submit" className="button" disabled={busy !== null}>
          {busy ? 'Creating…' : 'Create key'}
        </button>
      </div>
    </PanelForm>
  );
}

function KeyRow({ workspaceId, apiKey, onDone }: { workspaceId: string; apiKey: SettingsApiKey; onDone: (message: string) => void }) {
  const { status } = apiKey;
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useApiAction<'revoke'>();

  async function revoke() {
    const revoked = await run('revoke', keysPath(workspaceId, apiKey.id), 'DELETE');
    setConfirming(false);
    if (!revoked) return;
    onDone(`API key “${apiKey.name}” revoked: programs using it are refused from now on.`);
    router.refresh();
  }

  return (
    <tr data-key-id={apiKey.id} data-status={status}>
      <th scope="row">
        {apiKey.name}
        {error && (
          <span className="form-error" role="alert" data-testid="api-key-error">
            {' '}
            {error}
          </span>
        )}
      </th>
      <td data-label="Scopes">{apiKey.scopes.join(', ')}</td>
      <td data-label="Created">{formatUtc(apiKey.created_at)}</td>
      <td data-label="Expires">{apiKey.expires_at ? formatUtc(apiKey.expires_at) : 'never'}</td>
      <td data-label="Last used">{apiKey.last_used_at ? formatUtc(apiKey.last_used_at) : 'never'}</td>
      <td data-label="Status">
        {status === 'active' ? (
          confirming ? (
            <span className={styles.confirm} role="group" aria-label={`Confirm revoking ${apiKey.name}`}>
              <button type="button" className={`button small ${styles.danger}`} onClick={revoke} disabled={busy !== null}>
                Yes, revoke
              </button>
              <button type="button" className="button secondary small" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </span>
          ) : (
            <button type="button" className="button secondary small" onClick={() => setConfirming(true)} disabled={busy !== null}>
              Revoke…
            </button>
          )
        ) : (
          `${status} ${formatUtc(status === 'revoked' ? apiKey.revoked_at : apiKey.expires_at)}`
        )}
      </td>
    </tr>
  );
}
