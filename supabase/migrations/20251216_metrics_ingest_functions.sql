-- State changes of the metrics engine, each one set-based and inside one transaction.
-- The invariant every function keeps: an event adds to a rollup exactly when its ledger row's
-- applied_at goes from NULL to a time, and that happens in the statement that adds it.

-- Adds events that were just marked applied (applied_at set in this transaction) to their
-- hourly rollups. The one place that writes rollup counters; callers only decide which events.
create or replace function metrics_rollup_events(p_event_ids uuid[])
returns int
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_events int;
begin
  if p_event_ids is null or cardinality(p_event_ids) = 0 then
    return 0;
  end if;

  with increments as (
    select e.workspace_id, m.circuit_execution_id, m.ab_test_id, m.variant_id, m.channel,
           date_trunc('hour', e.occurred_at) as time_bucket,
           coalesce(sum(e.quantity) filter (where e.event_type = 'email_sent'), 0) as email_sent,
           coalesce(sum(e.quantity) filter (where e.event_type = 'email_delivered'), 0) as email_delivered,
           coalesce(sum(e.quantity) filter (where e.event_type = 'email_bounce'), 0) as email_bounced,
           coalesce(sum(e.quantity) filter (where e.event_type = 'email_complaint'), 0) as email_complained,
           coalesce(sum(e.quantity) filter (where e.event_type = 'email_unsubscribe'), 0) as email_unsubscribed,
           coalesce(sum(e.quantity) filter (where e.event_type = 'email_open'), 0) as email_opened,
           coalesce(sum(e.quantity) filter (where e.event_type = 'email_click'), 0) as email_clicked,
           coalesce(sum(e.quantity) filter (where e.event_type = 'social_impression'), 0) as social_impressions,
           coalesce(sum(e.quantity) filter (where e.event_type = 'social_like'), 0) as social_likes,
           coalesce(sum(e.quantity) filter (where e.event_type = 'social_comment'), 0) as social_comments,
           coalesce(sum(e.quantity) filter (where e.event_type = 'social_share'), 0) as social_shares,
           coalesce(sum(e.quantity) filter (where e.event_type = 'social_click'), 0) as social_clicks,
           count(*) as event_count
    from metrics_webhook_events e
    join metrics_attribution_map m
      on m.workspace_id = e.workspace_id
     and m.provider = e.provider
     and m.provider_object_id = e.provider_object_id
    where e.id = any(p_event_ids)
      and e.applied_at is not null
      and e.event_type <> 'provider_only'
    group by 1, 2, 3, 4, 5, 6
  ),
  upserted as (
    insert into metrics_rollups as r (
      workspace_id, circuit_execution_id, ab_test_id, variant_id, channel, time_bucket,
      email_sent, email_delivered, email_bounced, email_complained, email_unsubscribed,
      email_opened, email_clicked, social_impressions, social_likes, social_comments,
      social_shares, social_clicks)
    select workspace_id, circuit_execution_id, ab_test_id, variant_id, channel, time_bucket,
           email_sent, email_delivered, email_bounced, email_complained, email_unsubscribed,
           email_opened, email_clicked, social_impressions, social_likes, social_comments,
           social_shares, social_clicks
    from increments
    -- One lock order for every writer, so concurrent batches cannot deadlock on rollup rows.
    order by workspace_id, circuit_execution_id, ab_test_id nulls first, variant_id nulls first, channel, time_bucket
    on conflict on constraint metrics_rollups_key do update set
      email_sent = r.email_sent + excluded.email_sent,
      email_delivered = r.email_delivered + excluded.email_delivered,
      email_bounced = r.email_bounced + excluded.email_bounced,
      email_complained = r.email_complained + excluded.email_complained,
      email_unsubscribed = r.email_unsubscribed + excluded.email_unsubscribed,
      email_opened = r.email_opened + excluded.email_opened,
      email_clicked = r.email_clicked + excluded.email_clicked,
      social_impressions = r.social_impressions + excluded.social_impressions,
      social_likes = r.social_likes + excluded.social_likes,
      social_comments = r.social_comments + excluded.social_comments,
      social_shares = r.social_shares + excluded.social_shares,
      social_clicks = r.social_clicks + excluded.social_clicks,
      updated_at = now()
    returning 1
  )
  -- (upserted runs to completion whether or not it is read: Postgres executes every
  -- data-modifying CTE exactly once.)
  select coalesce(sum(event_count), 0)::int into v_events from increments;
  return v_events;
end
$$;

-- Applies the given events, if they are not applied yet, attributable and their object is
-- mapped: sets applied_at (the claim) and adds them to rollups in the same transaction. Rows
-- another transaction is applying are skipped (it applies them), so concurrent callers neither
-- wait on each other nor count an event twice.
create or replace function metrics_apply_events(p_event_ids uuid[])
returns int
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_claimed uuid[];
begin
  if p_event_ids is null or cardinality(p_event_ids) = 0 then
    return 0;
  end if;

  with claimable as (
    select e.id
    from metrics_webhook_events e
    join metrics_attribution_map m
      on m.workspace_id = e.workspace_id
     and m.provider = e.provider
     and m.provider_object_id = e.provider_object_id
     and m.status = 'mapped'
    where e.id = any(p_event_ids)
      and e.applied_at is null
      and e.event_type <> 'provider_only'
    order by e.id
    for update of e skip locked
  ),
  claimed as (
    update metrics_webhook_events e
       set applied_at = now(), processed = true, processed_at = now()
      from claimable c
     where e.id = c.id
    returning e.id
  )
  select coalesce(array_agg(id), '{}') into v_claimed from claimed;

  return metrics_rollup_events(v_claimed);
end
$$;

-- Pending (unapplied, attributable) events of some objects: what a new mapping unlocks.
create or replace function metrics_pending_event_ids(p_workspace_id uuid, p_provider text, p_object_ids text[])
returns uuid[]
language sql
stable
set search_path = public, pg_temp
as $$
  select coalesce(array_agg(e.id), '{}')
  from metrics_webhook_events e
  where e.workspace_id = p_workspace_id
    and e.provider = p_provider
    and e.provider_object_id = any(p_object_ids)
    and e.applied_at is null
    and e.event_type <> 'provider_only'
$$;

-- One advisory-lock key per provider object. Ingests hold it shared while they read the
-- object's mapping and write its events; whoever changes a mapping from unmapped to mapped holds
-- it exclusively. So an event and a mapping arriving at the same moment are serialised: either
-- the event sees the mapping (counted at insert) or the mapping sees the event (applied then).
create or replace function metrics_object_lock_key(p_workspace_id uuid, p_provider text, p_provider_object_id text)
returns bigint
language sql
immutable
set search_path = public, pg_temp
as $$
  select hashtextextended(p_workspace_id::text || '|' || p_provider || '|' || p_provider_object_id, 0)
$$;

-- One webhook delivery (any number of normalised events) in one call and one transaction:
-- self-attribution, ledger insert (duplicates do nothing), rollups, unmapped placeholders.
-- An event whose object is already mapped is written as applied and counted straight away,
-- so the hot path writes each ledger row once and never updates it.
create or replace function metrics_ingest_events(
  p_workspace_id uuid,
  p_provider text,
  p_events jsonb,
  p_signature_verified boolean default false
)
returns table (provider_event_id text, event_id uuid, outcome text)
language plpgsql
set search_path = public, pg_temp
as $$
#variable_conflict use_column
declare
  v_self_mapped text[];
  v_new_ids uuid[];
  v_applied_ids uuid[];
begin
  if jsonb_typeof(p_events) is distinct from 'array' then
    raise exception 'p_events must be a JSON array' using errcode = '22023';
  end if;
  if not exists (select 1 from workspaces w where w.id = p_workspace_id) then
    raise exception 'unknown workspace %', p_workspace_id using errcode = 'P0002';
  end if;

  -- 0. Object locks, in key order, before any row lock: shared, or exclusive where this
  -- delivery will map a not-yet-mapped object itself (see metrics_object_lock_key).
  perform case when o.exclusive then pg_advisory_xact_lock(o.lock_key) else pg_advisory_xact_lock_shared(o.lock_key) end
  from (
    select metrics_object_lock_key(p_workspace_id, p_provider, x.provider_object_id) as lock_key,
           bool_or(x.carries and coalesce(m.status, 'none') <> 'mapped') as exclusive
    from (
      select y.provider_object_id,
             (jsonb_typeof(y.attribution) = 'object' and coalesce(y.attribution ->> 'circuit_execution_id', '') <> '') as carries
      from jsonb_to_recordset(p_events) as y(provider_object_id text, attribution jsonb)
      where y.provider_object_id is not null
    ) x
    left join metrics_attribution_map m
      on m.workspace_id = p_workspace_id and m.provider = p_provider and m.provider_object_id = x.provider_object_id
    group by 1
    order by 1
  ) o;

  -- 1. Self-attribution: events that carry their circuit context map their object first.
  with carried as (
    select distinct on (x.provider_object_id)
           x.provider_object_id, x.channel, x.recipient_hash,
           x.attribution ->> 'circuit_execution_id' as circuit_execution_id,
           (x.attribution ->> 'ab_test_id')::uuid as ab_test_id,
           (x.attribution ->> 'variant_id')::uuid as variant_id
    from jsonb_to_recordset(p_events) as x(provider_object_id text, channel text, recipient_hash text, attribution jsonb)
    where x.provider_object_id is not null
      and jsonb_typeof(x.attribution) = 'object'
      and coalesce(x.attribution ->> 'circuit_execution_id', '') <> ''
    order by x.provider_object_id
  ),
  upserted as (
    insert into metrics_attribution_map as m (
      workspace_id, provider, provider_object_id, circuit_execution_id, ab_test_id, variant_id,
      channel, platform, recipient_hash, status, mapped_at)
    select p_workspace_id, p_provider, c.provider_object_id, c.circuit_execution_id, c.ab_test_id,
           c.variant_id, c.channel, p_provider, c.recipient_hash, 'mapped', now()
    from carried c
    order by c.provider_object_id
    on conflict (workspace_id, provider, provider_object_id) do update
       set circuit_execution_id = excluded.circuit_execution_id,
           ab_test_id = excluded.ab_test_id,
           variant_id = excluded.variant_id,
           recipient_hash = coalesce(m.recipient_hash, excluded.recipient_hash),
           status = 'mapped',
           mapped_at = now()
     where m.status <> 'mapped'
  )
  select coalesce(array_agg(c.provider_object_id), '{}') into v_self_mapped
  from carried c;

  -- 2. The ledger rows, each written once with its final state, and their placeholders.
  with incoming as (
    select distinct on (x.provider_event_id) x.*
    from jsonb_to_recordset(p_events) as x(
      provider_event_id text, provider_object_id text, event_type text, provider_event_type text,
      channel text, occurred_at timestamptz, quantity int, recipient_hash text, raw_payload jsonb)
    order by x.provider_event_id
  ),
  resolved as (
    select i.*,
           (i.event_type = 'provider_only' or i.provider_object_id is null) as nothing_to_attribute,
           coalesce(m.status, 'none') as map_status
    from incoming i
    left join metrics_attribution_map m
      on m.workspace_id = p_workspace_id and m.provider = p_provider and m.provider_object_id = i.provider_object_id
  ),
  inserted as (
    insert into metrics_webhook_events (
      workspace_id, provider, provider_event_id, event_type, provider_event_type, provider_object_id,
      channel, occurred_at, received_at, quantity, recipient_hash, raw_payload, signature_verified,
      processed, processed_at, applied_at)
    select p_workspace_id, p_provider, r.provider_event_id, r.event_type, r.provider_event_type,
           r.provider_object_id, r.channel, r.occurred_at, now(), coalesce(r.quantity, 1),
           r.recipient_hash, coalesce(r.raw_payload, '{}'::jsonb), coalesce(p_signature_verified, false),
           -- Done at once: nothing to attribute, counted now, or its object was given up on.
           r.nothing_to_attribute or r.map_status in ('mapped', 'orphaned'),
           case when r.nothing_to_attribute or r.map_status in ('mapped', 'orphaned') then now() end,
           case when not r.nothing_to_attribute and r.map_status = 'mapped' then now() end
    from resolved r
    order by r.provider_event_id
    on conflict (workspace_id, provider, provider_event_id) do nothing
    returning id, provider_object_id, channel, applied_at, processed
  ),
  placeholders as (
    -- Unknown objects get an 'unmapped' row: the reprocessing job and late mappings find them.
    insert into metrics_attribution_map (
      workspace_id, provider, provider_object_id, circuit_execution_id, channel, platform, status, mapped_at)
    select distinct p_workspace_id, p_provider, i.provider_object_id, 'UNMAPPED', i.channel, p_provider, 'unmapped', null::timestamptz
    from inserted i
    where not i.processed
    order by 3
    on conflict (workspace_id, provider, provider_object_id) do nothing
  )
  select coalesce(array_agg(i.id), '{}'),
         coalesce(array_agg(i.id) filter (where i.applied_at is not null), '{}')
    into v_new_ids, v_applied_ids
  from inserted i;

  perform metrics_rollup_events(v_applied_ids);

  -- 3. Objects this delivery mapped may have events from earlier deliveries waiting.
  if cardinality(v_self_mapped) > 0 then
    perform metrics_apply_events(metrics_pending_event_ids(p_workspace_id, p_provider, v_self_mapped));
  end if;

  return query
  select e.provider_event_id, e.id,
         case
           when not (e.id = any(v_new_ids)) then 'duplicate'
           when e.applied_at is not null then 'applied'
           when e.event_type = 'provider_only' or e.provider_object_id is null then 'recorded'
           when e.processed then 'orphaned'
           else 'pending'
         end
  from (select distinct x.provider_event_id from jsonb_to_recordset(p_events) as x(provider_event_id text)) x
  join metrics_webhook_events e
    on e.workspace_id = p_workspace_id and e.provider = p_provider and e.provider_event_id = x.provider_event_id;
end
$$;

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

revoke execute on function metrics_rollup_events(uuid[]) from public;
revoke execute on function metrics_apply_events(uuid[]) from public;
revoke execute on function metrics_pending_event_ids(uuid, text, text[]) from public;
revoke execute on function metrics_ingest_events(uuid, text, jsonb, boolean) from public;
revoke execute on function metrics_upsert_attribution(uuid, text, text, text, uuid, uuid, text, text, text, text) from public;
revoke execute on function metrics_reprocess_batch(uuid, int, interval) from public;
revoke execute on function metrics_mark_for_reprocessing(uuid) from public;
grant execute on function metrics_apply_events(uuid[]), metrics_ingest_events(uuid, text, jsonb, boolean),
  metrics_upsert_attribution(uuid, text, text, text, uuid, uuid, text, text, text, text),
  metrics_reprocess_batch(uuid, int, interval), metrics_mark_for_reprocessing(uuid) to service_role;
