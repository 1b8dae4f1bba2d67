-- Unique opens and clicks: messages with at least one open / click, beside the event counters.
--
-- Why: opens and clicks are event counts (Apple Mail and security scanners reopen, people click
-- twice), so email_opened can exceed email_delivered and "opens / delivered" is not a proportion;
-- a test of proportions on it is invalid. A unique counter counts each provider object (message)
-- once, in the hour of its earliest open (click) known so far: when an earlier open of the same
-- message arrives later, its count moves to the earlier hour (-1 there, +1 here), so the result
-- does not depend on arrival order and equals a recount from the ledger. Exactly once because it
-- rides on the event's own exactly-once application (applied_at goes from NULL once) and on the
-- mapping row of the object, locked before it is read, which remembers the earliest time.

alter table metrics_rollups add column if not exists email_unique_opened bigint not null default 0;
alter table metrics_rollups add column if not exists email_unique_clicked bigint not null default 0;
-- Generated like the release notes' rates, from the same row, so they can never be stale.
alter table metrics_rollups add column if not exists unique_open_rate numeric(30,2) generated always as (
  case when email_delivered <> 0 then round(100.0 * email_unique_opened / email_delivered, 2) else 0 end) stored;
alter table metrics_rollups add column if not exists unique_click_rate numeric(30,2) generated always as (
  case when email_delivered <> 0 then round(100.0 * email_unique_clicked / email_delivered, 2) else 0 end) stored;
alter table metrics_attribution_map add column if not exists first_opened_at timestamptz;
alter table metrics_attribution_map add column if not exists first_clicked_at timestamptz;

-- The one writer of rollup counters (see 20251218 for the probes); now also the unique counters.
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
           e.occurred_at, e.event_type, e.quantity
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
           min(c.occurred_at) filter (where c.event_type = 'email_click') as click_at
    from counting c
    where c.event_type in ('email_open', 'email_click')
    group by c.map_id
  ),
  moves as (
    select m.id as map_id, m.workspace_id, m.circuit_execution_id, m.ab_test_id, m.variant_id, m.channel,
           m.first_opened_at as old_open, m.first_clicked_at as old_click,
           case when x.open_at < coalesce(m.first_opened_at, 'infinity') then x.open_at end as new_open,
           case when x.click_at < coalesce(m.first_clicked_at, 'infinity') then x.click_at end as new_click
    from earliest x join metrics_attribution_map m on m.id = x.map_id
  ),
  remembered as (
    update metrics_attribution_map m
       set first_opened_at = coalesce(v.new_open, m.first_opened_at),
           first_clicked_at = coalesce(v.new_click, m.first_clicked_at)
      from moves v
     where m.id = v.map_id and (v.new_open is not null or v.new_click is not null)
    returning 1
  ),
  unique_deltas as (
    select v.workspace_id, v.circuit_execution_id, v.ab_test_id, v.variant_id, v.channel, d.at, d.opened, d.clicked
    from moves v
    cross join lateral (values
      (v.new_open, 1, 0), (case when v.new_open is not null then v.old_open end, -1, 0),
      (v.new_click, 0, 1), (case when v.new_click is not null then v.old_click end, 0, -1)
    ) as d(at, opened, clicked)
    where d.at is not null
  ),
  increments as (
    select workspace_id, circuit_execution_id, ab_test_id, variant_id, channel, time_bucket,
           sum(email_sent) as email_sent, sum(email_delivered) as email_delivered, sum(email_bounced) as email_bounced,
           sum(email_complained) as email_complained, sum(email_unsubscribed) as email_unsubscribed,
           sum(email_opened) as email_opened, sum(email_clicked) as email_clicked,
           sum(email_unique_opened) as email_unique_opened, sum(email_unique_clicked) as email_unique_clicked,
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
             case when c.event_type = 'social_impression' then c.quantity else 0 end as social_impressions,
             case when c.event_type = 'social_like' then c.quantity else 0 end as social_likes,
             case when c.event_type = 'social_comment' then c.quantity else 0 end as social_comments,
             case when c.event_type = 'social_share' then c.quantity else 0 end as social_shares,
             case when c.event_type = 'social_click' then c.quantity else 0 end as social_clicks
      from counting c
      union all
      select u.workspace_id, u.circuit_execution_id, u.ab_test_id, u.variant_id, u.channel,
             date_trunc('hour', u.at), 0, 0, 0, 0, 0, 0, 0, u.opened, u.clicked, 0, 0, 0, 0, 0
      from unique_deltas u
    ) all_deltas
    group by 1, 2, 3, 4, 5, 6
  ),
  upserted as (
    insert into metrics_rollups as r (
      workspace_id, circuit_execution_id, ab_test_id, variant_id, channel, time_bucket,
      email_sent, email_delivered, email_bounced, email_complained, email_unsubscribed,
      email_opened, email_clicked, email_unique_opened, email_unique_clicked,
      social_impressions, social_likes, social_comments, social_shares, social_clicks)
    select workspace_id, circuit_execution_id, ab_test_id, variant_id, channel, time_bucket,
           email_sent, email_delivered, email_bounced, email_complained, email_unsubscribed,
           email_opened, email_clicked, email_unique_opened, email_unique_clicked,
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

-- Rollups written before this migration: recount their unique opens and clicks from the ledger
-- (events still kept) so old hours are not left at zero.
with earliest as (
  select e.workspace_id, e.provider, e.provider_object_id,
         min(e.occurred_at) filter (where e.event_type = 'email_open') as open_at,
         min(e.occurred_at) filter (where e.event_type = 'email_click') as click_at
  from metrics_webhook_events e
  where e.applied_at is not null and e.event_type in ('email_open', 'email_click')
  group by 1, 2, 3
),
remembered as (
  update metrics_attribution_map m
     set first_opened_at = x.open_at, first_clicked_at = x.click_at
    from earliest x
   where m.workspace_id = x.workspace_id and m.provider = x.provider and m.provider_object_id = x.provider_object_id
  returning m.workspace_id, m.circuit_execution_id, m.ab_test_id, m.variant_id, m.channel, x.open_at, x.click_at
),
counts as (
  select workspace_id, circuit_execution_id, ab_test_id, variant_id, channel, date_trunc('hour', at) as time_bucket,
         sum(opened) as opened, sum(clicked) as clicked
  from remembered r
  cross join lateral (values (r.open_at, 1, 0), (r.click_at, 0, 1)) as d(at, opened, clicked)
  where d.at is not null
  group by 1, 2, 3, 4, 5, 6
)
update metrics_rollups r
   set email_unique_opened = c.opened, email_unique_clicked = c.clicked
  from counts c
 where r.workspace_id = c.workspace_id and r.circuit_execution_id = c.circuit_execution_id
   and r.ab_test_id is not distinct from c.ab_test_id and r.variant_id is not distinct from c.variant_id
   and r.channel = c.channel and r.time_bucket = c.time_bucket;
