-- Least privilege for the client roles. A Supabase project runs
--   alter default privileges in schema public grant all on tables, functions, sequences
--   to anon, authenticated, service_role;
-- so every object the earlier migrations created arrived there with ALL for anon and
-- authenticated, and `revoke ... from public` removed none of it. Revoke by name, then grant
-- back only the read path: authenticated may SELECT (row-level security picks the rows) and run
-- the three claim helpers the policies call; anon gets nothing. Every write goes through the
-- metrics_* functions, which only service_role (and the owner the app connects as) may run.
--
-- Scoped to this product's objects (workspaces, workspace_members, metrics_*), never to the whole
-- schema: a project's own tables in `public` keep the grants its owner gave them.

do $$
declare
  relation record;
  fn record;
begin
  for relation in
    select c.oid::regclass as name
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public'
      and c.relkind in ('r', 'v', 'm', 'p', 'S')
      and (c.relname in ('workspaces', 'workspace_members') or c.relname like 'metrics\_%')
  loop
    execute format('revoke all on %s from public, anon, authenticated', relation.name);
  end loop;

  for fn in
    select p.oid::regprocedure as signature
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'public'
      and (p.proname like 'metrics\_%'
           or p.proname in ('current_request_claims', 'current_user_id', 'get_current_workspace_id'))
  loop
    execute format('revoke all on function %s from public, anon, authenticated', fn.signature);
    execute format('grant execute on function %s to service_role', fn.signature);
  end loop;
end
$$;

-- The read path, and nothing else.
grant select on workspaces, workspace_members to authenticated;
grant select on metrics_webhook_events, metrics_attribution_map, metrics_rollups, metrics_backfill_jobs,
  metrics_rollup_latest, metrics_attribution_health to authenticated;
grant execute on function current_request_claims(), current_user_id(), get_current_workspace_id() to authenticated;

-- FOR ALL policies would admit any write a future grant allowed; state what a member may do.
drop policy if exists "metrics_webhook_events_tenant_isolation" on metrics_webhook_events;
create policy "metrics_webhook_events_tenant_isolation" on metrics_webhook_events
  for select to authenticated using (workspace_id = (select get_current_workspace_id()));

drop policy if exists "metrics_attribution_map_tenant_isolation" on metrics_attribution_map;
create policy "metrics_attribution_map_tenant_isolation" on metrics_attribution_map
  for select to authenticated using (workspace_id = (select get_current_workspace_id()));

drop policy if exists "metrics_rollups_tenant_isolation" on metrics_rollups;
create policy "metrics_rollups_tenant_isolation" on metrics_rollups
  for select to authenticated using (workspace_id = (select get_current_workspace_id()));

drop policy if exists "metrics_backfill_jobs_tenant_isolation" on metrics_backfill_jobs;
create policy "metrics_backfill_jobs_tenant_isolation" on metrics_backfill_jobs
  for select to authenticated using (workspace_id = (select get_current_workspace_id()));

-- Backfill jobs are enqueued only through metrics_backfill_enqueue (the validated path), which now
-- checks the window itself as the API does: at most 30 days, starting no earlier than the rollup
-- retention (365 days) and no later than today, ending no later than tomorrow.
create or replace function metrics_backfill_enqueue(
  p_workspace_id uuid,
  p_provider text,
  p_channel text,
  p_date_start date,
  p_date_end date,
  p_max_active int
)
returns setof metrics_backfill_jobs
language plpgsql
set search_path = public, pg_temp
as $$
begin
  if p_date_start is null or p_date_end is null or p_date_start >= p_date_end
     or p_date_end - p_date_start > 30
     or p_date_start < current_date - 365
     or p_date_start > current_date
     or p_date_end > current_date + 1 then
    raise exception 'backfill window % to % is outside the allowed range', p_date_start, p_date_end
      using errcode = '22023';
  end if;
  return query
  insert into metrics_backfill_jobs (workspace_id, provider, channel, date_start, date_end)
  select p_workspace_id, p_provider, p_channel, p_date_start, p_date_end
  where (select count(*) from metrics_backfill_jobs j
         where j.workspace_id = p_workspace_id and j.status in ('pending', 'processing')) < p_max_active
  returning *;
end
$$;

revoke all on function metrics_backfill_enqueue(uuid, text, text, date, date, int) from public, anon, authenticated;
grant execute on function metrics_backfill_enqueue(uuid, text, text, date, date, int) to service_role;
