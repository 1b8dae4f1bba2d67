'use client';

import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { CopyButton } from '@/components/dashboard/CopyButton';
import { formatUtc } from '@/lib/dashboard/format';
import type { ConnectionFormOption, SettingsConnection } from '@/lib/dashboard/settings';
import { useApiAction } from './settings-api';
import { PanelForm } from './PanelForm';
import styles from './settings.module.css';

type Provider = SettingsConnection['provider'];

const connectionsPath = (workspaceId: string, suffix = '') =>
  `/api/circuits/metrics/connections${suffix}?workspaceId=${encodeURIComponent(workspaceId)}`;

/** The workspace's provider connections (admins and owners): add, copy the URL, test, rotate, remove. */
export function ConnectionsPanel({
  workspaceId,
  connections,
  forms,
}: {
  workspaceId: string;
  connections: SettingsConnection[];
  /** What each provider's connection needs, from its definition. */
  forms: ConnectionFormOption[];
}) {
  const [announcement, setAnnouncement] = useState('');
  return (
    <div>
      <AddConnectionForm workspaceId={workspaceId} forms={forms} onDone={setAnnouncement} />
      <p role="status" className="visually-hidden" data-testid="connections-announcement">
        {announcement}
      </p>
      {connections.length === 0 ? (
        <p className="card empty" data-testid="connections-empty">
          No connections yet. Add one above: {listNames(forms.filter((f) => f.kind === 'secret'))} get their own webhook URL;{' '}
          {listNames(forms.filter((f) => f.kind === 'account'))} are routed by the account id.
        </p>
      ) : (
        <ul className={styles.list} aria-label="Connections">
          {connections.map((c) => (
            <li key={c.connection_id}>
              <ConnectionCard
                workspaceId={workspaceId}
                connection={c}
                form={forms.find((f) => f.provider === c.provider)}
                onDone={setAnnouncement}
              />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function listNames(forms: readonly ConnectionFormOption[]): string {
  const names = forms.map((f) => f.optionLabel);
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

function AddConnectionForm({
  workspaceId,
  forms,
  onDone,
}: {
  workspaceId: string;
  forms: ConnectionFormOption[];
  onDone: (message: string) => void;
}) {
  const router = useRouter();
  const [provider, setProvider] = useState<Provider>(
    forms.find((f) => f.provider === 'resend')?.provider ?? forms[0]?.provider ?? 'resend',
  );
  const [secret, setSecret] = useState('');
  const [accountId, setAccountId] = useState('');
  const [apiKey, setApiKey] = useState('');
  const { busy, error, run } = useApiAction();
  const form = forms.find((f) => f.provider === provider);
  const account = form?.kind === 'account' ? form : null;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const input: Record<string, string> = { provider };
    if (form?.kind === 'secret') input[form.field] = secret.trim();
    else input.external_account_id = accountId.trim();
    if (apiKey.trim()) input.api_key = apiKey.trim();
    if (!(await run('submit', connectionsPath(workspaceId), 'POST', input))) return;
    setSecret('');
    setAccountId('');
    setApiKey('');
    onDone(`${form?.optionLabel ?? provider} connection added.`);
    router.refresh();
  }

  return (
    <PanelForm title="Add a connection" titleId="add-connection-title" testId="add-connection-form" error={error} onSubmit={submit}>
      <div className="field">
        <label htmlFor="connection-provider">Provider</label>
        <select id="connection-provider" value={provider} onChange={(e) => setProvider(e.target.value as Provider)}>
          {forms.map((f) => (
            <option key={f.provider} value={f.provider}>
              {f.optionLabel}
            </option>
          ))}
        </select>
      </div>
      {account ? (
        <div className="field grow">
          <label htmlFor="connection-account">{account.label}</label>
          <input
            id="connection-account"
            type="text"
            value={accountId}
            onChange={(e) => setAccountId(e.target.value)}
            autoComplete="off"
            aria-describedby="connection-account-hint"
          />
          <span id="connection-account-hint" className={styles.hint}>
            {account.hint} Signed with this deployment’s app secret.
          </span>
        </div>
      ) : (
        <div className="field grow">
          <label htmlFor="connection-secret">{form?.label}</label>
          <input
            id="connection-secret"
            type="password"
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            aria-describedby="connection-secret-hint"
          />
          <span id="connection-secret-hint" className={styles.hint}>
            {form?.hint} Stored encrypted and never shown again.
          </span>
        </div>
      )}
      <div className="field">
        <label htmlFor="connection-api-key">API key (optional)</label>
        <input
          id="connection-api-key"
          type="password"
          value={apiKey}
          onChange={(e) => setApiKey(e.target.value)}
          autoComplete="off"
          spellCheck={false}
        />
      </div>
      <div className="field">
        <button type="submit" className="button" disabled={busy !== null}>
          {busy ? 'Adding…' : 'Add connection'}
        </button>
      </div>
      <p className="muted full">The API key is only used to backfill history; webhooks work without it.</p>
    </PanelForm>
  );
}

interface TestOutcome {
  ok: boolean;
  text: string;
}

function describeTest(body: Record<string, unknown>): TestOutcome {
  const answer = (body.webhook_answer ?? {}) as Record<string, unknown>;
  const status = Number(body.webhook_status);
  if (body.delivered !== true) {
    return { ok: false, text: `The webhook answered ${status}: ${typeof answer.error === 'string' ? answer.error : 'not accepted'}.` };
  }
  const outcomes = (answer.outcomes ?? {}) as Record<string, number>;
  const counted = Object.entries(outcomes)
    .filter(([, n]) => n > 0)
    .map(([outcome, n]) => `${n} ${outcome}`)
    .join(', ');
  const unrouted = Number(answer.unrouted_events ?? 0);
  return {
    ok: true,
    text:
      `Accepted (${status}): ${String(body.event)} signed with ${String(body.signature)}; ` +
      `${Number(answer.events_stored ?? 0)} event stored${counted ? ` (${counted})` : ''}` +
      (unrouted > 0 ? `; ${unrouted} not routed to any workspace` : '') +
      '.',
  };
}

function ConnectionCard({
  workspaceId,
  connection: c,
  form,
  onDone,
}: {
  workspaceId: string;
  connection: SettingsConnection;
  form: ConnectionFormOption | undefined;
  onDone: (message: string) => void;
}) {
  const router = useRouter();
  const { busy, error, setError, run } = useApiAction<'test' | 'rotate' | 'remove' | 'verify'>();
  const [proofToken, setProofToken] = useState('');
  const [testOutcome, setTestOutcome] = useState<TestOutcome | null>(null);
  const [confirmingRemove, setConfirmingRemove] = useState(false);
  const [newSecret, setNewSecret] = useState('');
  const [overlapHours, setOverlapHours] = useState('24');
  const id = c.connection_id;
  const secretForm = form?.kind === 'secret' ? form : null;
  const title = `${c.label}${c.external_account_id ? ` ${c.external_account_id}` : ''}`;

  async function sendTest() {
    setTestOutcome(null);
    const answer = await run('test', connectionsPath(workspaceId, `/${id}/test`), 'POST');
    if (!answer) return;
    const outcome = describeTest(answer);
    setTestOutcome(outcome);
    onDone(outcome.text);
    router.refresh();
  }

  async function rotate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const hours = Number(overlapHours);
    if (!Number.isInteger(hours) || hours < 0 || hours > 336) return setError('The overlap is a whole number of hours from 0 to 336.');
    const field = secretForm?.field ?? 'secret';
    if (!(await run('rotate', connectionsPath(workspaceId, `/${id}/rotate`), 'POST', { [field]: newSecret.trim(), overlap_hours: hours })))
      return;
    setNewSecret('');
    onDone(`${title}: secret rotated; the previous one keeps working for ${hours} hours.`);
    router.refresh();
  }

  async function proveClaim(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const answer = await run('verify', connectionsPath(workspaceId, `/${id}/verify`), 'POST', { access_token: proofToken.trim() });
    setProofToken('');
    if (!answer) return;
    onDone(`${title}: control proven; its events now come to this workspace.`);
    router.refresh();
  }

  async function remove() {
    const removed = await run('remove', connectionsPath(workspaceId, `/${id}`), 'DELETE');
    setConfirmingRemove(false);
    if (!removed) return;
    onDone(`${title} removed.`);
    router.refresh();
  }

  const headingId = `connection-${id}-title`;
  return (
    <article className="card" aria-labelledby={headingId} data-testid="connection" data-connection-id={id} data-provider={c.provider}>
      <h3 id={headingId} className={styles.cardTitle}>
        {title} {c.status !== 'active' && <span className="badge warn">{c.status}</span>}
        {c.claim_status === 'pending' && (
          <span className="badge warn" data-testid="claim-pending">
            not proven
          </span>
        )}
      </h3>
      {c.claim_status === 'pending' && (
        <form className="controls" onSubmit={proveClaim} noValidate data-testid="claim-proof">
          <p className="muted full">
            {c.claim_superseded_at ? `Another workspace proved control of this account on ${formatUtc(c.claim_superseded_at)}. ` : ''}
            This workspace receives none of this account&apos;s events until it proves control:{' '}
            {c.provider === 'linkedin'
              ? 'paste an access token of a member who administers the organization.'
              : 'paste a Page access token of the page (for Instagram, of the page linked to the account).'}{' '}
            The token is checked with {c.provider === 'linkedin' ? 'LinkedIn' : 'Meta'} and not kept.
          </p>
          <div className="field grow">
            <label htmlFor={`connection-${id}-proof`}>Access token</label>
            <input
              id={`connection-${id}-proof`}
              type="password"
              value={proofToken}
              onChange={(e) => setProofToken(e.target.value)}
              autoComplete="off"
              spellCheck={false}
            />
          </div>
          <div className="field">
            <button type="submit" className="button" disabled={busy !== null || proofToken.trim() === ''}>
              {busy === 'verify' ? 'Checking…' : 'Prove control'}
            </button>
          </div>
        </form>
      )}
      <div className={styles.urlRow}>
        <label htmlFor={`connection-${id}-url`}>Webhook URL</label>
        <input id={`connection-${id}-url`} className={styles.url} value={c.webhook_url} readOnly data-testid="connection-url" />
        <CopyButton text={c.webhook_url} label="Copy URL" />
      </div>
      {!secretForm && (
        <p className="muted">
          This URL is shared by every workspace: events reach this one because their account id is {c.external_account_id}
          {c.claim_status === 'verified' ? ', which this workspace proved control of' : ', once this workspace proves control of it'}.
        </p>
      )}
      <dl className="facts">
        <div>
          <dt>Fingerprint</dt>
          <dd data-field="fingerprint">{c.fingerprint ?? 'app secret of this deployment'}</dd>
        </div>
        {c.api_key_fingerprint && (
          <div>
            <dt>API key</dt>
            <dd data-field="api_key_fingerprint">{c.api_key_fingerprint}</dd>
          </div>
        )}
        <div>
          <dt>Created</dt>
          <dd data-field="created_at">{formatUtc(c.created_at)}</dd>
        </div>
        <div>
          <dt>Rotated</dt>
          <dd data-field="rotated_at">
            {c.rotated_at ? formatUtc(c.rotated_at) : 'never'}
            {c.previous_secret_valid_until ? ` (previous secret valid until ${formatUtc(c.previous_secret_valid_until)})` : ''}
          </dd>
        </div>
        <div>
          <dt>Last delivery</dt>
          <dd data-field="last_delivery_at">{c.last_delivery_at ? formatUtc(c.last_delivery_at) : 'none yet'}</dd>
        </div>
        <div>
          <dt>Last verification failure</dt>
          <dd data-field="last_failure">
            {c.last_failure_at ? `${formatUtc(c.last_failure_at)}: ${c.last_failure_reason ?? 'no reason recorded'}` : 'none'}
          </dd>
        </div>
      </dl>

      <div className={styles.actions}>
        {c.test.available ? (
          <button type="button" className="button secondary" onClick={sendTest} disabled={busy !== null}>
            {busy === 'test' ? 'Sending…' : 'Send a test event'}
          </button>
        ) : (
          <p className="muted" data-testid="test-unavailable">
            Test event not available: {c.test.reason}.
          </p>
        )}
        {confirmingRemove ? (
          <span className={styles.confirm} role="group" aria-label={`Confirm removing ${title}`}>
            <span>Remove this connection? Its URL stops working within seconds.</span>
            <button type="button" className={`button ${styles.danger}`} onClick={remove} disabled={busy !== null}>
              {busy === 'remove' ? 'Removing…' : 'Yes, remove'}
            </button>
            <button type="button" className="button secondary" onClick={() => setConfirmingRemove(false)}>
              Cancel
            </button>
          </span>
        ) : (
          <button type="button" className="button secondary" onClick={() => setConfirmingRemove(true)} disabled={busy !== null}>
            Remove…
          </button>
        )}
      </div>
      {testOutcome && (
        <p className={`alert ${testOutcome.ok ? 'ok' : 'bad'}`} data-testid="test-outcome">
          {testOutcome.text}
        </p>
      )}

      {secretForm && (
        <details className={styles.rotate}>
          <summary>Rotate the secret</summary>
          <form className="controls" onSubmit={rotate} noValidate>
            <div className="field grow">
              <label htmlFor={`connection-${id}-new-secret`}>
                New {secretForm.label.charAt(0).toLowerCase() + secretForm.label.slice(1)}
              </label>
              <input
                id={`connection-${id}-new-secret`}
                type="password"
                value={newSecret}
                onChange={(e) => setNewSecret(e.target.value)}
                autoComplete="off"
                spellCheck={false}
              />
            </div>
            <div className="field">
              <label htmlFor={`connection-${id}-overlap`}>Old secret keeps working (hours)</label>
              <input
                id={`connection-${id}-overlap`}
                type="number"
                className={styles.number}
                min={0}
                max={336}
                value={overlapHours}
                onChange={(e) => setOverlapHours(e.target.value)}
              />
            </div>
            <div className="field">
              <button type="submit" className="button" disabled={busy !== null}>
                {busy === 'rotate' ? 'Rotating…' : 'Rotate'}
              </button>
            </div>
          </form>
        </details>
      )}
      {error && (
        <p className="form-error" role="alert" data-testid="connection-error">
          {error}
        </p>
      )}
    </article>
  );
}
