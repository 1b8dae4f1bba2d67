import { annotateRequest } from '../observability/request-log';

/** A cron run's JSON answer; its counters also go on the run's log line. */
export function cronSummaryBody<S extends object>(
  job: string,
  summary: S,
  startedAt: number,
): { job: string } & S & { duration_ms: number; timestamp: string } {
  const counters: Record<string, number | boolean> = {};
  for (const [key, value] of Object.entries(summary)) {
    if (typeof value === 'number' || typeof value === 'boolean') counters[key] = value;
  }
  annotateRequest({ summary: counters });
  return { job, ...summary, duration_ms: Date.now() - startedAt, timestamp: new Date().toISOString() };
}
