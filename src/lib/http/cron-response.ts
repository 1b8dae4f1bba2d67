import { annotateRequest } from '../observability/request-log';
import { jsonResponse } from './json-response';

/** A cron run's JSON answer; its counters also go on the run's log line. */
export function cronSummaryResponse(job: string, summary: object, startedAt: number): Response {
  const counters: Record<string, number | boolean> = {};
  for (const [key, value] of Object.entries(summary)) {
    if (typeof value === 'number' || typeof value === 'boolean') counters[key] = value;
  }
  annotateRequest({ summary: counters });
  return jsonResponse({ job, ...summary, duration_ms: Date.now() - startedAt, timestamp: new Date().toISOString() });
}
