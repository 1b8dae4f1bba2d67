-- People and machines counted apart: each open and click in the ledger carries its class and the
-- signal that decided it, and the rollups count machine opens, bot clicks and messages a person
-- opened / clicked beside the release notes' totals (which keep counting every open and click).
--
-- Why: privacy proxies (Apple Mail Privacy Protection, Gmail's prefetch) open every message of a
-- protected inbox and security scanners follow every link, in both arms of a test alike; counted as
-- engagement they dilute every lift toward zero. The class is decided at ingest from the event's own
-- payload (the provider's flag, else a documented heuristic on that payload, else `unknown`), so it
-- is the same whatever order events arrive in, and a retry is a duplicate that changes nothing.
-- The unique human counters work exactly like the unique counters (20251222): the mapping row
-- remembers the earliest human open / click, and its count moves hours when an earlier one arrives.

alter table metrics_webhook_events add column if not exists engagement_class text;
alter table metrics_webhook_events add column if not exists class_signal text;
do $$
begin
  if not exists (select 1 from pg_constraint where conname = 'metrics_webhook_events_engagement_class_check') then
    alter table metrics_webhook_events add constraint metrics_webhook_events_engagement_class_check check (
      (engagement_class is null) = (class_signal is null)
      and (engagement_class is null or engagement_class in ('human', 'machine', 'bot', 'unknown'))
      and (class_signal is null or class_signal ~ '^[a-z0-9_]{1,64}$'));
  end if;
end
$$;

alter table metrics_attribution_map add column if not exists first_human_opened_at timestamptz;
alter table metrics_attribution_map add column if not exists first_human_clicked_at timestamptz;

alter table metrics_rollups add column if not exists email_machine_opened bigint not null default 0;
alter table metrics_rollups add column if not exists email_bot_clicked bigint not null default 0;
alter table metrics_rollups add column if not exists email_unique_human_opened bigint not null default 0;
alter table metrics_rollups add column if not exists email_unique_human_clicked bigint not null default 0;
-- Generated like unique_open_rate, from the same row, so they can never be stale.
alter table metrics_rollups add column if not exists human_open_rate numeric(30,2) generated always as (
  case when email_delivered <> 0 then round(100.0 * email_unique_human_opened / email_delivered, 2) else 0 end) stored;
alter table metrics_rollups add column if not exists human_click_rate numeric(30,2) generated always as (
  case when email_delivered <> 0 then round(100.0 * email_unique_human_clicked / email_delivered, 2) else 0 end) stored;

-- The ingest row type carries the class the provider's normaliser decided.
do $$
begin
  if not exists (select 1 from pg_attribute where attrelid = 'public.metrics_ingest_event'::regclass and attname = 'engagement_class') then
    alter type public.metrics_ingest_event add attribute engagement_class text, add attribute class_signal text;
  end if;
end
$$;

-- metrics_ingest_events (typed rows, 20251218) writing each open's and click's class.
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
      processed, processed_at, applied_at, engagement_class, class_signal)
    select p_workspace_id, p_provider, r.provider_event_id, r.event_type, r.provider_event_type,
           r.provider_object_id, r.channel, r.occurred_at, now(), coalesce(r.quantity, 1),
           r.recipient_hash, coalesce(r.raw_payload, '{}'::jsonb), coalesce(p_signature_verified, false),
           -- Done at once: nothing to attribute, counted now, or its object was given up on.
           r.nothing_to_attribute or r.map_status in ('mapped', 'orphaned'),
           case when r.nothing_to_attribute or r.map_status in ('mapped', 'orphaned') then now() end,
           case when not r.nothing_to_attribute and r.map_status = 'mapped' then now() end,
           -- Opens and clicks always carry a class (unknown where the normaliser said nothing);
           -- other kinds never do.
           case when r.event_type in ('email_open', 'email_click') then coalesce(r.engagement_class, 'unknown') end,
           case when r.event_type in ('email_open', 'email_click')
                then case when r.engagement_class is null then 'no_provider_signal' else r.class_signal end end
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

revoke all on function metrics_ingest_events(uuid, text, jsonb, boolean) from public, anon, authenticated;
grant execute on function metrics_ingest_events(uuid, text, jsonb, boolean) to service_role;

-- The one writer of rollup counters (see 20251218 for the probes, 20251222 for the unique
-- counters); now also the machine, bot and unique human counters, from each event's class.
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

  -- Mapping rows of objects opened or clicked here, locked in their key order (the order every
  -- writer of mapping rows uses) before the statement below reads their first_* times.
  perform 1 from metrics_attribution_map m
  where m.id in (
    select m2.id
    from (select distinct unnest(p_event_ids) as id) a
    cross join lateral (
      select e.workspace_id, e.provider, e.provider_object_id from metrics_webhook_events e
      where e.id = a.id and e.applied_at is not null and e.event_type in ('email_open', 'email_click')
      limit 1
    ) e
    cross join lateral (
      select m2.id from metrics_attribution_map m2
      where m2.workspace_id = e.workspace_id and m2.provider = e.provider and m2.provider_object_id = e.provider_object_id
      limit 1
    ) m2)
  order by m.workspace_id, m.provider, m.provider_object_id
  for update;

  -- The events to count with their object's mapping (per-event probes, see 20251218).
  with counting as (
    select e.workspace_id, m.id as map_id, m.circuit_execution_id, m.ab_test_id, m.variant_id, m.channel,
           e.occurred_at, e.event_type, e.quantity, e.engagement_class
    from (select distinct unnest(p_event_ids) as id) a
    cross join lateral (
      select e.* from metrics_webhook_events e
      where e.id = a.id and e.applied_at is not null and e.event_type <> 'provider_only'
      limit 1
    ) e
    cross join lateral (
      select m.* from metrics_attribution_map m
      where m.workspace_id = e.workspace_id and m.provider = e.provider and m.provider_object_id = e.provider_object_id
      limit 1
    ) m
  ),
  earliest as (
    select c.map_id,
           min(c.occurred_at) filter (where c.event_type = 'email_open') as open_at,
           min(c.occurred_at) filter (where c.event_type = 'email_click') as click_at,
           min(c.occurred_at) filter (where c.event_type = 'email_open' and c.engagement_class = 'human') as human_open_at,
           min(c.occurred_at) filter (where c.event_type = 'email_click' and c.engagement_class = 'human') as human_click_at
    from counting c
    where c.event_type in ('email_open', 'email_click')
    group by c.map_id
  ),
  moves as (
    select m.id as map_id, m.workspace_id, m.circuit_execution_id, m.ab_test_id, m.variant_id, m.channel,
           m.first_opened_at as old_open, m.first_clicked_at as old_click,
           case when x.open_at < coalesce(m.first_opened_at, 'infinity') then x.open_at end as new_open,
           case when x.click_at < coalesce(m.first_clicked_at, 'infinity') then x.click_at end as new_click,
           m.first_human_opened_at as old_human_open, m.first_human_clicked_at as old_human_click,
           case when x.human_open_at < coalesce(m.first_human_opened_at, 'infinity') then x.human_open_at end as new_human_open,
           case when x.human_click_at < coalesce(m.first_human_clicked_at, 'infinity') then x.human_click_at end as new_human_click
    from earliest x join metrics_attribution_map m on m.id = x.map_id
  ),
  remembered as (
    update metrics_attribution_map m
       set first_opened_at = coalesce(v.new_open, m.first_opened_at),
           first_clicked_at = coalesce(v.new_click, m.first_clicked_at),
           first_human_opened_at = coalesce(v.new_human_open, m.first_human_opened_at),
           first_human_clicked_at = coalesce(v.new_human_click, m.first_human_clicked_at)
      from moves v
     where m.id = v.map_id
       and (v.new_open is not null or v.new_click is not null or v.new_human_open is not null or v.new_human_click is not null)
    returning 1
  ),
  unique_deltas as (
    select v.workspace_id, v.circuit_execution_id, v.ab_test_id, v.variant_id, v.channel, d.at,
           d.opened, d.clicked, d.human_opened, d.human_clicked
    from moves v
    cross join lateral (values
      (v.new_open, 1, 0, 0, 0), (case when v.new_open is not null then v.old_open end, -1, 0, 0, 0),
      (v.new_click, 0, 1, 0, 0), (case when v.new_click is not null then v.old_click end, 0, -1, 0, 0),
      (v.new_human_open, 0, 0, 1, 0), (case when v.new_human_open is not null then v.old_human_open end, 0, 0, -1, 0),
      (v.new_human_click, 0, 0, 0, 1), (case when v.new_human_click is not null then v.old_human_click end, 0, 0, 0, -1)
    ) as d(at, opened, clicked, human_opened, human_clicked)
    where d.at is not null
  ),
  increments as (
    select workspace_id, circuit_execution_id, ab_test_id, variant_id, channel, time_bucket,
           sum(email_sent) as email_sent, sum(email_delivered) as email_delivered, sum(email_bounced) as email_bounced,
           sum(email_complained) as email_complained, sum(email_unsubscribed) as email_unsubscribed,
           sum(email_opened) as email_opened, sum(email_clicked) as email_clicked,
           sum(email_unique_opened) as email_unique_opened, sum(email_unique_clicked) as email_unique_clicked,
           sum(email_machine_opened) as email_machine_opened, sum(email_bot_clicked) as email_bot_clicked,
           sum(email_unique_human_opened) as email_unique_human_opened,
           sum(email_unique_human_clicked) as email_unique_human_clicked,
           sum(social_impressions) as social_impressions, sum(social_likes) as social_likes,
           sum(social_comments) as social_comments, sum(social_shares) as social_shares, sum(social_clicks) as social_clicks
    from (
      select c.workspace_id, c.circuit_execution_id, c.ab_test_id, c.variant_id, c.channel,
             date_trunc('hour', c.occurred_at) as time_bucket,
             case when c.event_type = 'email_sent' then c.quantity else 0 end as email_sent,
             case when c.event_type = 'email_delivered' then c.quantity else 0 end as email_delivered,
             case when c.event_type = 'email_bounce' then c.quantity else 0 end as email_bounced,
             case when c.event_type = 'email_complaint' then c.quantity else 0 end as email_complained,
             case when c.event_type = 'email_unsubscribe' then c.quantity else 0 end as email_unsubscribed,
             case when c.event_type = 'email_open' then c.quantity else 0 end as email_opened,
             case when c.event_type = 'email_click' then c.quantity else 0 end as email_clicked,
             0 as email_unique_opened, 0 as email_unique_clicked,
             case when c.event_type = 'email_open' and c.engagement_class = 'machine' then c.quantity else 0 end as email_machine_opened,
             case when c.event_type = 'email_click' and c.engagement_class = 'bot' then c.quantity else 0 end as email_bot_clicked,
             0 as email_unique_human_opened, 0 as email_unique_human_clicked,
             case when c.event_type = 'social_impression' then c.quantity else 0 end as social_impressions,
             case when c.event_type = 'social_like' then c.quantity else 0 end as social_likes,
             case when c.event_type = 'social_comment' then c.quantity else 0 end as social_comments,
             case when c.event_type = 'social_share' then c.quantity else 0 end as social_shares,
             case when c.event_type = 'social_click' then c.quantity else 0 end as social_clicks
      from counting c
      union all
      select u.workspace_id, u.circuit_execution_id, u.ab_test_id, u.variant_id, u.channel,
             date_trunc('hour', u.at), 0, 0, 0, 0, 0, 0, 0, u.opened, u.clicked, 0, 0, u.human_opened, u.human_clicked,
             0, 0, 0, 0, 0
      from unique_deltas u
    ) all_deltas
    group by 1, 2, 3, 4, 5, 6
  ),
  upserted as (
    insert into metrics_rollups as r (
      workspace_id, circuit_execution_id, ab_test_id, variant_id, channel, time_bucket,
      email_sent, email_delivered, email_bounced, email_complained, email_unsubscribed,
      email_opened, email_clicked, email_unique_opened, email_unique_clicked,
      email_machine_opened, email_bot_clicked, email_unique_human_opened, email_unique_human_clicked,
      social_impressions, social_likes, social_comments, social_shares, social_clicks)
    select workspace_id, circuit_execution_id, ab_test_id, variant_id, channel, time_bucket,
           email_sent, email_delivered, email_bounced, email_complained, email_unsubscribed,
           email_opened, email_clicked, email_unique_opened, email_unique_clicked,
           email_machine_opened, email_bot_clicked, email_unique_human_opened, email_unique_human_clicked,
           social_impressions, social_likes, social_comments, social_shares, social_clicks
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
      email_unique_opened = r.email_unique_opened + excluded.email_unique_opened,
      email_unique_clicked = r.email_unique_clicked + excluded.email_unique_clicked,
      email_machine_opened = r.email_machine_opened + excluded.email_machine_opened,
      email_bot_clicked = r.email_bot_clicked + excluded.email_bot_clicked,
      email_unique_human_opened = r.email_unique_human_opened + excluded.email_unique_human_opened,
      email_unique_human_clicked = r.email_unique_human_clicked + excluded.email_unique_human_clicked,
      social_impressions = r.social_impressions + excluded.social_impressions,
      social_likes = r.social_likes + excluded.social_likes,
      social_comments = r.social_comments + excluded.social_comments,
      social_shares = r.social_shares + excluded.social_shares,
      social_clicks = r.social_clicks + excluded.social_clicks,
      updated_at = now()
    returning 1
  )
  -- (remembered and upserted run to completion whether or not they are read: Postgres executes
  -- every data-modifying CTE exactly once.)
  select count(*)::int into v_events from counting;
  return v_events;
end
$$;

revoke all on function metrics_rollup_events(uuid[]) from public, anon, authenticated;
grant execute on function metrics_rollup_events(uuid[]) to service_role;

-- The newest rollup per variant and channel, now with the people-and-machines counters (new
-- columns go last: a replaced view keeps its existing columns in place).
create or replace view metrics_rollup_latest with (security_invoker = true) as
select distinct on (workspace_id, ab_test_id, variant_id, channel)
  workspace_id,
  circuit_execution_id,
  ab_test_id,
  variant_id,
  channel,
  time_bucket,
  email_delivered,
  email_opened,
  email_clicked,
  social_impressions,
  social_engagement_rate,
  delivery_rate,
  open_rate,
  engagement_rate,
  email_machine_opened,
  email_bot_clicked,
  email_unique_human_opened,
  email_unique_human_clicked,
  human_open_rate,
  human_click_rate
from metrics_rollups
order by workspace_id, ab_test_id, variant_id, channel, time_bucket desc;
-- (A replaced view keeps its grants: select for authenticated and service_role, as 20251219 left them.)

-- Ledger rows recorded before this migration: the provider's own flag where the stored payload
-- carries one (SendGrid's sg_machine_open on opens, Mailgun's client-info.bot), as the normalisers
-- read it, and `no_provider_signal` where they would say that too; the click heuristics (scanner
-- user agents, click timing) are not replayed here, so SendGrid and Resend clicks recorded before
-- stay `unknown` with signal `recorded_before_classification`.
update metrics_webhook_events e
   set engagement_class = c.engagement_class, class_signal = c.class_signal
  from (
    select x.id,
           case
             when x.provider = 'sendgrid' and x.event_type = 'email_open' and jsonb_typeof(x.raw_payload -> 'sg_machine_open') = 'boolean'
               then case when (x.raw_payload ->> 'sg_machine_open')::boolean then 'machine' else 'human' end
             when x.provider = 'mailgun' and jsonb_typeof(x.raw_payload #> '{client-info,bot}') = 'string'
               then case x.raw_payload #>> '{client-info,bot}' when '' then 'human' when 'apple' then 'machine'
                                                                when 'gmail' then 'machine' else 'bot' end
             else 'unknown'
           end as engagement_class,
           case
             when x.provider = 'sendgrid' and x.event_type = 'email_open' and jsonb_typeof(x.raw_payload -> 'sg_machine_open') = 'boolean'
               then 'sendgrid_machine_open_flag'
             when x.provider = 'mailgun' and jsonb_typeof(x.raw_payload #> '{client-info,bot}') = 'string'
               then case x.raw_payload #>> '{client-info,bot}' when '' then 'mailgun_client_info_no_bot' else 'mailgun_client_info_bot' end
             -- Where the normalisers have no heuristic either: what they say, no signal.
             when x.provider = 'mailgun' or x.event_type = 'email_open' then 'no_provider_signal'
             else 'recorded_before_classification'
           end as class_signal
    from metrics_webhook_events x
    where x.event_type in ('email_open', 'email_click') and x.engagement_class is null
  ) c
 where e.id = c.id;

-- Rollups written before this migration: their machine opens, bot clicks and unique human opens
-- and clicks recounted from the ledger (events still kept), as 20251222 did for the unique counters.
with classified as (
  select e.workspace_id, e.provider, e.provider_object_id,
         min(e.occurred_at) filter (where e.event_type = 'email_open' and e.engagement_class = 'human') as human_open_at,
         min(e.occurred_at) filter (where e.event_type = 'email_click' and e.engagement_class = 'human') as human_click_at
  from metrics_webhook_events e
  where e.applied_at is not null and e.event_type in ('email_open', 'email_click')
  group by 1, 2, 3
),
remembered as (
  update metrics_attribution_map m
     set first_human_opened_at = x.human_open_at, first_human_clicked_at = x.human_click_at
    from classified x
   where m.workspace_id = x.workspace_id and m.provider = x.provider and m.provider_object_id = x.provider_object_id
  returning m.workspace_id, m.circuit_execution_id, m.ab_test_id, m.variant_id, m.channel, x.human_open_at, x.human_click_at
),
machine_events as (
  select m.workspace_id, m.circuit_execution_id, m.ab_test_id, m.variant_id, m.channel, e.occurred_at as at,
         case when e.event_type = 'email_open' and e.engagement_class = 'machine' then e.quantity else 0 end as machine_opened,
         case when e.event_type = 'email_click' and e.engagement_class = 'bot' then e.quantity else 0 end as bot_clicked
  from metrics_webhook_events e
  join metrics_attribution_map m
    on m.workspace_id = e.workspace_id and m.provider = e.provider and m.provider_object_id = e.provider_object_id
  where e.applied_at is not null and e.engagement_class in ('machine', 'bot')
),
counts as (
  select workspace_id, circuit_execution_id, ab_test_id, variant_id, channel, date_trunc('hour', at) as time_bucket,
         sum(machine_opened) as machine_opened, sum(bot_clicked) as bot_clicked,
         sum(human_opened) as human_opened, sum(human_clicked) as human_clicked
  from (
    select r.workspace_id, r.circuit_execution_id, r.ab_test_id, r.variant_id, r.channel, d.at,
           0 as machine_opened, 0 as bot_clicked, d.human_opened, d.human_clicked
    from remembered r
    cross join lateral (values (r.human_open_at, 1, 0), (r.human_click_at, 0, 1)) as d(at, human_opened, human_clicked)
    where d.at is not null
    union all
    select workspace_id, circuit_execution_id, ab_test_id, variant_id, channel, at, machine_opened, bot_clicked, 0, 0
    from machine_events
  ) all_counts
  group by 1, 2, 3, 4, 5, 6
)
update metrics_rollups r
   set email_machine_opened = c.machine_opened, email_bot_clicked = c.bot_clicked,
       email_unique_human_opened = c.human_opened, email_unique_human_clicked = c.human_clicked
  from counts c
 where r.workspace_id = c.workspace_id and r.circuit_execution_id = c.circuit_execution_id
   and r.ab_test_id is not distinct from c.ab_test_id and r.variant_id is not distinct from c.variant_id
   and r.channel = c.channel and r.time_bucket = c.time_bucket;
