// Backfill of historical engagement from provider APIs: job queue, worker, provider clients.
export {
  enqueueBackfill,
  getBackfillJob,
  listBackfillJobs,
  backfillJobView,
  backfillEnqueuedBody,
  BACKFILL_MAX_ACTIVE_JOBS,
  BACKFILL_NOTE,
  type BackfillJobStatus,
  type BackfillProgress,
  type EnqueuedBackfill,
} from './jobs';
export {
  processBackfillJobs,
  backfillWindow,
  BACKFILL_TIME_BUDGET_MS,
  BACKFILL_STALE_AFTER_MS,
  BACKFILL_MAX_ATTEMPTS,
  type ProcessBackfillOptions,
  type ProcessBackfillSummary,
  type BackfillRunResult,
} from './worker';
export { topUpEventId, BACKFILL_LEDGER_HORIZON_DAYS } from './topup';
export { BACKFILL_CLIENTS, getBackfillClient } from '../providers/registry';
export {
  ProviderApiError,
  ProviderHttp,
  TimeBudgetExhaustedError,
  BACKFILL_HTTP_DEFAULTS,
  type ProviderHttpOptions,
} from '../providers/kit/backfill-http';
export type { BackfillProviderClient, BackfillRecord, BackfillPage, BackfillContext } from '../providers/kit/backfill-client';
export { parseBackfillRequest, backfillRequestSchema, backfillQuerySchema, BACKFILL_ERRORS, type BackfillRequest } from './schemas';
