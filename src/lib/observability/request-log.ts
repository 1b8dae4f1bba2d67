// One log line, one set of counters and one span per API request or cron run. Routes add what
// they learn (provider, workspace, event counts) with annotateRequest; nothing else is logged:
// no header but the request id, no payload, no token, no address.
import { AsyncLocalStorage } from 'node:async_hooks';
import { getLogger } from './logger';
import { getMetrics } from './metrics';
import { resolveRequestId } from './request-id';
import { isSpanContextValid } from '@opentelemetry/api';
import { inSpan } from './tracing';
import { routeTemplateOf } from './route-templates';

export interface EventCounts {
  applied: number;
  pending: number;
  recorded: number;
  orphaned: number;
  duplicate: number;
  rejected: number;
}

/** What a route may add to its log line. Only these fields exist, so nothing else can leak. */
export interface RequestAnnotations {
  /** A provider id the caller parsed against the registry (the domain's MetricsProvider). */
  provider?: string;
  workspace_id?: string;
  events?: EventCounts;
  /** One of the domain's closed set of verification failure codes. */
  verification_failure?: string;
  error?: string;
  /** Why a 503 was answered (the database error's class, code and message; never a connection string). */
  unavailable_cause?: string;
  /** Cron and backfill summaries: counters only. */
  summary?: Record<string, number | boolean>;
}

interface RequestState extends RequestAnnotations {
  request_id: string;
  /** The request span's ids (when tracing is on), so a log line leads to its trace. */
  trace_id?: string;
  span_id?: string;
}

const store = new AsyncLocalStorage<RequestState>();

/** Adds fields to the current request's log line (no-op outside a request). */
export function annotateRequest(fields: RequestAnnotations): void {
  const state = store.getStore();
  if (state) Object.assign(state, fields);
}

/** The current request's id (null outside a request). */
export function currentRequestId(): string | null {
  return store.getStore()?.request_id ?? null;
}

export type RequestKind = 'request' | 'cron';

function withRequestIdHeader(response: Response, requestId: string): Response {
  try {
    response.headers.set('x-request-id', requestId);
    return response;
  } catch {
    // Immutable headers (a fetched or redirect response): copy once.
    const headers = new Headers(response.headers);
    headers.set('x-request-id', requestId);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}

function eventsTotals(events: EventCounts) {
  const { duplicate, rejected, ...rest } = events;
  return { accepted: Object.values(rest).reduce((sum, n) => sum + n, 0), duplicate, rejected };
}

/** A status as a label: one of the few hundred valid codes, whatever a handler returned. */
function statusLabel(status: number): string {
  return Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : 'other';
}

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** A method for logs and span names: the standard ones, else `other`. */
function methodLabel(method: string): string {
  return HTTP_METHODS.has(method) ? method : 'other';
}

const LABEL_VALUE = /^[a-z][a-z0-9_]{0,39}$/;

function isLabelValue(value: string): boolean {
  return LABEL_VALUE.test(value);
}

function record(kind: RequestKind, route: string, method: string, state: RequestState, status: number, seconds: number): void {
  const metrics = getMetrics();
  metrics.httpRequests.inc({ route, status: statusLabel(status) });
  metrics.httpDuration.observe({ route }, seconds);
  if (status === 503) metrics.unavailableResponses.inc({ route });
  // Callers annotate only values of closed sets (a provider id, a failure code); the shape check
  // keeps a value that slipped in anyway from turning free text into a label.
  if (state.provider && isLabelValue(state.provider) && route === '/api/webhooks/metrics' && method === 'POST') {
    metrics.deliveries.inc({ provider: state.provider, status: statusLabel(status) });
    if (state.verification_failure && isLabelValue(state.verification_failure))
      metrics.verificationFailures.inc({ provider: state.provider, reason: state.verification_failure });
    if (state.events) {
      for (const [outcome, n] of Object.entries(state.events)) if (n > 0) metrics.events.inc({ provider: state.provider, outcome }, n);
    }
  }
  const job = route.split('/').at(-1) ?? route;
  if (kind === 'cron') {
    metrics.cronRuns.inc({ cron_job: job, outcome: status < 400 ? 'ok' : 'error' });
    metrics.cronDuration.observe({ cron_job: job }, seconds);
  }
  const line = {
    kind,
    request_id: state.request_id,
    ...(state.trace_id ? { trace_id: state.trace_id, span_id: state.span_id } : {}),
    method,
    route,
    ...(kind === 'cron' ? { job } : {}),
    status,
    duration_ms: Math.round(seconds * 1000),
    ...(state.provider ? { provider: state.provider } : {}),
    ...(state.workspace_id ? { workspace_id: state.workspace_id } : {}),
    ...(state.events ? { events: eventsTotals(state.events), outcomes: state.events } : {}),
    ...(state.verification_failure ? { verification_failure: state.verification_failure } : {}),
    ...(state.error ? { error: state.error } : {}),
    ...(state.unavailable_cause ? { unavailable_cause: state.unavailable_cause } : {}),
    ...(state.summary ? { summary: state.summary } : {}),
  };
  const logger = getLogger();
  const message = kind === 'cron' ? 'cron run' : 'request';
  if (status >= 500) logger.error(line, message);
  else if (status >= 400 && status !== 404) logger.warn(line, message);
  else logger.info(line, message);
}

/**
 * Wraps a route handler: request id in and out (`x-request-id`), a span, one log line and the
 * request counters. The handler maps its own errors to responses; a throw here is a bug (500).
 */
export function observeRequest<R extends Request>(
  kind: RequestKind,
  handler: (request: R) => Promise<Response>,
): (request: R) => Promise<Response> {
  return async (request: R): Promise<Response> => {
    const startedAt = performance.now();
    const state: RequestState = { request_id: resolveRequestId(request.headers) };
    // The route's template, never the raw path: one series per route, whatever the caller sends.
    const route = routeTemplateOf(new URL(request.url).pathname);
    const method = methodLabel(request.method);
    const response = await store.run(state, () =>
      inSpan(
        kind === 'cron' ? `cron ${route}` : `handle ${method} ${route}`,
        { 'http.request.method': method, 'http.route': route, 'metrics_engine.request_id': state.request_id },
        async (span) => {
          const context = span.spanContext();
          if (isSpanContextValid(context)) Object.assign(state, { trace_id: context.traceId, span_id: context.spanId });
          const answer = await handler(request);
          span.setAttribute('http.response.status_code', answer.status);
          if (state.provider) span.setAttribute('metrics_engine.provider', state.provider);
          if (state.workspace_id) span.setAttribute('metrics_engine.workspace_id', state.workspace_id);
          return answer;
        },
      ),
    );
    record(kind, route, method, state, response.status, (performance.now() - startedAt) / 1000);
    return withRequestIdHeader(response, state.request_id);
  };
}
