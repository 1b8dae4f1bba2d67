// The backfill provider contract: each provider module lists the records (messages, emails,
// posts) of a job's window with their current totals; the worker turns totals into top-ups.
import type { z } from 'zod';
import { devStandInBaseUrl } from '../../../../net/dev-stand-ins';
import type { MetricsEventType, MetricsProvider } from '../../metrics-types';
import type { EnvBag } from './provider';
import { ProviderApiError, type ErrorClassifier, type ProviderHttp } from './backfill-http';

export type CountedEventType = Exclude<MetricsEventType, 'provider_only'>;

/** [start, end): date_start 00:00 UTC to the day after date_end (date_end is inclusive). */
export interface BackfillWindow {
  start: Date;
  end: Date;
}

/** One provider record and what the provider says it has accumulated so far. */
export interface BackfillRecord {
  /** The provider's id for this record; the same record seen twice in a page counts once. */
  recordId: string;
  /** The attribution key webhooks use for this object (provider_object_id). */
  objectId: string;
  /** Set where the provider reports per recipient of an object (SendGrid). */
  recipientHash: string | null;
  /** ISO time the top-up is dated at (its rollup hour). */
  occurredAt: string;
  /** Current totals per kind; each names the provider field it came from. */
  totals: Partial<Record<CountedEventType, { value: number; field: string }>>;
  /** A few identifying fields for raw_payload (no addresses). */
  source: Record<string, unknown>;
}

export interface BackfillPage {
  records: BackfillRecord[];
  /** Where to resume after this page (JSON); null when the window is done. */
  cursor: unknown;
  /** Share of the window covered so far (0..1), when the provider lets us tell. */
  fraction: number | null;
  warnings: string[];
}

export interface KnownObject {
  provider_object_id: string;
  created_at: Date;
}

export interface BackfillContext {
  workspaceId: string;
  provider: MetricsProvider;
  window: BackfillWindow;
  http: ProviderHttp;
  /**
   * Objects the workspace knows (attribution rows) first seen in the window, in id order after
   * `after`: for providers without a listing API by date (LinkedIn share statistics).
   */
  knownObjects(after: string | null, limit: number): Promise<KnownObject[]>;
}

export interface BackfillSource {
  /** Totals per provider record; the provider's own paging, resumable from `cursor`. */
  pages(ctx: BackfillContext, cursor: unknown): AsyncGenerator<BackfillPage, void, undefined>;
}

export interface BackfillProviderClient {
  provider: MetricsProvider;
  /** Names the provider in errors ("SendGrid Email Activity API"). */
  label: string;
  /** Throttling reported in error bodies rather than as 429 (Meta). */
  classifyError?: ErrorClassifier;
  /** Env vars the client reads (credentials first), for operators and error messages. */
  envVars: readonly string[];
  /** The env var a connection's account id stands in for, when its `api_key` is used (Meta, LinkedIn). */
  accountVar?: string;
  /** The source, or why it cannot run (missing credentials) as an operator-facing message. */
  open(env: EnvBag): BackfillSource | string;
}

export function readEnv(env: EnvBag, name: string): string | null {
  const value = env[name]?.trim();
  return value ? value : null;
}

/**
 * A base URL from env (tests point it at a local server), else the simulator's stand-in on a
 * development server (net/dev-stand-ins.ts), else the provider's default.
 */
export function baseUrl(env: EnvBag, name: string, fallback: string): string {
  return (readEnv(env, name) ?? devStandInBaseUrl(env, name) ?? fallback).replace(/\/+$/, '');
}

export function missingConfig(label: string, names: readonly string[]): string {
  return `${label} backfill is not configured: set ${names.join(' and ')}`;
}

/** A non-negative integer count, or null (absent, negative, or not a number). */
export function readCount(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

/** Share of [start, end) before `reached`, walking backwards from end (newest-first listings). */
export function fractionFromNewest(window: BackfillWindow, reachedMs: number): number {
  const span = window.end.getTime() - window.start.getTime();
  if (span <= 0) return 1;
  return Math.min(1, Math.max(0, (window.end.getTime() - reachedMs) / span));
}

/** Validates a provider response; a wrong shape fails the job naming the field. */
export function parseResponse<S extends z.ZodType>(schema: S, body: unknown, label: string, endpoint: string): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
  throw new ProviderApiError('malformed', `${label} ${endpoint}: unexpected response (${where}${issue?.message ?? 'invalid'})`);
}

/** A cursor saved by this version, or null (absent or unreadable: start the window over, which is safe). */
export function readCursor<S extends z.ZodType>(schema: S, cursor: unknown): z.output<S> | null {
  const parsed = schema.safeParse(cursor);
  return parsed.success ? parsed.data : null;
}
