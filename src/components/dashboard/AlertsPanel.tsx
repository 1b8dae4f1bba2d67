'use client';

import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { formatUtc } from '@/lib/dashboard/format';
import { AlertChannelActions } from './AlertChannelActions';
import { LIVE_CHANGE_EVENT } from './live-events';

// What GET /api/circuits/metrics/alerts answers (only the fields shown here).
interface RuleView {
  rule: string;
  enabled: boolean;
  threshold: number | null;
  default_threshold: number | null;
}
interface ChannelView {
  id: string;
  kind: string;
  name: string;
  url_origin: string;
  url_fingerprint: string;
  secret_fingerprint: string | null;
  previous_secret_fingerprint: string | null;
  previous_secret_expires_at: string | null;
  delivery: { retrying: number; given_up_7d: number; last_outcome: string | null; next_attempt_at: string | null };
}
interface StateView {
  rule: string;
  subject: string;
  state: string;
  summary: string;
  changed_at: string | null;
}
interface HistoryView extends StateView {
  id: string;
  created_at: string | null;
  deliveries: { channel_id: string; outcome: string; attempts?: number }[] | null;
}
interface Overview {
  rules: RuleView[];
  channels: ChannelView[];
  states: StateView[];
  history: HistoryView[];
}

const RULE_LABELS: Record<string, { name: string; unit: string | null }> = {
  attribution_low: { name: 'Attribution below threshold', unit: '% mapped' },
  provider_silent: { name: 'Provider silent', unit: 'hours' },
  verification_failures: { name: 'Verification failures', unit: 'per hour' },
  backfill_failed: { name: 'Backfill failed', unit: null },
  ab_test_verdict: { name: 'A/B test verdict changed', unit: null },
};

async function errorOf(response: Response): Promise<string> {
  const body = (await response.json().catch(() => null)) as { error?: unknown } | null;
  return typeof body?.error === 'string' ? body.error : `HTTP ${response.status}`;
}

/** A channel's deliveries in words: the last outcome, retries waiting, given up in 7 days. */
function deliveryState(d: ChannelView['delivery']): string {
  const parts = [d.last_outcome ? `last notification ${d.last_outcome}` : 'not notified yet'];
  if (d.retrying > 0) parts.push(`${d.retrying} waiting for a retry${d.next_attempt_at ? ` (next ${formatUtc(d.next_attempt_at)})` : ''}`);
  if (d.given_up_7d > 0) parts.push(`${d.given_up_7d} given up in 7 days`);
  return parts.join(', ');
}

function SubmitButton({ label }: { label: string }) {
  return (
    <div className="field actions">
      <button type="submit" className="button">
        {label}
      </button>
    </div>
  );
}

function EmptyCard({ testId, text }: { testId: string; text: string }) {
  return (
    <p className="card empty" data-testid={testId}>
      {text}
    </p>
  );
}

/** Rules, channels (with a test send and secret rotation), firing alerts and history; changes need an admin. */
export function AlertsPanel({ workspaceId }: { workspaceId: string }) {
  const endpoint = `/api/circuits/metrics/alerts?workspaceId=${encodeURIComponent(workspaceId)}`;
  const [overview, setOverview] = useState<Overview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');

  const load = useCallback(async () => {
    const response = await fetch(endpoint, { cache: 'no-store', headers: { accept: 'application/json' } }).catch(() => null);
    if (!response) return setError('Could not reach the server.');
    if (!response.ok) return setError(await errorOf(response));
    setError(null);
    setOverview((await response.json()) as Overview);
  }, [endpoint]);

  useEffect(() => {
    // Loaded from a timer, not the effect body: the answer's setState then runs outside render.
    const timeout = setTimeout(() => void load(), 0);
    // The page's live version moved (an alert changed state, say): read the panel again.
    const reload = () => void load();
    window.addEventListener(LIVE_CHANGE_EVENT, reload);
    return () => {
      clearTimeout(timeout);
      window.removeEventListener(LIVE_CHANGE_EVENT, reload);
    };
  }, [load]);

  async function send(url: string, method: string, body: unknown, done: string) {
    const response = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).catch(() => null);
    if (!response) return setError('Could not reach the server.');
    if (!response.ok) return setError(await errorOf(response));
    setStatus(done);
    await load();
  }

  async function saveRules(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const rules = (overview?.rules ?? []).map((rule) => {
      const threshold = form.get(`threshold-${rule.rule}`);
      return {
        rule: rule.rule,
        enabled: form.get(`enabled-${rule.rule}`) === 'on',
        ...(typeof threshold === 'string' && threshold !== '' ? { threshold: Number(threshold) } : {}),
      };
    });
    await send(endpoint, 'PUT', { rules }, 'Rules saved.');
  }

  async function addChannel(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const kind = String(form.get('kind'));
    const body = {
      kind,
      name: String(form.get('name') ?? ''),
      url: String(form.get('url') ?? ''),
      ...(kind === 'webhook' ? { secret: String(form.get('secret') ?? '') } : {}),
    };
    const channelsUrl = `/api/circuits/metrics/alerts/channels?workspaceId=${encodeURIComponent(workspaceId)}`;
    await send(channelsUrl, 'POST', body, 'Channel added.');
    formElement.reset();
  }

  async function removeChannel(id: string) {
    const url = `/api/circuits/metrics/alerts/channels?workspaceId=${encodeURIComponent(workspaceId)}&channelId=${encodeURIComponent(id)}`;
    await send(url, 'DELETE', undefined, 'Channel removed.');
  }

  if (!overview)
    return error ? (
      <p className="form-error" role="alert">
        {error}
      </p>
    ) : (
      <p className="muted">Loading alerts…</p>
    );
  const firing = overview.states.filter((s) => s.state === 'firing');
  return (
    <div className="alerts" data-testid="alerts-panel">
      {error && (
        <p className="form-error" role="alert" data-testid="alerts-error">
          {error}
        </p>
      )}
      <p role="status" className="visually-hidden">
        {status}
      </p>
      <p className={`card ${firing.length ? 'notice' : ''}`} data-testid="alerts-firing">
        {firing.length === 0
          ? 'No alert is firing.'
          : firing.map((s) => `${RULE_LABELS[s.rule]?.name ?? s.rule} (${s.subject}): ${s.summary}`).join(' · ')}
      </p>

      <form className="controls" onSubmit={saveRules} aria-labelledby="alert-rules-title">
        <h3 id="alert-rules-title" className="full">
          Rules
        </h3>
        {overview.rules.map((rule) => (
          <fieldset key={rule.rule} className="field" data-testid={`rule-${rule.rule}`}>
            <legend>{RULE_LABELS[rule.rule]?.name ?? rule.rule}</legend>
            <label>
              <input type="checkbox" name={`enabled-${rule.rule}`} defaultChecked={rule.enabled} /> enabled
            </label>
            {RULE_LABELS[rule.rule]?.unit && (
              <label>
                Threshold ({RULE_LABELS[rule.rule]?.unit}){' '}
                <input
                  type="number"
                  min="1"
                  step="any"
                  name={`threshold-${rule.rule}`}
                  defaultValue={rule.threshold ?? ''}
                  aria-label={`${rule.rule} threshold`}
                />
              </label>
            )}
          </fieldset>
        ))}
        <SubmitButton label="Save rules" />
      </form>

      <h3 id="alert-channels-title">Channels</h3>
      {overview.channels.length === 0 ? (
        <EmptyCard testId="channels-empty" text="No channel yet: alerts are recorded below but nobody is notified." />
      ) : (
        <ul className="stack" data-testid="channels-list" aria-labelledby="alert-channels-title">
          {overview.channels.map((c) => (
            <li key={c.id}>
              <strong>{c.name}</strong> <span className="muted">({c.kind === 'slack' ? 'Slack-compatible' : 'signed webhook'})</span>{' '}
              <code>{c.url_origin}/…</code> <span className="muted">URL {c.url_fingerprint}</span>
              {c.secret_fingerprint && <span className="muted"> secret {c.secret_fingerprint}</span>}
              {c.previous_secret_fingerprint && (
                <span className="muted" data-testid={`channel-previous-secret-${c.id}`}>
                  {' '}
                  (previous secret {c.previous_secret_fingerprint} also signs until {formatUtc(c.previous_secret_expires_at)})
                </span>
              )}{' '}
              <span className={c.delivery.given_up_7d > 0 ? 'form-error' : 'muted'} data-testid={`channel-delivery-${c.id}`}>
                ({deliveryState(c.delivery)})
              </span>{' '}
              <AlertChannelActions workspaceId={workspaceId} channel={c} onChanged={load} />{' '}
              <button type="button" className="button" onClick={() => void removeChannel(c.id)} aria-label={`Remove channel ${c.name}`}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="controls" onSubmit={addChannel} aria-labelledby="alert-channel-form-title">
        <h3 id="alert-channel-form-title" className="full">
          Add a channel
        </h3>
        <label className="field">
          Kind
          <select name="kind" defaultValue="slack">
            <option value="slack">Slack-compatible incoming webhook</option>
            <option value="webhook">Signed webhook (Standard Webhooks)</option>
          </select>
        </label>
        <label className="field">
          Name <input name="name" required maxLength={100} />
        </label>
        <label className="field grow">
          URL <input name="url" type="url" required placeholder="https://hooks.slack.com/services/…" />
        </label>
        <label className="field">
          Secret (signed webhooks) <input name="secret" placeholder="whsec_…" autoComplete="off" />
        </label>
        <SubmitButton label="Add channel" />
      </form>

      <h3 id="alert-history-title">History</h3>
      {overview.history.length === 0 ? (
        <EmptyCard testId="history-empty" text="No alert has fired yet." />
      ) : (
        <div className="table-scroll" role="region" aria-labelledby="alert-history-title" tabIndex={0}>
          <table className="data-table" data-testid="alerts-history">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Rule</th>
                <th scope="col">Subject</th>
                <th scope="col">State</th>
                <th scope="col">Summary</th>
                <th scope="col">Notified</th>
              </tr>
            </thead>
            <tbody>
              {overview.history.map((h) => (
                <tr key={h.id}>
                  <td className="time">{formatUtc(h.created_at)}</td>
                  <td>{RULE_LABELS[h.rule]?.name ?? h.rule}</td>
                  <td>{h.subject}</td>
                  <td>
                    <span className={`badge ${h.state === 'firing' ? 'bad' : 'ok'}`}>{h.state}</span>
                  </td>
                  <td>{h.summary}</td>
                  <td>
                    {(h.deliveries ?? [])
                      .map((d) => {
                        const name = overview.channels.find((c) => c.id === d.channel_id)?.name ?? 'removed channel';
                        return `${name}: ${d.outcome}${d.attempts && d.attempts > 1 ? ` after ${d.attempts} attempts` : ''}`;
                      })
                      .join(', ') || '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
