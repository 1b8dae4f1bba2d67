'use client';

// Keeps a server-rendered page current: polls the page's live version (GET
// /api/circuits/metrics/live) with its ETag while the tab is visible, and when the version moves
// asks Next to render the page's server components again (router.refresh(): same URL, scroll and
// form state kept), one render at a time: a version seen while a render is under way is rendered
// once that one lands, so a busy server is never asked for overlapping renders of one page. Says
// how fresh the numbers are, shows a stale state with backoff when polls fail, and tells screen
// readers about new numbers at most once per ANNOUNCE_EVERY_MS.
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useRef, useState, useTransition } from 'react';
import type { LiveVersion } from '@/lib/decision-circuits/metrics';
import { LIVE_CHANGE_EVENT } from './live-events';

/** Between polls while visible: a counted event shows within about this plus one render. */
export const LIVE_POLL_MS = 2_000;
/** Failed polls back off exponentially up to this (with jitter). */
const MAX_BACKOFF_MS = 60_000;
/** Failures in a row before the page says its numbers are stale. */
const STALE_AFTER_FAILURES = 2;
const ANNOUNCE_EVERY_MS = 30_000;
const RENDER_GIVE_UP_MS = 15_000;

type LiveSnapshot = Pick<LiveVersion, 'version' | 'counted_up_to' | 'providers'>;

/** `14:05:09 UTC`: deterministic, so the server's render and the browser's hydration agree. */
function clock(iso: string | null): string {
  if (!iso) return '–';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(11, 19)} UTC`;
}

/** `2026-01-23 14:05 UTC`, or `never`. */
function minute(iso: string | null): string {
  if (!iso) return 'never';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function backoffDelay(failures: number, random: number = Math.random()): number {
  const base = Math.min(MAX_BACKOFF_MS, LIVE_POLL_MS * 2 ** failures);
  return Math.round(base * (0.75 + 0.5 * random));
}

export interface LiveUpdatesProps {
  workspaceId: string;
  abTestId?: string;
  /** The version the server read before rendering the page's numbers. */
  initial: LiveSnapshot;
  providerLabels: Record<string, string>;
}

export function LiveUpdates({ workspaceId, abTestId, initial, providerLabels }: LiveUpdatesProps) {
  const router = useRouter();
  const query = new URLSearchParams({ workspaceId, ...(abTestId ? { abTestId } : {}) });
  const endpoint = `/api/circuits/metrics/live?${query.toString()}`;
  const [snapshot, setSnapshot] = useState<LiveSnapshot>(initial);
  const [updatedAt, setUpdatedAt] = useState(initial.counted_up_to);
  const [countedUpTo, setCountedUpTo] = useState(initial.counted_up_to);
  const [failures, setFailures] = useState(0);
  const [retryIn, setRetryIn] = useState<number | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const version = useRef(initial.version);
  const lastAnnounced = useRef(0);
  const pendingAnnouncement = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const [round, setRound] = useState(0);
  const [rendering, startRender] = useTransition();
  // Read by the poll loop without restarting it whenever a render starts or lands.
  const renderStartedAt = useRef<number | null>(null);
  const renderAgain = useRef(false);

  const startRendering = useCallback(() => {
    renderStartedAt.current = Date.now();
    startRender(() => router.refresh());
  }, [router]);

  const render = useCallback(() => {
    // A render that never reported landing is not waited for past RENDER_GIVE_UP_MS.
    const busy = renderStartedAt.current !== null && Date.now() - renderStartedAt.current < RENDER_GIVE_UP_MS;
    if (busy) renderAgain.current = true;
    else startRendering();
  }, [startRendering]);

  // The render under way landed: a version that moved meanwhile gets its render now.
  useEffect(() => {
    if (rendering) return;
    renderStartedAt.current = null;
    if (!renderAgain.current) return;
    renderAgain.current = false;
    startRendering();
  }, [rendering, startRendering]);

  const announce = useCallback((text: string) => {
    clearTimeout(pendingAnnouncement.current);
    const wait = Math.max(0, lastAnnounced.current + ANNOUNCE_EVERY_MS - Date.now());
    // Changes within the window are told once, at its end, with the newest time.
    pendingAnnouncement.current = setTimeout(() => {
      lastAnnounced.current = Date.now();
      setAnnouncement(text);
    }, wait);
  }, []);

  /** One poll; answers whether it succeeded. */
  const poll = useCallback(async (): Promise<boolean> => {
    const response = await fetch(endpoint, {
      cache: 'no-store',
      headers: { accept: 'application/json', 'if-none-match': `"${version.current}"` },
    }).catch(() => null);
    if (!response || (response.status !== 304 && !response.ok)) return false;
    if (response.status === 304) {
      setCountedUpTo(response.headers.get('x-counted-up-to') ?? new Date().toISOString());
      return true;
    }
    const live = (await response.json().catch(() => null)) as LiveVersion | null;
    if (!live?.version) return false;
    setCountedUpTo(live.counted_up_to);
    if (live.version !== version.current) {
      version.current = live.version;
      setSnapshot(live);
      setUpdatedAt(live.counted_up_to);
      render();
      window.dispatchEvent(new CustomEvent(LIVE_CHANGE_EVENT, { detail: { version: live.version } }));
      announce(`Numbers updated at ${clock(live.counted_up_to)}.`);
    }
    return true;
  }, [endpoint, render, announce]);

  useEffect(() => {
    let cancelled = false;
    let timeout: ReturnType<typeof setTimeout> | undefined;
    let failed = 0;
    const schedule = (delay: number) => {
      clearTimeout(timeout);
      if (!cancelled && !document.hidden) timeout = setTimeout(tick, delay);
    };
    async function tick() {
      const ok = await poll();
      if (cancelled) return;
      failed = ok ? 0 : failed + 1;
      setFailures(failed);
      const delay = ok ? LIVE_POLL_MS : backoffDelay(failed);
      setRetryIn(ok ? null : Math.round(delay / 1000));
      schedule(delay);
    }
    // A hidden tab stops polling; shown again, it checks at once.
    const onVisibility = () => (document.hidden ? clearTimeout(timeout) : schedule(0));
    document.addEventListener('visibilitychange', onVisibility);
    schedule(LIVE_POLL_MS);
    return () => {
      cancelled = true;
      clearTimeout(timeout);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [poll, round]);

  useEffect(() => () => clearTimeout(pendingAnnouncement.current), []);

  const stale = failures >= STALE_AFTER_FAILURES;
  return (
    <section
      className={`card live-status${stale ? ' notice' : ''}`}
      aria-label="Freshness"
      data-testid="live-status"
      data-state={stale ? 'stale' : 'live'}
    >
      <p className="small">
        {stale ? (
          <>
            <strong data-testid="live-stale">Not updating:</strong> the last {failures} checks failed; these numbers may be out of date.{' '}
            {retryIn !== null && <>Retrying in about {retryIn} s. </>}
            <button type="button" className="button small" onClick={() => setRound((n) => n + 1)}>
              Retry now
            </button>{' '}
          </>
        ) : (
          <strong>Live. </strong>
        )}
        <span data-testid="live-updated">Updated {clock(updatedAt)}</span>,{' '}
        <span data-testid="live-counted">counted up to {clock(countedUpTo)}</span>.
      </p>
      {snapshot.providers.length > 0 && (
        <p className="small muted" data-testid="live-providers">
          Last event received:{' '}
          {snapshot.providers.map((p, index) => (
            <span key={p.provider}>
              {index > 0 && ' · '}
              {providerLabels[p.provider] ?? p.provider} {minute(p.last_received_at)}
            </span>
          ))}
          .
        </p>
      )}
      <p className="visually-hidden" aria-live="polite" data-testid="live-announcement">
        {announcement}
      </p>
    </section>
  );
}
