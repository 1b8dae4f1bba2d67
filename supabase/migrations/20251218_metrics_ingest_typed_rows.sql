-- metrics_ingest_events, second version: same contract and invariant, fewer and cheaper steps.
--
-- Why: the planner estimates every jsonb_to_recordset() at 100 rows whatever the delivery holds,
-- so a one-event delivery was planned as hash joins over whole-table scans of the attribution map
-- and the ledger (cost growing with the tables), and the plan cache kept that plan. The events are
-- now parsed once into a typed array; unnest() of it is estimated from its real length (custom
-- plans) or 10 (generic plans), so every lookup is an index probe. Also: outcomes come from the
-- insert's RETURNING (the ledger is read back only for duplicates), pending events are looked for
-- only on objects this delivery really mapped, and all counters move in one sorted rollup upsert
-- at the end, so the hot rollup rows are locked for the shortest time and in one order.
--
-- Plans that do not depend on statistics: every lookup keyed by the delivery's events is written
-- as a LATERAL probe (LIMIT/OFFSET keeps the planner from flattening it into a join), so each one
-- is an index probe per event even on tables that were never analyzed (PGlite has no autovacuum)
-- or whose statistics are stale after a burst. Cost then follows the delivery, not the tables.

do $$
begin
  if not exists (select 1 from pg_type where typname = 'metrics_ingest_event' and typnamespace = 'public'::regnamespace) then
    create type public.metrics_ingest_event as (
      provider_event_id text,
      provider_object_id text,
      event_type text,
      provider_event_type text,
      channel text,
      occurred_at timestamptz,
      quantity int,
      recipient_hash text,
      raw_payload jsonb,
      attribution jsonb
    );
  end if;
end
$$;

-- The claim half of metrics_apply_events: marks applicable events applied and returns them,
-- leaving the rollup to the caller (which may add other events to the same single upsert).
create or replace function metrics_claim_events(p_event_ids uuid[])
returns uuid[]
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_claimed uuid[];
begin
  if p_event_ids is null or cardinality(p_event_ids) = 0 then
    return '{}'::uuid[];
  end if;

  with claimable as (
    select e.id
    from metrics_webhook_events e
    where e.id = any(p_event_ids)
      and e.applied_at is null
      and e.event_type <> 'provider_only'
      -- A per-row probe (see the header): a join here was planned as a scan of the whole map.
      and (select m.status from metrics_attribution_map m
           where m.workspace_id = e.workspace_id and m.provider = e.provider
             and m.provider_object_id = e.provider_object_id
           limit 1) = 'mapped'
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
  return v_claimed;
end
$$;

-- Pending (unapplied, attributable) events of some objects: what a new mapping unlocks. Now
-- PL/pgSQL: a non-inlinable SQL function is parsed and planned again on every call.
create or replace function metrics_pending_event_ids(p_workspace_id uuid, p_provider text, p_object_ids text[])
returns uuid[]
language plpgsql
stable
set search_path = public, pg_temp
as $$
begin
  return (
    select coalesce(array_agg(e.id), '{}')
    from (select distinct unnest(p_object_ids) as provider_object_id) o
    cross join lateral (
      select e.id from metrics_webhook_events e
      where e.workspace_id = p_workspace_id
        and e.provider = p_provider
        and e.provider_object_id = o.provider_object_id
        and e.applied_at is null
        and e.event_type <> 'provider_only'
      offset 0
    ) e
  );
end
$$;

-- Unchanged contract: claim, then add to rollups in the same transaction.
create or replace function metrics_apply_events(p_event_ids uuid[])
returns int
language plpgsql
set search_path = public, pg_temp
as $$
begin
  return metrics_rollup_events(metrics_claim_events(p_event_ids));
end
$$;

create or replace function metrics_ingest_events(
  p_workspace_id uuid,
  p_provider text,
  p_events jsonb,
  p_signature_verified boolean default false
)
returns table (provider_event_id text, event_id uuid, outcome text)
language plpgsql
-- Generic plans: the statements' best plans (index probes) do not depend on the delivery's
-- size, and re-planning the six statements on every call cost more than running them.
set plan_cache_mode = force_generic_plan
set search_path = public, pg_temp
as $$
#variable_conflict use_column
declare
  v_events metrics_ingest_event[];
  v_mapped_now text[];
  v_new_event_ids text[];
  v_new_ids uuid[];
  v_new_outcomes text[];
  v_applied_ids uuid[];
begin
  if jsonb_typeof(p_events) is distinct from 'array' then
    raise exception 'p_events must be a JSON array' using errcode = '22023';
  end if;
  if not exists (select 1 from workspaces w where w.id = p_workspace_id) then
    raise exception 'unknown workspace %', p_workspace_id using errcode = 'P0002';
  end if;

  -- Parsed once, deduplicated by event id (a delivery may repeat an event). The whole row `j`
  -- keeps its named type: an anonymous record would be cast to the array's type through text,
  -- printing and re-parsing every raw payload.
  select coalesce(array_agg(d.e order by (d.e).provider_event_id), '{}') into v_events
  from (
    select distinct on (j.provider_event_id) j as e
    from jsonb_populate_recordset(null::metrics_ingest_event, p_events) j
    order by j.provider_event_id
  ) d;

  -- 0. Object locks, in key order, before any row lock: shared, or exclusive where this
  -- delivery will map a not-yet-mapped object itself (see metrics_object_lock_key).
  perform case when o.exclusive then pg_advisory_xact_lock(o.lock_key) else pg_advisory_xact_lock_shared(o.lock_key) end
  from (
    select metrics_object_lock_key(p_workspace_id, p_provider, x.provider_object_id) as lock_key,
           bool_or(x.carries and coalesce(m.status, 'none') <> 'mapped') as exclusive
    from (
      select y.provider_object_id,
             (jsonb_typeof(y.attribution) = 'object' and coalesce(y.attribution ->> 'circuit_execution_id', '') <> '') as carries
      from unnest(v_events) as y
      where y.provider_object_id is not null
    ) x
    left join lateral (
      select m.status from metrics_attribution_map m
      where m.workspace_id = p_workspace_id and m.provider = p_provider and m.provider_object_id = x.provider_object_id
      limit 1
    ) m on true
    group by 1
    order by 1
  ) o;

  -- 1. Self-attribution: events that carry their circuit context map their object first. Only
  -- rows inserted or upgraded here are returned: objects already mapped have nothing pending.
  with carried as (
    select distinct on (x.provider_object_id)
           x.provider_object_id, x.channel, x.recipient_hash,
           x.attribution ->> 'circuit_execution_id' as circuit_execution_id,
           (x.attribution ->> 'ab_test_id')::uuid as ab_test_id,
           (x.attribution ->> 'variant_id')::uuid as variant_id
    from unnest(v_events) as x
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
    returning m.provider_object_id
  )
  select coalesce(array_agg(u.provider_object_id), '{}') into v_mapped_now from upserted u;

  -- 2. The ledger rows, each written once with its final state, and their placeholders.
  with resolved as (
    select i.*,
           (i.event_type = 'provider_only' or i.provider_object_id is null) as nothing_to_attribute,
           coalesce(m.status, 'none') as map_status
    from unnest(v_events) as i
    left join lateral (
      select m.status from metrics_attribution_map m
      where m.workspace_id = p_workspace_id and m.provider = p_provider and m.provider_object_id = i.provider_object_id
      limit 1
    ) m on true
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
    returning id, provider_event_id, provider_object_id, event_type, channel, applied_at, processed
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
  select coalesce(array_agg(i.provider_event_id), '{}'),
         coalesce(array_agg(i.id), '{}'),
         coalesce(array_agg(case
                              when i.applied_at is not null then 'applied'
                              when i.event_type = 'provider_only' or i.provider_object_id is null then 'recorded'
                              when i.processed then 'orphaned'
                              else 'pending'
                            end), '{}'),
         coalesce(array_agg(i.id) filter (where i.applied_at is not null), '{}')
    into v_new_event_ids, v_new_ids, v_new_outcomes, v_applied_ids
  from inserted i;

  -- 3. Objects this delivery mapped may have events from earlier deliveries waiting: claim them,
  -- then one rollup upsert (sorted) for everything this transaction counts.
  if cardinality(v_mapped_now) > 0 then
    v_applied_ids := v_applied_ids || metrics_claim_events(metrics_pending_event_ids(p_workspace_id, p_provider, v_mapped_now));
  end if;
  perform metrics_rollup_events(v_applied_ids);

  -- Outcomes: new rows from the insert; the ledger is read back only for duplicates.
  return query
  select n.provider_event_id, n.event_id, n.outcome
  from unnest(v_new_event_ids, v_new_ids, v_new_outcomes) as n(provider_event_id, event_id, outcome);
  if cardinality(v_new_ids) < cardinality(v_events) then
    return query
    select e.provider_event_id, e.id, 'duplicate'
    from unnest(v_events) as x
    cross join lateral (
      select e.provider_event_id, e.id from metrics_webhook_events e
      where e.workspace_id = p_workspace_id and e.provider = p_provider and e.provider_event_id = x.provider_event_id
      limit 1
    ) e
    where not (x.provider_event_id = any(v_new_event_ids));
  end if;
end
$$;

revoke execute on function metrics_claim_events(uuid[]) from public;
-- The ingest and attribution functions run as their caller (security invoker), so whoever may
-- call them needs the helpers they call; service_role could not run them before this.
grant execute on function metrics_claim_events(uuid[]), metrics_pending_event_ids(uuid, text, text[]) to service_role;

-- Same key as before, now inlinable: a SET clause (search_path) keeps the planner from inlining a
-- SQL function, and called once per object it cost ~70 µs each (7 ms of a 500-event batch).
-- Every name is schema-qualified instead, so no search_path can change what it computes.
create or replace function metrics_object_lock_key(p_workspace_id uuid, p_provider text, p_provider_object_id text)
returns bigint
language sql
immutable
parallel safe
as $$
  select pg_catalog.hashtextextended(
    p_workspace_id::pg_catalog.text OPERATOR(pg_catalog.||) '|' OPERATOR(pg_catalog.||) p_provider
      OPERATOR(pg_catalog.||) '|' OPERATOR(pg_catalog.||) p_provider_object_id, 0)
$$;
