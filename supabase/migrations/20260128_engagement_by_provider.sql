-- Opens and clicks of an A/B test per provider and engagement class, from the ledger: what the
-- dashboard's machine share of opens per provider reads.
--
-- Why here and not in the rollups: the rollups count machine opens and bot clicks per test and
-- variant but not per provider, and a test may send through several providers that mark machines
-- differently (or, like Resend's opens, not at all). The ledger row carries the provider and the
-- class decided at ingest; its object's mapping carries the test. Only counted events (applied)
-- of mapped email objects are read, and the range is the rollups' hour buckets, so the totals per
-- provider add up to the variant table's opens and clicks over the same range.

create or replace function metrics_ab_test_engagement_by_provider(
  p_workspace_id uuid,
  p_ab_test_id uuid,
  p_time_start timestamptz default null,
  p_time_end timestamptz default null
)
returns table (provider text, event_type text, engagement_class text, events bigint)
language sql
stable
-- Invoker: as a member, row-level security on the ledger and the mappings decides what is seen.
security invoker
set search_path = public, pg_temp
as $$
  select m.provider, x.event_type,
         -- Opens and clicks always carry a class; a row without one is counted as unknown, never guessed.
         coalesce(x.engagement_class, 'unknown') as engagement_class,
         sum(x.quantity)::bigint as events
  from public.metrics_attribution_map m
  join public.metrics_webhook_events x
    on x.workspace_id = m.workspace_id and x.provider = m.provider and x.provider_object_id = m.provider_object_id
  where m.workspace_id = p_workspace_id and m.ab_test_id = p_ab_test_id
    and m.status = 'mapped' and m.channel = 'email'
    and x.provider_object_id is not null and x.event_type <> 'provider_only'
    and x.event_type in ('email_open', 'email_click') and x.applied_at is not null
    -- The rollups' buckets, both ends inclusive (as the variant comparison filters them).
    and (p_time_start is null or date_trunc('hour', x.occurred_at) >= p_time_start)
    and (p_time_end is null or date_trunc('hour', x.occurred_at) <= p_time_end)
  group by 1, 2, 3
  order by 1, 2, 3
$$;

-- A read under RLS: members may call it (it shows them nothing RLS hides); anon may not.
revoke all on function metrics_ab_test_engagement_by_provider(uuid, uuid, timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function metrics_ab_test_engagement_by_provider(uuid, uuid, timestamptz, timestamptz) to authenticated, service_role;
