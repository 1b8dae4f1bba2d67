// Plays a planned campaign against a running app over HTTP, on the plan's schedule compressed by
// `speed`: mappings through the attribution route (as the executors would), webhooks through the
// webhook route, each signed as its provider signs it. Retries like a provider on 5xx/429.
import { simulatedAbTestRegistration } from './ab-test-registration';
import type { CampaignPlan, SimDelivery } from './campaign-model';
import {
  diffRollups,
  expectedRollups,
  type Acknowledgements,
  type ExpectedRollup,
  type ReportedRollup,
  type RollupMismatch,
} from './ground-truth';
import { signedWebhookRequest, type SigningKeys } from './request-signing';
import { ROLLUP_COUNTERS } from '../../src/lib/decision-circuits/metrics/metrics-types';

export interface RunProgress {
  /** Wall time since the run started. */
  wallMs: number;
  /** Campaign time reached (offset from its start). */
  simMs: number;
  durationMs: number;
  done: number;
  total: number;
  transportRetries: number;
  failed: number;
}

export interface RunOptions {
  baseUrl: string;
  workspaceId: string;
  /** Bearer token of a workspace member (for the attribution route). */
  token: string;
  keys: SigningKeys;
  /** Campaign seconds per wall second. */
  speed: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Attempts per request when the app answers 5xx/429 or the connection fails. */
  maxAttempts?: number;
  onProgress?: (progress: RunProgress) => void;
  signal?: AbortSignal;
}

export interface RunFailure {
  what: string;
  status: number;
  body: string;
}

export interface RunOutcome {
  acks: Acknowledgements;
  /** The A/B test was registered with its names (false for a one-variant campaign or a refusal). */
  abTestRegistered: boolean;
  failures: RunFailure[];
  /** Re-sends after a 5xx/429/connection error (not the plan's simulated provider retries). */
  transportRetries: number;
  wallMs: number;
}

const REQUEST_TIMEOUT_MS = 30_000;
const PROGRESS_EVERY_MS = 200;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function isRetryable(status: number): boolean {
  return status === 0 || status === 429 || status >= 500;
}

interface Attempt {
  ok: boolean;
  status: number;
  body: string;
  /** The app's Retry-After (503 under load), in ms. */
  retryAfterMs: number | null;
}

const MAX_RETRY_AFTER_MS = 10_000;

async function attempt(url: string, init: RequestInit): Promise<Attempt> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const body = await response.text();
    const retryAfter = Number(response.headers.get('retry-after'));
    const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, MAX_RETRY_AFTER_MS) : null;
    return { ok: response.ok, status: response.status, body, retryAfterMs };
  } catch (error) {
    return { ok: false, status: 0, body: error instanceof Error ? error.message : String(error), retryAfterMs: null };
  }
}

function workspaceRouteUrl(baseUrl: string, route: string, workspaceId: string): string {
  const url = new URL(route, baseUrl);
  url.searchParams.set('workspaceId', workspaceId);
  return url.toString();
}

export function attributionUrl(baseUrl: string, workspaceId: string): string {
  return workspaceRouteUrl(baseUrl, '/api/circuits/metrics/attribution', workspaceId);
}

export async function runCampaign(plan: CampaignPlan, options: RunOptions): Promise<RunOutcome> {
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const maxAttempts = Math.max(1, options.maxAttempts ?? 6);
  const durationMs = plan.endMs - plan.startMs;
  const acks = {
    deliveries: plan.deliveries.map(() => false),
    registrations: plan.registrations.map(() => false),
  };
  const failures: RunFailure[] = [];
  let transportRetries = 0;
  let done = 0;
  let simMs = 0;

  type Item = { atMs: number; run: () => Promise<void> };
  const send = async (what: string, makeInit: () => { url: string; init: RequestInit }): Promise<boolean> => {
    for (let n = 1; ; n += 1) {
      const { url, init } = makeInit();
      const result = await attempt(url, init);
      if (result.ok) return true;
      if (!isRetryable(result.status) || n >= maxAttempts || options.signal?.aborted) {
        failures.push({ what, status: result.status, body: result.body.slice(0, 500) });
        return false;
      }
      transportRetries += 1;
      await sleep(result.retryAfterMs ?? Math.min(250 * 2 ** n, 5_000));
    }
  };

  const postDelivery = (delivery: SimDelivery) => () => {
    // Signed at send time: signature timestamps are fresh even when the event is old.
    const request = signedWebhookRequest({
      baseUrl: options.baseUrl,
      workspaceId: options.workspaceId,
      provider: delivery.provider,
      body: delivery.body,
      keys: options.keys,
      deliveryId: delivery.deliveryId,
    });
    return { url: request.url, init: { method: 'POST', headers: request.headers, body: request.body } };
  };

  const postAsMember = (url: string, body: unknown) => () => ({
    url,
    init: {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
      body: JSON.stringify(body),
    },
  });

  // Before any event: the test's names, control and split, as a sender registers them.
  const abTest = simulatedAbTestRegistration(plan);
  const abTestRegistered = abTest
    ? await send(
        'A/B test registration',
        postAsMember(workspaceRouteUrl(options.baseUrl, '/api/circuits/metrics/ab-tests', options.workspaceId), abTest),
      )
    : false;

  const items: Item[] = [
    ...plan.registrations.map((registration, index) => ({
      atMs: registration.atMs,
      run: async () => {
        acks.registrations[index] = await send(
          `attribution (${registration.mappings.length} mappings)`,
          postAsMember(attributionUrl(options.baseUrl, options.workspaceId), registration.mappings),
        );
      },
    })),
    ...plan.deliveries.map((delivery, index) => ({
      atMs: delivery.atMs,
      run: async () => {
        acks.deliveries[index] = await send(`${delivery.provider} ${delivery.kind} delivery #${index}`, postDelivery(delivery));
      },
    })),
  ];
  // Stable sort: at equal times a registration goes before the deliveries.
  items.sort((a, b) => a.atMs - b.atMs);

  const wallStart = Date.now();
  const progress = (): RunProgress => ({
    wallMs: Date.now() - wallStart,
    simMs,
    durationMs,
    done,
    total: items.length,
    transportRetries,
    failed: failures.length,
  });
  const ticker = options.onProgress ? setInterval(() => options.onProgress?.(progress()), PROGRESS_EVERY_MS) : null;

  let active = 0;
  const waiting: (() => void)[] = [];
  const inFlight: Promise<void>[] = [];
  try {
    for (const item of items) {
      if (options.signal?.aborted) break;
      const wait = wallStart + item.atMs / options.speed - Date.now();
      if (wait > 0) await sleep(wait);
      simMs = Math.max(simMs, Math.min(item.atMs, durationMs));
      while (active >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
      active += 1;
      inFlight.push(
        item.run().finally(() => {
          active -= 1;
          done += 1;
          waiting.shift()?.();
        }),
      );
    }
    await Promise.all(inFlight);
    simMs = durationMs;
  } finally {
    if (ticker) clearInterval(ticker);
    options.onProgress?.(progress());
  }
  return { acks, abTestRegistered, failures, transportRetries, wallMs: Date.now() - wallStart };
}

/** The app's rollups for the campaign's A/B test, one rollups-API call per variant. */
export async function fetchRollups(
  plan: CampaignPlan,
  options: Pick<RunOptions, 'baseUrl' | 'workspaceId' | 'token'>,
): Promise<ReportedRollup[]> {
  const rows: ReportedRollup[] = [];
  for (const variant of plan.variants) {
    const url = new URL('/api/circuits/metrics/rollups', options.baseUrl);
    url.searchParams.set('workspaceId', options.workspaceId);
    url.searchParams.set('abTestId', plan.abTestId);
    url.searchParams.set('variantId', variant.variantId);
    url.searchParams.set('limit', '500');
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${options.token}` },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`GET ${url.pathname} answered ${response.status}: ${text.slice(0, 300)}`);
    const body = JSON.parse(text) as { rollups?: ReportedRollup[] };
    rows.push(...(body.rollups ?? []));
  }
  return rows;
}

export interface Verification {
  expected: ExpectedRollup[];
  actual: ReportedRollup[];
  mismatches: RollupMismatch[];
}

/**
 * Ground truth (given what the app acknowledged) against the rollups API. With `impressionsApart`
 * the hourly comparison leaves social_impressions out: the insights poll dates them at the hour
 * it read them, not in campaign time, and they are compared per variant instead (insights-simulation.ts).
 */
export async function verifyCampaign(
  plan: CampaignPlan,
  outcome: Pick<RunOutcome, 'acks'>,
  options: Pick<RunOptions, 'baseUrl' | 'workspaceId' | 'token'> & { impressionsApart?: boolean },
): Promise<Verification> {
  const expected = expectedRollups(plan, outcome.acks);
  const actual = await fetchRollups(plan, options);
  const compared = options.impressionsApart
    ? actual
        .map((row) => ({ ...row, social_impressions: 0 }))
        .filter((row) => ROLLUP_COUNTERS.some((counter) => Number(row[counter] ?? 0) !== 0))
    : actual;
  return { expected, actual, mismatches: diffRollups(expected, compared) };
}
