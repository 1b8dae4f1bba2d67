// Provider API calls for backfill: JSON GETs with bounded retries, Retry-After and rate-limit
// headers honoured, and errors that say which provider and endpoint failed (never a token).

import { storableJson } from '../../../../json/storable';

export type ProviderErrorKind = 'rate_limited' | 'http' | 'malformed' | 'network';

/** A provider call that failed for good; its message is what the job's error_message shows. */
export class ProviderApiError extends Error {
  readonly kind: ProviderErrorKind;
  readonly status: number | null;
  /** The provider's parsed error body, for provider-specific handling (Meta error codes). */
  readonly body: unknown;
  constructor(kind: ProviderErrorKind, message: string, status: number | null = null, body: unknown = null) {
    super(message);
    this.name = 'ProviderApiError';
    this.kind = kind;
    this.status = status;
    this.body = body;
  }
}

/** Waiting any longer would run past this run's time budget: the job pauses and resumes next run. */
export class TimeBudgetExhaustedError extends Error {
  constructor() {
    super('Time budget exhausted');
    this.name = 'TimeBudgetExhaustedError';
  }
}

/** How a provider reports throttling inside an error body (Meta: error codes 4, 17, 32, 613). */
export type ErrorClassifier = (status: number, body: unknown) => 'rate_limited' | 'retry' | null;

export interface ProviderHttpOptions {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Retries after the first try, for 429, 5xx, network errors and unreadable bodies. */
  maxRetries?: number;
  baseDelayMs?: number;
  /** A provider asking for a longer wait than this fails the call instead of stalling the run. */
  maxDelayMs?: number;
  timeoutMs?: number;
  /** Epoch ms past which no wait may end (the run's time budget). */
  deadline?: number;
}

export const BACKFILL_HTTP_DEFAULTS = {
  maxRetries: 4,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  timeoutMs: 30_000,
} as const;

const MAX_MESSAGE_LENGTH = 300;
/** A request may run this long past the run's deadline (the routes' maxDuration leaves 15 s). */
const DEADLINE_GRACE_MS = 10_000;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Retry-After: delta seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

/** X-RateLimit-Reset (SendGrid: epoch seconds) or ratelimit-reset (Resend: seconds from now). */
export function parseRateLimitReset(value: string | null, now = Date.now()): number | null {
  if (value === null || !/^\d+(\.\d+)?$/.test(value.trim())) return null;
  const n = Number(value.trim());
  return n > 1e9 ? Math.max(0, n * 1000 - now) : Math.round(n * 1000);
}

function rateLimitWait(headers: Headers): number | null {
  return (
    parseRetryAfter(headers.get('retry-after')) ?? parseRateLimitReset(headers.get('x-ratelimit-reset') ?? headers.get('ratelimit-reset'))
  );
}

function exhausted(headers: Headers): boolean {
  const remaining = headers.get('x-ratelimit-remaining') ?? headers.get('ratelimit-remaining');
  return remaining !== null && remaining.trim() === '0';
}

/** The provider's own words, from whichever error shape it uses. */
export function providerMessage(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const b = body as Record<string, unknown>;
  const errors = Array.isArray(b.errors) ? (b.errors[0] as Record<string, unknown> | undefined) : undefined;
  const graph = typeof b.error === 'object' && b.error !== null ? (b.error as Record<string, unknown>) : undefined;
  const candidate = errors?.message ?? graph?.message ?? b.message ?? (typeof b.error === 'string' ? b.error : null);
  return typeof candidate === 'string' && candidate !== '' ? candidate.slice(0, MAX_MESSAGE_LENGTH) : null;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    // Provider API pages go through the same cleaning as webhook bodies.
    return { ok: true, value: storableJson(text, JSON.parse(text) as unknown) };
  } catch {
    return { ok: false };
  }
}

/** One provider's HTTP client; `label` names it in errors ("SendGrid", "Meta Graph API"). */
export class ProviderHttp {
  private readonly options: Required<Omit<ProviderHttpOptions, 'deadline'>> & { deadline: number };
  private notBefore = 0;

  constructor(
    readonly label: string,
    options: ProviderHttpOptions = {},
    private readonly classify: ErrorClassifier = () => null,
  ) {
    this.options = {
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      sleep: options.sleep ?? realSleep,
      maxRetries: options.maxRetries ?? BACKFILL_HTTP_DEFAULTS.maxRetries,
      baseDelayMs: options.baseDelayMs ?? BACKFILL_HTTP_DEFAULTS.baseDelayMs,
      maxDelayMs: options.maxDelayMs ?? BACKFILL_HTTP_DEFAULTS.maxDelayMs,
      timeoutMs: options.timeoutMs ?? BACKFILL_HTTP_DEFAULTS.timeoutMs,
      deadline: options.deadline ?? Number.POSITIVE_INFINITY,
    };
  }

  private async wait(ms: number): Promise<void> {
    if (ms <= 0) return;
    if (Date.now() + ms > this.options.deadline) throw new TimeBudgetExhaustedError();
    await this.options.sleep(ms);
  }

  private backoff(attempt: number): number {
    const exponential = this.options.baseDelayMs * 2 ** attempt;
    // Jitter keeps several workers that failed together from retrying together.
    return Math.min(this.options.maxDelayMs, Math.round(exponential * (1 + Math.random() * 0.2)));
  }

  /**
   * GET `url` and parse JSON. `endpoint` names the call in errors without its query string,
   * which may hold cursors or tokens.
   */
  async getJson(url: URL, headers: Record<string, string>, endpoint: string): Promise<unknown> {
    const { maxRetries, maxDelayMs } = this.options;
    let lastError: ProviderApiError | null = null;
    for (let attempt = 0; attempt <= maxRetries; attempt += 1) {
      await this.wait(this.notBefore - Date.now());
      // No request outlives the run by more than the grace: the platform would kill it mid-page.
      const timeout = Math.min(this.options.timeoutMs, this.options.deadline + DEADLINE_GRACE_MS - Date.now());
      if (timeout <= 0) throw new TimeBudgetExhaustedError();
      let response: Response;
      let text: string;
      try {
        response = await this.options.fetch(url, {
          method: 'GET',
          headers: { accept: 'application/json', ...headers },
          signal: AbortSignal.timeout(timeout),
          redirect: 'error',
        });
        text = await response.text();
      } catch (error) {
        if (Date.now() >= this.options.deadline + DEADLINE_GRACE_MS) throw new TimeBudgetExhaustedError();
        const reason = error instanceof Error ? error.message : String(error);
        lastError = new ProviderApiError('network', `${this.label} ${endpoint}: request failed (${reason})`);
        if (attempt < maxRetries) await this.wait(this.backoff(attempt));
        continue;
      }

      const parsed = parseJson(text);
      const body = parsed.ok ? parsed.value : null;
      const verdict = response.status === 429 ? 'rate_limited' : this.classify(response.status, body);

      if (response.ok && verdict === null) {
        if (!parsed.ok) {
          // A truncated or garbled page: worth another try, then a clear failure.
          lastError = new ProviderApiError('malformed', `${this.label} ${endpoint}: response is not valid JSON`, response.status);
          if (attempt < maxRetries) await this.wait(this.backoff(attempt));
          continue;
        }
        if (exhausted(response.headers)) {
          this.notBefore = Date.now() + Math.min(maxDelayMs, rateLimitWait(response.headers) ?? this.options.baseDelayMs);
        }
        return body;
      }

      const message = providerMessage(body);
      const detail = message === null ? `HTTP ${response.status}` : `HTTP ${response.status}: ${message}`;
      if (verdict === 'rate_limited') {
        const asked = rateLimitWait(response.headers);
        if (asked !== null && asked > maxDelayMs) {
          throw new ProviderApiError(
            'rate_limited',
            `${this.label} ${endpoint}: rate limited, asked to wait ${Math.ceil(asked / 1000)} s (more than ${maxDelayMs / 1000} s); rerun the backfill later`,
            response.status,
          );
        }
        lastError = new ProviderApiError('rate_limited', `${this.label} ${endpoint}: rate limited (${detail})`, response.status);
        if (attempt < maxRetries) await this.wait(asked ?? this.backoff(attempt));
        continue;
      }
      if (verdict === 'retry' || response.status >= 500 || response.status === 408) {
        lastError = new ProviderApiError('http', `${this.label} ${endpoint}: ${detail}`, response.status);
        if (attempt < maxRetries) await this.wait(this.backoff(attempt));
        continue;
      }
      throw new ProviderApiError('http', `${this.label} ${endpoint}: ${detail}`, response.status, body);
    }
    const error = lastError ?? new ProviderApiError('network', `${this.label} ${endpoint}: no response`);
    throw new ProviderApiError(error.kind, `${error.message}; gave up after ${maxRetries + 1} attempts`, error.status);
  }
}
