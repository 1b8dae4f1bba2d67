// Public API of the metrics domain: CX07 (upsertAttributionMap), CX08 and CX09 (getRollups)
// import from here. Every function works as the service (no claims) or as a user under RLS.
export * from './metrics-types';
export {
  METRICS_PROVIDERS,
  PROVIDER_CHANNEL,
  PROVIDER_EVENT_MAPPINGS,
  PROVIDER_LABELS,
  PROVIDER_WEBHOOK_HEADERS,
  isMetricsProvider,
} from './providers/registry';
export { verifyWebhookSignature, getProviderSecret, findProviderSecret } from './metrics-signatures';
export {
  normalizeProviderEvents,
  upsertAttributionMap,
  findAttributionMapping,
  getAttributionHealth,
  hashEmail,
  UNMAPPED_CIRCUIT_EXECUTION_ID,
  type UpsertAttributionResult,
} from './metrics-attribution';
export {
  computeDerivedMetrics,
  getRollups,
  getRollupSummary,
  getVariantComparison,
  getLatestRollups,
  LATEST_NUMBERS,
  type LatestRollup,
  type VariantComparison,
} from './metrics-rollup';
export {
  ingestWebhookPayload,
  ingestNormalizedEvents,
  reprocessUnprocessedWebhooks,
  markForReprocessing,
  type IngestResult,
  type IngestOutcome,
  type IngestedEvent,
  type ReprocessSummary,
} from './metrics-ingestion';
export { getIngestionHealth, INGESTION_HEALTH_EXACT_UP_TO, type IngestionHealthReport, type ProviderIngestionHealth } from './ops/health';
// Live numbers: the cheap version pages poll.
export { getLiveVersion, liveVersionQuerySchema, type LiveVersion, type LiveVersionQuery, type ProviderLastEvent } from './ops/live';
// CX09: wait in-process for one test's next change, or iterate over its verdict changes.
export { waitForDecisionChange, watchDecision, type DecisionChange, type WaitOptions, type WatchTarget } from './ops/watch';
export { evaluateVerdicts, type VerdictChange, type VerdictEvaluationSummary } from './ops/alerts/verdicts';
// The release notes' names, as documented aliases of the API above.
export {
  verifySendGridSignature,
  verifyResendSignature,
  verifyMetaSignature,
  verifyLinkedInSignature,
  normalizeProviderEvent,
  recalculateDerivedMetrics,
  mapEventToRollupColumns,
  ingestWebhookEvent,
  ingestWebhookEvents,
} from './compat';
export {
  isWorkspaceMember,
  assertWorkspaceMember,
  assertWorkspaceRole,
  WORKSPACE_ROLES,
  type WorkspaceRole,
  type AccessOptions,
} from './tenancy/access';
export { UnknownWorkspaceError, ForbiddenWorkspaceError, InsufficientRoleError, UnknownAbTestError } from './core/errors';

// A/B tests: the registry and the one decision CX09, the API and the dashboard share.
export {
  registerAbTest,
  listAbTestDefinitions,
  getAbTestDefinition,
  abTestRegistrationSchema,
  DECISION_METRICS,
  DEFAULT_WINDOW_HOURS,
  type AbTestDefinition,
  type AbTestRegistration,
  type AbTestRegistrationInput,
  type DecisionMetric,
} from './ab-tests/registry';
export {
  getAbTestDecision,
  abTestDecisionQuerySchema,
  type AbTestDecisionReport,
  type AbTestDecisionQuery,
  type DecisionOptions,
  type DecisionWindow,
} from './ab-tests/decision';
// The engine's types the report is made of, every verdict included, so callers need one import.
export type { AbTestDecision, AbTestVerdict, ComparisonOutcome, VariantResult } from '../../stats';

// Backfill and retention (cron)
export {
  enqueueBackfill,
  getBackfillJob,
  listBackfillJobs,
  processBackfillJobs,
  topUpEventId,
  BACKFILL_MAX_ACTIVE_JOBS,
  BACKFILL_LEDGER_HORIZON_DAYS,
  type BackfillJobStatus,
  type BackfillProgress,
  type EnqueuedBackfill,
  type ProcessBackfillOptions,
  type ProcessBackfillSummary,
} from './backfill';
export {
  runMetricsRetention,
  RETENTION_POLICY,
  RETENTION_TABLES,
  LEDGER_RETENTION_DAYS,
  type RetentionSummary,
  type RetentionTableSummary,
} from './ops/retention';
