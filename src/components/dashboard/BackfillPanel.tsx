'use client';

import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { formatCount, formatUtc, shortId } from '@/lib/dashboard/format';

/** While a job is pending or running the list refreshes this often; otherwise much more slowly. */
const ACTIVE_POLL_MS = 2_000;
const IDLE_POLL_MS = 15_000;
/** The release notes' limit per job. */
const MAX_RANGE_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface BackfillProviderOption {
  provider: string;
  label: string;
  channel: string;
}

interface JobView {
  id: string;
  provider: string;
  channel: string;
  dateStart: string;
  dateEnd: string;
  status: string;
  eventsFetched: number;
  eventsIngested: number;
  errorMessage: string | null;
  startedAt: string | null;
  completedAt: string | null;
  createdAt: string | null;
  /** 0–100 when the API reports progress as a number we can read. */
  percent: number | null;
}

type Json = Record<string, unknown>;

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function count(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}

function percentOf(progress: unknown): number | null {
  const clamp = (n: number) => Math.max(0, Math.min(100, n));
  if (typeof progress === 'number' && Number.isFinite(progress)) return clamp(progress <= 1 ? progress * 100 : progress);
  if (progress && typeof progress === 'object') {
    const p = progress as Json;
    for (const key of ['percent', 'percentage']) if (typeof p[key] === 'number') return clamp(p[key] as number);
    for (const key of ['fraction', 'ratio']) if (typeof p[key] === 'number') return clamp((p[key] as number) * 100);
  }
  return null;
}

function toJobView(raw: unknown): JobView | null {
  if (!raw || typeof raw !== 'object') return null;
  const job = raw as Json;
  const id = text(job.job_id) ?? text(job.id);
  if (!id) return null;
  return {
    id,
    provider: text(job.provider) ?? '–',
    channel: text(job.channel) ?? '–',
    dateStart: text(job.date_start) ?? '–',
    dateEnd: text(job.date_end) ?? '–',
    status: text(job.status) ?? 'unknown',
    eventsFetched: count(job.events_fetched),
    eventsIngested: count(job.events_ingested),
    errorMessage: text(job.error_message),
    startedAt: text(job.started_at),
    completedAt: text(job.completed_at),
    createdAt: text(job.created_at),
    percent: percentOf(job.progress),
  };
}

async function errorMessageOf(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as Json;
    if (typeof body.error === 'string') return body.error;
  } catch {
    // not JSON
  }
  return `The server answered ${response.status}.`;
}

const ACTIVE = new Set(['pending', 'processing']);

/**
 * Backfill jobs of the workspace with live progress (polls the backfill API while any job is
 * pending or processing) and the form that enqueues one. Runs as the signed-in user: the
 * session cookie goes with every request and RLS scopes the answers.
 */
export function BackfillPanel({
  workspaceId,
  providers,
  defaultStart,
  defaultEnd,
}: {
  workspaceId: string;
  providers: BackfillProviderOption[];
  defaultStart: string;
  defaultEnd: string;
}) {
  const endpoint = `/api/circuits/metrics/backfill?workspaceId=${encodeURIComponent(workspaceId)}`;
  const [jobs, setJobs] = useState<JobView[]>([]);
  const [listState, setListState] = useState<'loading' | 'ready' | 'unavailable' | 'error'>('loading');
  const [listError, setListError] = useState<string | null>(null);
  const [provider, setProvider] = useState(providers[0]?.provider ?? 'sendgrid');
  const [dateStart, setDateStart] = useState(defaultStart);
  const [dateEnd, setDateEnd] = useState(defaultEnd);
  const [formError, setFormError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [pollRound, setPollRound] = useState(0);
  const previousStatus = useRef(new Map<string, string>());

  const refresh = useCallback(async (): Promise<boolean> => {
    let response: Response;
    try {
      response = await fetch(endpoint, { cache: 'no-store', headers: { accept: 'application/json' } });
    } catch {
      setListState('error');
      setListError('Could not reach the server.');
      return false;
    }
    if (response.status === 404 || response.status === 405) {
      setListState('unavailable');
      return false;
    }
    if (!response.ok) {
      setListState('error');
      setListError(await errorMessageOf(response));
      return false;
    }
    const body = (await response.json()) as Json;
    const list = (Array.isArray(body.jobs) ? body.jobs : []).map(toJobView).filter((j): j is JobView => j !== null);
    const changes = list.filter((j) => {
      const before = previousStatus.current.get(j.id);
      return before !== undefined && before !== j.status;
    });
    previousStatus.current = new Map(list.map((j) => [j.id, j.status]));
    if (changes.length > 0) setAnnouncement(changes.map((j) => `Backfill ${shortId(j.id)} is ${j.status}.`).join(' '));
    setJobs(list);
    setListState('ready');
    setListError(null);
    return list.some((j) => ACTIVE.has(j.status));
  }, [endpoint]);

  // One polling loop; bumping pollRound (after starting a job) restarts it at once.
  useEffect(() => {
    let cancelled = false;
    let timeout: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const active = await refresh();
      if (!cancelled) timeout = setTimeout(tick, active ? ACTIVE_POLL_MS : IDLE_POLL_MS);
    };
    timeout = setTimeout(tick, 0);
    return () => {
      cancelled = true;
      clearTimeout(timeout);
    };
  }, [refresh, pollRound]);

  const channel = providers.find((p) => p.provider === provider)?.channel ?? 'email';

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const start = Date.parse(`${dateStart}T00:00:00Z`);
    const end = Date.parse(`${dateEnd}T00:00:00Z`);
    if (Number.isNaN(start) || Number.isNaN(end)) return setFormError('Enter both dates.');
    if (start >= end) return setFormError('The start date must be before the end date.');
    if ((end - start) / DAY_MS > MAX_RANGE_DAYS) return setFormError(`One job covers at most ${MAX_RANGE_DAYS} days.`);
    setFormError(null);
    setSubmitting(true);
    try {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ provider, channel, date_start: dateStart, date_end: dateEnd }),
      });
      if (!response.ok) {
        setFormError(response.status === 404 ? 'The backfill API is not available on this server.' : await errorMessageOf(response));
        return;
      }
      const body = (await response.json()) as Json;
      const id = text(body.job_id) ?? text(body.id) ?? '';
      setAnnouncement(`Backfill ${shortId(id)} started: ${text(body.status) ?? 'pending'}.`);
      setPollRound((round) => round + 1);
    } catch {
      setFormError('Could not reach the server.');
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <div className="backfill">
      <form className="controls" onSubmit={submit} aria-labelledby="backfill-form-title" noValidate>
        <h3 id="backfill-form-title" className="full">
          Start a backfill
        </h3>
        <div className="field">
          <label htmlFor="backfill-provider">Provider</label>
          <select id="backfill-provider" value={provider} onChange={(e) => setProvider(e.target.value)}>
            {providers.map((p) => (
              <option key={p.provider} value={p.provider}>
                {p.label} ({p.channel})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="backfill-start">From (UTC date)</label>
          <input id="backfill-start" type="date" value={dateStart} onChange={(e) => setDateStart(e.target.value)} required />
        </div>
        <div className="field">
          <label htmlFor="backfill-end">To (UTC date)</label>
          <input id="backfill-end" type="date" value={dateEnd} onChange={(e) => setDateEnd(e.target.value)} required />
        </div>
        <div className="field actions">
          <button type="submit" className="button" disabled={submitting}>
            {submitting ? 'Starting…' : 'Start backfill'}
          </button>
        </div>
        <p className="muted full">
          Fetches the provider’s history for the range (at most {MAX_RANGE_DAYS} days per job) and adds only events the ledger does not
          already hold.
        </p>
        {formError && (
          <p className="form-error full" role="alert" data-testid="backfill-error">
            {formError}
          </p>
        )}
      </form>

      <p role="status" className="visually-hidden" data-testid="backfill-announcement">
        {announcement}
      </p>

      <h3 id="backfill-jobs-title">Recent jobs</h3>
      {listState === 'loading' && <p className="muted">Loading backfill jobs…</p>}
      {listState === 'unavailable' && (
        <p className="card notice">The backfill API is not available on this server yet, so jobs cannot be listed or started here.</p>
      )}
      {listState === 'error' && (
        <p className="form-error" role="alert">
          Backfill jobs could not be loaded: {listError}
        </p>
      )}
      {listState === 'ready' && jobs.length === 0 && (
        <p className="card empty" data-testid="backfill-empty">
          No backfill jobs yet. Start one above to fetch a provider’s history for days when webhooks were missed.
        </p>
      )}
      {listState === 'ready' && jobs.length > 0 && (
        <div className="table-scroll" role="region" aria-labelledby="backfill-jobs-title" tabIndex={0}>
          <table className="data-table stack-on-narrow" role="table" data-testid="backfill-table">
            <thead role="rowgroup">
              <tr role="row">
                <th role="columnheader" scope="col">
                  Job
                </th>
                <th role="columnheader" scope="col">
                  Provider
                </th>
                <th role="columnheader" scope="col">
                  Dates
                </th>
                <th role="columnheader" scope="col">
                  Status
                </th>
                <th role="columnheader" scope="col" className="num">
                  Fetched
                </th>
                <th role="columnheader" scope="col" className="num">
                  Ingested
                </th>
                <th role="columnheader" scope="col">
                  Started
                </th>
                <th role="columnheader" scope="col">
                  Completed
                </th>
              </tr>
            </thead>
            <tbody role="rowgroup">
              {jobs.map((job) => (
                <tr key={job.id} role="row" data-job-id={job.id} data-status={job.status}>
                  <th scope="row" role="rowheader">
                    <code title={job.id}>{shortId(job.id)}</code>
                  </th>
                  <td role="cell" data-label="Provider">
                    {job.provider} <span className="muted">({job.channel})</span>
                  </td>
                  <td role="cell" data-label="Dates">
                    {job.dateStart} → {job.dateEnd}
                  </td>
                  <td role="cell" data-col="status" data-label="Status">
                    <span className={`badge ${job.status === 'completed' ? 'ok' : job.status === 'failed' ? 'bad' : 'neutral'}`}>
                      {job.status}
                    </span>
                    {job.percent !== null && ACTIVE.has(job.status) && (
                      <progress max={100} value={job.percent} aria-label={`Job ${shortId(job.id)} progress`}>
                        {Math.round(job.percent)} %
                      </progress>
                    )}
                    {job.errorMessage && <span className="job-error">{job.errorMessage}</span>}
                  </td>
                  <td role="cell" className="num" data-col="events_fetched" data-label="Fetched">
                    {formatCount(job.eventsFetched)}
                  </td>
                  <td role="cell" className="num" data-col="events_ingested" data-label="Ingested">
                    {formatCount(job.eventsIngested)}
                  </td>
                  <td role="cell" className="time" data-label="Started">
                    {formatUtc(job.startedAt)}
                  </td>
                  <td role="cell" className="time" data-label="Completed">
                    {formatUtc(job.completedAt)}
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
