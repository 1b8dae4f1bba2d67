-- State changes of the metrics engine, each one set-based and inside one transaction.
-- The invariant every function keeps: an event adds to a rollup exactly when its ledger row's
-- applied_at goes from NULL to a time, and that happens in the statement that adds it.

-- Registers (or upgrades) a mapping and applies that object's pending events in the same
-- transaction. An existing 'mapped' row wins: its events are already counted under it.
create or replace function metrics_upsert_attribution(
  p_workspace_id uuid,
  p_provider text,
  p_provider_object_id text,
  p_circuit_execution_id text,
  p_ab_test_id uuid,
  p_variant_id uuid,
  p_channel text,
  p_platform text,
  p_recipient_hash text,
  p_recipient_identifier text
)
returns table (mapping jsonb, applied_events int)
language plpgsql
set search_path = public, pg_temp
as $$
#variable_conflict use_column
declare
  v_status text := case when p_circuit_execution_id = 'UNMAPPED' then 'unmapped' else 'mapped' end;
  v_applied int := 0;
begin
  -- Waits for in-flight ingests of this object, so their events are visible below.
  perform pg_advisory_xact_lock(metrics_object_lock_key(p_workspace_id, p_provider, p_provider_object_id));

  insert into metrics_attribution_map as m (
    workspace_id, provider, provider_object_id, circuit_execution_id, ab_test_id, variant_id,
    channel, platform, recipient_hash, recipient_identifier, status, mapped_at)
  values (p_workspace_id, p_provider, p_provider_object_id, p_circuit_execution_id, p_ab_test_id,
          p_variant_id, p_channel, p_platform, p_recipient_hash, p_recipient_identifier, v_status,
          case when v_status = 'mapped' then now() end)
  on conflict (workspace_id, provider, provider_object_id) do update
     set circuit_execution_id = excluded.circuit_execution_id,
         ab_test_id = excluded.ab_test_id,
         variant_id = excluded.variant_id,
         channel = excluded.channel,
         platform = coalesce(excluded.platform, m.platform),
         recipient_hash = coalesce(excluded.recipient_hash, m.recipient_hash),
         recipient_identifier = coalesce(excluded.recipient_identifier, m.recipient_identifier),
         status = 'mapped',
         mapped_at = now()
   where m.status <> 'mapped' and excluded.status = 'mapped';

  if v_status = 'mapped' then
    v_applied := metrics_apply_events(
      metrics_pending_event_ids(p_workspace_id, p_provider, array[p_provider_object_id]));
  end if;

  return query
  select to_jsonb(m), v_applied
  from metrics_attribution_map m
  where m.workspace_id = p_workspace_id and m.provider = p_provider
    and m.provider_object_id = p_provider_object_id;
end
$$;

-- One bounded pass of the reprocessing job: apply unprocessed events whose object is now
-- mapped, give up on objects unmapped past the grace period. Claims with SKIP LOCKED so two
-- runs at once split the work instead of repeating it.
create or replace function metrics_reprocess_batch(
  p_workspace_id uuid default null,
  p_batch_size int default 5000,
  p_orphan_after interval default interval '24 hours'
)
returns table (applied int, orphaned_mappings int, orphaned_events int)
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_ids uuid[];
  v_applied int := 0;
  v_orphaned_mappings int := 0;
  v_orphaned_events int := 0;
begin
  select coalesce(array_agg(s.id), '{}') into v_ids
  from (
    select e.id
    from metrics_webhook_events e
    join metrics_attribution_map m
      on m.workspace_id = e.workspace_id and m.provider = e.provider
     and m.provider_object_id = e.provider_object_id and m.status = 'mapped'
    where not e.processed
      and e.applied_at is null
      and (p_workspace_id is null or e.workspace_id = p_workspace_id)
    limit p_batch_size
    for update of e skip locked
  ) s;
  v_applied := metrics_apply_events(v_ids);

  with expired as (
    select m.id
    from metrics_attribution_map m
    where m.status = 'unmapped'
      and m.created_at < now() - p_orphan_after
      and (p_workspace_id is null or m.workspace_id = p_workspace_id)
    limit p_batch_size
    for update skip locked
  ),
  marked as (
    update metrics_attribution_map m set status = 'orphaned'
    from expired x where m.id = x.id
    returning 1
  )
  select count(*) into v_orphaned_mappings from marked;

  with stale as (
    select e.id
    from metrics_webhook_events e
    join metrics_attribution_map m
      on m.workspace_id = e.workspace_id and m.provider = e.provider
     and m.provider_object_id = e.provider_object_id and m.status = 'orphaned'
    where not e.processed
      and (p_workspace_id is null or e.workspace_id = p_workspace_id)
    limit p_batch_size
    for update of e skip locked
  ),
  marked as (
    update metrics_webhook_events e
       set processed = true, processed_at = now(), reprocessing_count = e.reprocessing_count + 1
      from stale s where e.id = s.id
    returning 1
  )
  select count(*) into v_orphaned_events from marked;

  return query select v_applied, v_orphaned_mappings, v_orphaned_events;
end
$$;

-- Manual reprocessing: safe by construction, since an applied event is never applied again.
create or replace function metrics_mark_for_reprocessing(p_event_id uuid)
returns boolean
language sql
set search_path = public, pg_temp
as $$
  with marked as (
    update metrics_webhook_events
       set processed = false, processed_at = null, reprocessing_count = reprocessing_count + 1
     where id = p_event_id
    returning 1
  )
  select exists (select 1 from marked)
$$;

-- The ingest path's other functions (metrics_ingest_events, metrics_apply_events, ...) are defined
-- once, in their current form, in 20251218 and 20251222.
revoke execute on function metrics_upsert_attribution(uuid, text, text, text, uuid, uuid, text, text, text, text) from public;
revoke execute on function metrics_reprocess_batch(uuid, int, interval) from public;
revoke execute on function metrics_mark_for_reprocessing(uuid) from public;
grant execute on function metrics_upsert_attribution(uuid, text, text, text, uuid, uuid, text, text, text, text),
  metrics_reprocess_batch(uuid, int, interval), metrics_mark_for_reprocessing(uuid) to service_role;
