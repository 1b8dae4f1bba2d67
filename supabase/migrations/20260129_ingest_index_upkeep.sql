-- Index upkeep per ingested event. A 500-event SendGrid batch writes 500 ledger rows, maps its
-- 100 messages (one attribution row each) and then, in the same transaction, updates those rows'
-- first open / click times. Every index on those tables is written for each new row version, so:
--
-- 1. idx_metrics_attribution_provider_object (workspace_id, provider, provider_object_id) is the
--    same key, in the same order, as the unique constraint's own index, which serves every lookup
--    by object (the planner chose either); one of the two was written on every mapping row in vain.
drop index if exists idx_metrics_attribution_provider_object;

-- 2. The reprocessing pass, ingestion health and the operator gauges look only for ledger rows not
--    yet processed, a share near 0 %; the release notes' index on `processed` held an entry for
--    every row, so every counted event paid an index insert that no query read. Same name and key,
--    now partial: only the rows waiting for their mapping have an entry.
drop index if exists idx_metrics_webhook_events_processed;
create index idx_metrics_webhook_events_processed on metrics_webhook_events (processed) where not processed;

-- 3. Mapping rows are updated right after they are inserted (their first open / click times, set
--    by metrics_rollup_events in the same transaction, none of them indexed). With full pages each
--    such update put the new row version on another page and wrote it into every index again
--    (1 % of these updates were HOT in the benchmark); half-full pages keep it beside the old one,
--    a HOT update that writes no index (95 % HOT). Applies to pages written from now on.
alter table metrics_attribution_map set (fillfactor = 50);

-- On a large database, run 1 and 2 by hand first without blocking writes: DROP INDEX CONCURRENTLY
-- of the duplicate; CREATE INDEX CONCURRENTLY of the partial index under a temporary name, DROP
-- INDEX CONCURRENTLY of the full one, then ALTER INDEX … RENAME to idx_metrics_webhook_events_processed.
