-- The read path at scale.
--
-- 1. A variant read without its A/B test (the rollups API's `variantId` alone, the summary of one
--    variant over a range) had no index that starts with the workspace and the variant: the
--    planner scanned the workspace's rollups, or every rollup of the range. Rollup rows are
--    inserted once an hour per variant and channel and their counters are updated in place, so
--    an index here costs ingest little. Its evidence is in tests/db/indexes.test.ts.
create index if not exists idx_metrics_rollups_workspace_variant_time
  on metrics_rollups (workspace_id, variant_id, time_bucket desc);

-- 2. Ingestion health counted the workspace's whole ledger on every request (2 s at 1 M rows).
--    Now it reads at most p_exact_up_to + 1 ledger rows per provider: below that the counts and
--    the last ingest are exact; above it the total is the planner's estimate (statistics kept
--    by ANALYZE, here with multi-column statistics on workspace and provider, so a tenant's share
--    of a provider is known rather than assumed independent), flagged `estimated`, the
--    unprocessed count stays exact (the partial state the reprocessing index serves) and the last
--    ingest is the last webhook delivery, to the minute (metrics_ingest_activity).
create statistics if not exists metrics_webhook_events_workspace_provider (mcv)
  on workspace_id, provider from metrics_webhook_events;

-- The service's (like every metrics_* function): callers check membership first.
-- p_providers: the app's one list of providers (METRICS_PROVIDERS), so a new provider needs no change here.
create or replace function metrics_ingestion_health(p_workspace_id uuid, p_providers text[], p_exact_up_to int)
returns table (provider text, total_events bigint, unprocessed_events bigint, last_ingest_at timestamptz, estimated boolean)
language plpgsql
-- Volatile, not stable: PostgreSQL allows EXPLAIN only in volatile functions.
set search_path = public, pg_temp
as $$
declare
  v_provider text;
  v_plan json;
begin
  foreach v_provider in array p_providers loop
    provider := v_provider;
    select count(*), count(*) filter (where not s.processed), max(s.received_at)
      into total_events, unprocessed_events, last_ingest_at
    from (select e.processed, e.received_at from metrics_webhook_events e
          where e.workspace_id = p_workspace_id and e.provider = v_provider
          limit p_exact_up_to + 1) s;
    estimated := total_events > p_exact_up_to;
    if estimated then
      execute format('explain (format json) select 1 from metrics_webhook_events where workspace_id = %L and provider = %L',
                     p_workspace_id, v_provider) into v_plan;
      total_events := greatest(total_events, (v_plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint);
      select count(*) into unprocessed_events from metrics_webhook_events e
      where not e.processed and e.workspace_id = p_workspace_id and e.provider = v_provider;
      select a.last_received_at into last_ingest_at from metrics_ingest_activity a
      where a.workspace_id = p_workspace_id and a.provider = v_provider;
    end if;
    if total_events > 0 then
      return next;
    end if;
  end loop;
end
$$;

revoke all on function metrics_ingestion_health(uuid, text[], int) from public, anon, authenticated;
grant execute on function metrics_ingestion_health(uuid, text[], int) to service_role;
