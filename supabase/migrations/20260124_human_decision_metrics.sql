-- Verdicts on people: a test can be decided on the unique human open rate or the unique human
-- click rate (messages with at least one open / click classified `human` within the window).
--
-- Why: privacy proxies open every message of a protected inbox and scanners click every link,
-- in both arms alike, so the unique open and click rates dilute a variant's lift toward zero
-- (docs/statistics.md, "People, not machines"). The totals keep their meaning; these metrics sit
-- beside them. Registered tests keep the metric they registered (the column is not null: nothing
-- stored means "default").

-- 1. The registry accepts the two new metrics.
alter table metrics_ab_tests drop constraint if exists metrics_ab_tests_primary_metric_check;
alter table metrics_ab_tests add constraint metrics_ab_tests_primary_metric_check check (primary_metric in (
  'unique_open_rate', 'unique_click_rate', 'unique_human_open_rate', 'unique_human_click_rate', 'delivery_rate',
  'social_engagement_rate', 'social_click_rate'));

-- 2. The per-message looks of 20260115, with the messages a person opened / clicked within the
--    window (the first open or click classified `human`; a machine open before it does not count,
--    a person's open after it does). The result gains two columns, so the function is dropped and
--    created again (create or replace cannot change a result type); its grants are restated.
drop function if exists metrics_ab_test_message_looks(uuid, uuid, int);

create function metrics_ab_test_message_looks(p_workspace_id uuid, p_ab_test_id uuid, p_window_hours int)
returns table (
  variant_id uuid,
  look timestamptz,
  sends bigint,
  delivered bigint,
  delivery_events bigint,
  opened bigint,
  clicked bigint,
  complained bigint,
  unsubscribed bigint,
  bounced bigint,
  human_opened bigint,
  human_clicked bigint
)
language sql
stable
security invoker
set search_path = public, pg_temp
-- One index probe per message is cheap; compiling the plan is not (see 20260115).
set jit = off
as $$
  with messages as (
    select m.variant_id, e.*,
           coalesce(e.delivered_at, e.sent_at, e.first_at) + make_interval(hours => p_window_hours) as closes_at
    from public.metrics_attribution_map m
    cross join lateral (
      select min(x.occurred_at) as first_at,
             min(x.occurred_at) filter (where x.event_type in ('email_sent', 'email_delivered', 'email_bounce')) as sent_at,
             min(x.occurred_at) filter (where x.event_type = 'email_delivered') as delivered_at,
             count(*) filter (where x.event_type = 'email_delivered') as delivery_events,
             min(x.occurred_at) filter (where x.event_type = 'email_open') as opened_at,
             min(x.occurred_at) filter (where x.event_type = 'email_click') as clicked_at,
             min(x.occurred_at) filter (where x.event_type = 'email_complaint') as complained_at,
             min(x.occurred_at) filter (where x.event_type = 'email_unsubscribe') as unsubscribed_at,
             min(x.occurred_at) filter (where x.event_type = 'email_bounce') as bounced_at,
             min(x.occurred_at) filter (where x.event_type = 'email_open' and x.engagement_class = 'human') as human_opened_at,
             min(x.occurred_at) filter (where x.event_type = 'email_click' and x.engagement_class = 'human') as human_clicked_at
      from public.metrics_webhook_events x
      where x.workspace_id = m.workspace_id and x.provider = m.provider and x.provider_object_id = m.provider_object_id
        and x.provider_object_id is not null and x.event_type <> 'provider_only' and x.applied_at is not null
    ) e
    where m.workspace_id = p_workspace_id and m.ab_test_id = p_ab_test_id
      and m.status = 'mapped' and m.channel = 'email' and m.variant_id is not null
      and e.first_at is not null
  ),
  per_look as (
    select variant_id,
           -- The first whole hour at or after the window closes.
           date_trunc('hour', closes_at) + case when closes_at > date_trunc('hour', closes_at) then interval '1 hour'
                                                else interval '0' end as look,
           count(*) filter (where sent_at is not null) as sends,
           count(*) filter (where delivered_at is not null) as delivered,
           sum(delivery_events) as delivery_events,
           count(*) filter (where opened_at <= closes_at) as opened,
           count(*) filter (where clicked_at <= closes_at) as clicked,
           count(*) filter (where complained_at <= closes_at) as complained,
           count(*) filter (where unsubscribed_at <= closes_at) as unsubscribed,
           count(*) filter (where bounced_at <= closes_at) as bounced,
           count(*) filter (where human_opened_at <= closes_at) as human_opened,
           count(*) filter (where human_clicked_at <= closes_at) as human_clicked
    from messages
    group by 1, 2
  )
  select variant_id, look,
         (sum(sends) over running)::bigint, (sum(delivered) over running)::bigint, (sum(delivery_events) over running)::bigint,
         (sum(opened) over running)::bigint, (sum(clicked) over running)::bigint, (sum(complained) over running)::bigint,
         (sum(unsubscribed) over running)::bigint, (sum(bounced) over running)::bigint,
         (sum(human_opened) over running)::bigint, (sum(human_clicked) over running)::bigint
  from per_look
  window running as (partition by variant_id order by look)
  order by look, variant_id
$$;

-- A read under RLS: members may call it (it shows them nothing RLS hides); anon may not.
revoke all on function metrics_ab_test_message_looks(uuid, uuid, int) from public, anon, authenticated;
grant execute on function metrics_ab_test_message_looks(uuid, uuid, int) to authenticated, service_role;
