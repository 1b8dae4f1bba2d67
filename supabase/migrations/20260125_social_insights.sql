-- Social impressions from the platforms' insights APIs (Facebook Page post insights, Instagram
-- media insights, LinkedIn share statistics). Those APIs report lifetime totals per post; the
-- insights poll stores every reading as a snapshot and adds to metrics_rollups.social_impressions
-- only what a reading raises the post's counted total by, in the hour it was read:
--   * a snapshot read twice (same post, same observed_at) is stored once and adds nothing;
--   * a snapshot older or lower than what is already counted adds nothing (out of order);
--   * a total that goes down is stored and flagged (decreased), never subtracted: the platforms
--     revise their counts (spam filtering), and a rollup hour already read must not shrink.
-- So the counted total of a post is the highest total any reading reported, added exactly once.

-- 1. One row per post under poll: its cadence state and what has been counted for it.
-- A post is a mapping row's object (so its provider is one the registry knows, and retention of the
-- mapping takes the post and its snapshots with it).
create table if not exists metrics_social_insight_posts (
  workspace_id uuid not null references workspaces(id) on delete cascade,
  provider text not null,
  provider_object_id text not null,
  -- When the post was first mapped: its age sets the cadence.
  posted_at timestamptz not null,
  state text not null default 'polling' check (state in ('polling', 'stopped')),
  stop_reason text check (stop_reason in ('aged_out', 'unchanged', 'deleted')),
  next_poll_at timestamptz not null default now(),
  last_polled_at timestamptz,
  unchanged_polls int not null default 0 check (unchanged_polls >= 0),
  counted_impressions bigint not null default 0 check (counted_impressions >= 0),
  latest_observed_at timestamptz,
  latest_impressions bigint,
  latest_reach bigint,
  latest_views bigint,
  -- The last time a reading came in below an earlier one (surfaced, not subtracted).
  decreased_at timestamptz,
  decreased_from bigint,
  decreased_to bigint,
  primary key (workspace_id, provider, provider_object_id),
  foreign key (workspace_id, provider, provider_object_id)
    references metrics_attribution_map (workspace_id, provider, provider_object_id) on delete cascade,
  check ((state = 'stopped') = (stop_reason is not null))
);

create index if not exists idx_metrics_social_insight_posts_due
  on metrics_social_insight_posts (next_poll_at) where state = 'polling';

-- 2. Every reading, as the platform reported it.
create table if not exists metrics_social_insight_snapshots (
  workspace_id uuid not null,
  provider text not null,
  provider_object_id text not null,
  observed_at timestamptz not null,
  -- The platform's metric the impressions figure is (e.g. post_media_view, views, impressionCount).
  metric text not null check (length(metric) between 1 and 100),
  impressions bigint not null check (impressions >= 0),
  reach bigint check (reach >= 0),
  views bigint check (views >= 0),
  -- What this reading added to the rollups (0 for a repeat, an older reading or a decrease).
  added bigint not null check (added >= 0),
  decreased boolean not null,
  recorded_at timestamptz not null default now(),
  primary key (workspace_id, provider, provider_object_id, observed_at),
  foreign key (workspace_id, provider, provider_object_id)
    references metrics_social_insight_posts (workspace_id, provider, provider_object_id) on delete cascade
);

-- 3. One row per connected account: when its insights were last fetched and its back-off.
-- (Rows are written for the providers of enrolled posts only.)
create table if not exists metrics_social_insight_accounts (
  workspace_id uuid not null references workspaces(id) on delete cascade,
  provider text not null,
  last_fetched_at timestamptz,
  backoff_until timestamptz,
  throttled_count int not null default 0 check (throttled_count >= 0),
  last_error text check (length(last_error) <= 300),
  last_error_kind text check (last_error_kind in ('throttled', 'token_rejected', 'no_token', 'provider_error')),
  last_error_at timestamptz,
  primary key (workspace_id, provider)
);

alter table metrics_social_insight_posts enable row level security;
alter table metrics_social_insight_snapshots enable row level security;
alter table metrics_social_insight_accounts enable row level security;

drop policy if exists "metrics_social_insight_posts_tenant_isolation" on metrics_social_insight_posts;
create policy "metrics_social_insight_posts_tenant_isolation" on metrics_social_insight_posts
  for select to authenticated using (workspace_id = (select get_current_workspace_id()));
drop policy if exists "metrics_social_insight_snapshots_tenant_isolation" on metrics_social_insight_snapshots;
create policy "metrics_social_insight_snapshots_tenant_isolation" on metrics_social_insight_snapshots
  for select to authenticated using (workspace_id = (select get_current_workspace_id()));
drop policy if exists "metrics_social_insight_accounts_tenant_isolation" on metrics_social_insight_accounts;
create policy "metrics_social_insight_accounts_tenant_isolation" on metrics_social_insight_accounts
  for select to authenticated using (workspace_id = (select get_current_workspace_id()));

revoke all on metrics_social_insight_posts from public, anon, authenticated;
revoke all on metrics_social_insight_snapshots from public, anon, authenticated;
revoke all on metrics_social_insight_accounts from public, anon, authenticated;
grant select on metrics_social_insight_posts, metrics_social_insight_snapshots, metrics_social_insight_accounts to authenticated;
grant all on metrics_social_insight_posts, metrics_social_insight_snapshots, metrics_social_insight_accounts to service_role;

-- 4. Enrol the mapped social posts of connected accounts (an active connection holding a token)
-- first mapped within p_max_age. Returns how many were added.
create or replace function metrics_social_insight_enrol(p_max_age interval)
returns int
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_added int;
begin
  insert into metrics_social_insight_posts (workspace_id, provider, provider_object_id, posted_at)
  select m.workspace_id, m.provider, m.provider_object_id, m.created_at
  from metrics_attribution_map m
  where m.channel = 'social' and m.status = 'mapped'
    and m.provider in ('facebook', 'instagram', 'linkedin')
    and m.created_at > now() - p_max_age
    and exists (
      select 1 from metrics_provider_connections c
      where c.workspace_id = m.workspace_id and c.provider = m.provider and c.status = 'active'
        and c.api_key_ciphertext is not null and (c.claim_status is null or c.claim_status = 'verified'))
  on conflict do nothing;
  get diagnostics v_added = row_count;
  return v_added;
end
$$;

-- 5. Claim up to p_limit due posts of accounts not backing off: each is pushed p_lease ahead, so
-- a run that dies leaves them to a later run, and two runs at once never poll the same post.
create or replace function metrics_social_insight_claim(p_limit int, p_lease interval)
returns table (workspace_id uuid, provider text, provider_object_id text, posted_at timestamptz,
               unchanged_polls int, counted_impressions bigint)
language plpgsql
set search_path = public, pg_temp
as $$
begin
  return query
  with due as (
    select p.workspace_id, p.provider, p.provider_object_id
    from metrics_social_insight_posts p
    where p.state = 'polling' and p.next_poll_at <= now()
      and not exists (
        select 1 from metrics_social_insight_accounts a
        where a.workspace_id = p.workspace_id and a.provider = p.provider and a.backoff_until > now())
    order by p.next_poll_at, p.workspace_id, p.provider, p.provider_object_id
    limit greatest(p_limit, 0)
    for update of p skip locked
  )
  update metrics_social_insight_posts p
     set next_poll_at = now() + p_lease
    from due d
   where p.workspace_id = d.workspace_id and p.provider = d.provider and p.provider_object_id = d.provider_object_id
  returning p.workspace_id, p.provider, p.provider_object_id, p.posted_at, p.unchanged_polls, p.counted_impressions;
end
$$;

-- 6. Apply one reading atomically: store the snapshot, add what it raises the counted total by to
-- the post's rollup hour, and update the post. The post row is locked first, then the one rollup
-- row (the same order as every other rollup writer: one row, so no cycle).
create or replace function metrics_social_insight_apply(
  p_workspace_id uuid, p_provider text, p_provider_object_id text, p_observed_at timestamptz,
  p_metric text, p_impressions bigint, p_reach bigint, p_views bigint)
returns table (added bigint, duplicate boolean, decreased boolean, changed boolean)
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_post metrics_social_insight_posts%rowtype;
  v_map metrics_attribution_map%rowtype;
  v_before bigint;
  v_added bigint := 0;
  v_decreased boolean;
begin
  if p_impressions is null or p_impressions < 0 or p_observed_at is null then
    raise exception 'a reading needs a time and a non-negative impressions figure' using errcode = '22023';
  end if;
  select * into v_post from metrics_social_insight_posts p
  where p.workspace_id = p_workspace_id and p.provider = p_provider and p.provider_object_id = p_provider_object_id
  for update;
  if not found then
    raise exception 'post is not under insights poll' using errcode = '22023';
  end if;

  -- An earlier reading above this one: the platform's total went down.
  select max(s.impressions) into v_before from metrics_social_insight_snapshots s
  where s.workspace_id = p_workspace_id and s.provider = p_provider and s.provider_object_id = p_provider_object_id
    and s.observed_at < p_observed_at;
  v_decreased := coalesce(p_impressions < v_before, false);

  select * into v_map from metrics_attribution_map m
  where m.workspace_id = p_workspace_id and m.provider = p_provider and m.provider_object_id = p_provider_object_id
    and m.status = 'mapped';
  -- Only a reading newer than the newest one counted may add (an older one arriving late adds nothing).
  if found and p_impressions > v_post.counted_impressions
     and (v_post.latest_observed_at is null or p_observed_at > v_post.latest_observed_at) then
    v_added := p_impressions - v_post.counted_impressions;
  end if;

  insert into metrics_social_insight_snapshots as s (
    workspace_id, provider, provider_object_id, observed_at, metric, impressions, reach, views, added, decreased)
  values (p_workspace_id, p_provider, p_provider_object_id, p_observed_at, p_metric, p_impressions, p_reach, p_views,
          v_added, v_decreased)
  on conflict do nothing;
  if not found then
    return query select 0::bigint, true, false, false;
    return;
  end if;

  if v_added > 0 then
    insert into metrics_rollups as r (workspace_id, circuit_execution_id, ab_test_id, variant_id, channel, time_bucket,
                                      social_impressions)
    values (v_map.workspace_id, v_map.circuit_execution_id, v_map.ab_test_id, v_map.variant_id, v_map.channel,
            date_trunc('hour', p_observed_at), v_added)
    on conflict on constraint metrics_rollups_key do update
      set social_impressions = r.social_impressions + excluded.social_impressions, updated_at = now();
  end if;

  update metrics_social_insight_posts p
     set counted_impressions = p.counted_impressions + v_added,
         latest_observed_at = greatest(p.latest_observed_at, p_observed_at),
         latest_impressions = case when p.latest_observed_at is null or p_observed_at > p.latest_observed_at
                                   then p_impressions else p.latest_impressions end,
         latest_reach = case when p.latest_observed_at is null or p_observed_at > p.latest_observed_at
                             then p_reach else p.latest_reach end,
         latest_views = case when p.latest_observed_at is null or p_observed_at > p.latest_observed_at
                             then p_views else p.latest_views end,
         decreased_at = case when v_decreased then p_observed_at else p.decreased_at end,
         decreased_from = case when v_decreased then v_before else p.decreased_from end,
         decreased_to = case when v_decreased then p_impressions else p.decreased_to end
   where p.workspace_id = p_workspace_id and p.provider = p_provider and p.provider_object_id = p_provider_object_id;

  return query select v_added, false, v_decreased,
    (v_post.latest_impressions is distinct from p_impressions
     and (v_post.latest_observed_at is null or p_observed_at > v_post.latest_observed_at));
end
$$;

-- 7. After a poll: when the post is due next (or that it stops, and why) and its unchanged streak.
create or replace function metrics_social_insight_schedule(
  p_workspace_id uuid, p_provider text, p_provider_object_id text, p_polled_at timestamptz,
  p_unchanged_polls int, p_next_poll_at timestamptz, p_stop_reason text)
returns void
language plpgsql
set search_path = public, pg_temp
as $$
begin
  update metrics_social_insight_posts p
     set last_polled_at = coalesce(p_polled_at, p.last_polled_at),
         unchanged_polls = p_unchanged_polls,
         next_poll_at = coalesce(p_next_poll_at, p.next_poll_at),
         state = case when p_stop_reason is null then 'polling' else 'stopped' end,
         stop_reason = p_stop_reason
   where p.workspace_id = p_workspace_id and p.provider = p_provider and p.provider_object_id = p_provider_object_id;
end
$$;

-- 8. What one account's fetch came to: fetched (clears the error and back-off) or an error and the
-- back-off it earns: p_backoff_ms, doubled for each throttled run in a row, at most p_backoff_max_ms.
create or replace function metrics_social_insight_account_note(
  p_workspace_id uuid, p_provider text, p_fetched_at timestamptz, p_error_kind text, p_error text,
  p_backoff_ms bigint, p_backoff_max_ms bigint)
returns timestamptz
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_until timestamptz;
begin
  insert into metrics_social_insight_accounts as a (workspace_id, provider, last_fetched_at, throttled_count,
                                                    last_error, last_error_kind, last_error_at)
  values (p_workspace_id, p_provider, p_fetched_at, case when p_error_kind = 'throttled' then 1 else 0 end,
          left(p_error, 300), p_error_kind, case when p_error_kind is not null then now() end)
  on conflict (workspace_id, provider) do update
    set last_fetched_at = coalesce(excluded.last_fetched_at, a.last_fetched_at),
        throttled_count = case when p_error_kind = 'throttled' then a.throttled_count + 1
                               when p_error_kind is null then 0 else a.throttled_count end,
        last_error = excluded.last_error,
        last_error_kind = excluded.last_error_kind,
        last_error_at = coalesce(excluded.last_error_at, a.last_error_at);

  update metrics_social_insight_accounts a
     set backoff_until = case
           when p_backoff_ms is null then null
           when p_error_kind = 'throttled' then now() + make_interval(secs => least(
             p_backoff_max_ms::double precision, p_backoff_ms * power(2, greatest(a.throttled_count - 1, 0))) / 1000)
           else now() + make_interval(secs => p_backoff_ms::double precision / 1000) end
   where a.workspace_id = p_workspace_id and a.provider = p_provider
  returning a.backoff_until into v_until;
  return v_until;
end
$$;

revoke all on function metrics_social_insight_enrol(interval) from public, anon, authenticated;
revoke all on function metrics_social_insight_claim(int, interval) from public, anon, authenticated;
revoke all on function metrics_social_insight_apply(uuid, text, text, timestamptz, text, bigint, bigint, bigint)
  from public, anon, authenticated;
revoke all on function metrics_social_insight_schedule(uuid, text, text, timestamptz, int, timestamptz, text)
  from public, anon, authenticated;
revoke all on function metrics_social_insight_account_note(uuid, text, timestamptz, text, text, bigint, bigint)
  from public, anon, authenticated;
grant execute on function metrics_social_insight_enrol(interval) to service_role;
grant execute on function metrics_social_insight_claim(int, interval) to service_role;
grant execute on function metrics_social_insight_apply(uuid, text, text, timestamptz, text, bigint, bigint, bigint) to service_role;
grant execute on function metrics_social_insight_schedule(uuid, text, text, timestamptz, int, timestamptz, text) to service_role;
grant execute on function metrics_social_insight_account_note(uuid, text, timestamptz, text, text, bigint, bigint) to service_role;
