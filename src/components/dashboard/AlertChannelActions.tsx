'use client';

import { useState } from 'react';
import { formatUtc } from '@/lib/dashboard/format';

// What POST …/channels/<id>/test answers (the fields shown here).
interface TestAnswer {
  delivered: boolean;
  http_status: number | null;
  error: string | null;
  latency_ms: number;
}
// What POST …/channels/<id>/rotate-secret answers (the fields shown here).
interface RotateAnswer {
  secret: string;
  secret_fingerprint: string;
  previous_secret_expires_at: string | null;
}

export interface ActionChannel {
  id: string;
  kind: string;
  name: string;
}

async function post(url: string, body?: unknown): Promise<{ ok: true; json: unknown } | { ok: false; error: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch(() => null);
  if (!response) return { ok: false, error: 'Could not reach the server.' };
  const json = (await response.json().catch(() => null)) as { error?: unknown } | null;
  if (!response.ok) return { ok: false, error: typeof json?.error === 'string' ? json.error : `HTTP ${response.status}` };
  return { ok: true, json };
}

function describeTest(answer: TestAnswer): string {
  if (answer.delivered) return `Test delivered: HTTP ${answer.http_status}, ${answer.latency_ms} ms.`;
  const why = answer.error ?? (answer.http_status === null ? 'no answer' : `HTTP ${answer.http_status}`);
  return `Test not delivered: ${why} (${answer.latency_ms} ms).`;
}

function ActionButton(props: { label: string; accessibleName: string; busy: boolean; onClick: () => Promise<void> }) {
  return (
    <button
      type="button"
      className="button secondary"
      disabled={props.busy}
      onClick={() => void props.onClick()}
      aria-label={props.accessibleName}
    >
      {props.label}
    </button>
  );
}

/** A channel's admin actions: send a test notification, and for a signed webhook rotate its secret. */
export function AlertChannelActions({
  workspaceId,
  channel,
  onChanged,
}: {
  workspaceId: string;
  channel: ActionChannel;
  onChanged: () => Promise<void>;
}) {
  const base = `/api/circuits/metrics/alerts/channels/${encodeURIComponent(channel.id)}`;
  const query = `?workspaceId=${encodeURIComponent(workspaceId)}`;
  const [testResult, setTestResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [rotated, setRotated] = useState<RotateAnswer | null>(null);
  const [busy, setBusy] = useState(false);

  async function sendTest() {
    setBusy(true);
    setTestResult({ ok: true, text: 'Sending a test notification…' });
    const answer = await post(`${base}/test${query}`);
    setBusy(false);
    if (!answer.ok) return setTestResult({ ok: false, text: answer.error });
    const test = answer.json as TestAnswer;
    setTestResult({ ok: test.delivered, text: describeTest(test) });
    await onChanged();
  }

  async function rotate() {
    setBusy(true);
    const answer = await post(`${base}/rotate-secret${query}`, {});
    setBusy(false);
    if (!answer.ok) return setTestResult({ ok: false, text: answer.error });
    setRotated(answer.json as RotateAnswer);
    await onChanged();
  }

  return (
    <>
      <ActionButton
        label="Send test notification"
        accessibleName={`Send test notification to ${channel.name}`}
        busy={busy}
        onClick={sendTest}
      />{' '}
      {channel.kind === 'webhook' && (
        <ActionButton label="Rotate secret" accessibleName={`Rotate the secret of ${channel.name}`} busy={busy} onClick={rotate} />
      )}
      <p role="status" className={testResult && !testResult.ok ? 'form-error' : 'muted'} data-testid={`channel-test-result-${channel.id}`}>
        {testResult?.text ?? ''}
      </p>
      {rotated && (
        <div className="alert ok" data-testid={`channel-rotated-${channel.id}`}>
          <p>
            New secret for “{channel.name}” (fingerprint {rotated.secret_fingerprint}). Copy it now: it is shown this once. Give it to the
            receiver;{' '}
            {rotated.previous_secret_expires_at
              ? `the previous secret keeps signing next to it until ${formatUtc(rotated.previous_secret_expires_at)}.`
              : 'the previous secret no longer signs.'}
          </p>
          <label>
            Secret{' '}
            <input readOnly value={rotated.secret} onFocus={(e) => e.currentTarget.select()} data-testid={`channel-secret-${channel.id}`} />
          </label>{' '}
          <button type="button" className="button secondary small" onClick={() => setRotated(null)}>
            I have copied it
          </button>
        </div>
      )}
    </>
  );
}
