-- Indexes of the ledger and the rollups that no query of the product uses. Each ledger index
-- costs every webhook event an index insert (and its WAL), and the ledger is the table that
-- grows fastest; each of these was shadowed by a wider index the queries do use:
--   idx_metrics_webhook_events_workspace (workspace_id): the exactly-once key (workspace_id,
--     provider, provider_event_id) starts with the same column; the one per-workspace ledger
--     read (ingestion health) counts the whole workspace and scans it either way.
--   idx_metrics_webhook_events_provider (provider, provider_event_id): every lookup by event id
--     also names the workspace and uses the exactly-once key.
--   idx_metrics_webhook_events_occurred_at: nothing filters or sorts the ledger by event time
--     (rollups are keyed by hour; retention reads received_at).
--   idx_metrics_rollups_workspace, idx_metrics_rollups_circuit, idx_metrics_rollups_test_variant:
--     every rollup read is scoped to a workspace and served by (workspace_id, time_bucket),
--     (workspace_id, ab_test_id, variant_id, time_bucket) or the rollup key.
-- Every index left on both tables is listed with the query that uses it, and checked against
-- the plan, in tests/db/indexes.test.ts. On a large database drop these with DROP INDEX
-- CONCURRENTLY first (same names); this migration then finds nothing to do.
drop index if exists idx_metrics_webhook_events_workspace;
drop index if exists idx_metrics_webhook_events_provider;
drop index if exists idx_metrics_webhook_events_occurred_at;
drop index if exists idx_metrics_rollups_workspace;
drop index if exists idx_metrics_rollups_circuit;
drop index if exists idx_metrics_rollups_test_variant;
