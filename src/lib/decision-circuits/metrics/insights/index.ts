// Social impressions from the platforms' insights APIs: the scheduled poll and its cadence.
export {
  processInsightsPoll,
  INSIGHTS_CLAIM_BATCH,
  INSIGHTS_CLAIM_LEASE_MS,
  type InsightsPollOptions,
  type InsightsPollSummary,
  type InsightsAccountRun,
} from './poll';
export { nextPoll, INSIGHTS_CADENCE, INSIGHTS_MAX_AGE_MS, INSIGHTS_STOP_AFTER_UNCHANGED_POLLS, THROTTLE_BACKOFF } from './cadence';
export { getInsightsStatus, type InsightsAccountStatus } from './status';
