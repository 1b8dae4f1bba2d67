-- Request budgets every app instance shares: sign-in and magic-link attempts per email and per
-- client address, workspace creation per user. A counter per key and fixed window, kept in the
-- database so that two instances (or a restart) cannot multiply an attacker's budget.

create table if not exists metrics_rate_limits (
  -- What is counted, e.g. 'sign-in:ip:<sha-256 hex>'; the app hashes emails and addresses.
  key text primary key check (char_length(key) between 1 and 200),
  window_start timestamptz not null,
  window_end timestamptz not null,
  hits int not null check (hits >= 0)
);

-- Expired windows are swept a few at a time by the function below.
create index if not exists metrics_rate_limits_window_end on metrics_rate_limits (window_end);

-- Only the service (through the function) reads or writes budgets; no client role sees them.
alter table metrics_rate_limits enable row level security;
revoke all on table metrics_rate_limits from public, anon, authenticated;
grant select, insert, update, delete on table metrics_rate_limits to service_role;

-- Counts one attempt against `p_key`'s budget of `p_limit` per `p_window_seconds` (a fixed
-- window starting at the key's first attempt) and answers 0 when it is within budget, else the
-- whole seconds until the window ends (the Retry-After).
create or replace function metrics_rate_limit_hit(p_key text, p_limit int, p_window_seconds int)
returns int
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := pg_catalog.clock_timestamp();
  v_hits int;
  v_window_end timestamptz;
begin
  if p_key is null or p_limit is null or p_limit < 1 or p_window_seconds is null or p_window_seconds < 1 then
    raise exception 'a key, a limit >= 1 and a window >= 1 second are required' using errcode = '22023';
  end if;
  -- Sweep a bounded batch of expired windows, so distinct keys (many addresses) cannot pile up.
  delete from public.metrics_rate_limits
  where ctid in (select ctid from public.metrics_rate_limits where window_end < v_now limit 50);

  -- Over-budget attempts stop counting at limit + 1: the row says "spent" until the window ends.
  insert into public.metrics_rate_limits as r (key, window_start, window_end, hits)
  values (p_key, v_now, v_now + pg_catalog.make_interval(secs => p_window_seconds), 1)
  on conflict (key) do update
    set window_start = case when r.window_end <= v_now then excluded.window_start else r.window_start end,
        window_end = case when r.window_end <= v_now then excluded.window_end else r.window_end end,
        hits = case when r.window_end <= v_now then 1 else least(r.hits + 1, p_limit + 1) end
  returning r.hits, r.window_end into v_hits, v_window_end;

  if v_hits <= p_limit then
    return 0;
  end if;
  return greatest(1, ceil(extract(epoch from (v_window_end - v_now)))::int);
end
$$;

revoke all on function metrics_rate_limit_hit(text, int, int) from public, anon, authenticated;
grant execute on function metrics_rate_limit_hit(text, int, int) to service_role;

-- Creates a workspace owned by `p_actor` unless they already own `p_max_owned` (then a
-- check_violation, 23514, with detail 'workspace_cap'). The lock per actor makes the count and
-- the insert one step, so parallel requests on any instance cannot overshoot the cap.
create or replace function metrics_workspace_create_capped(p_actor uuid, p_name text, p_max_owned int)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_owned int;
begin
  if p_actor is null or p_max_owned is null or p_max_owned < 1 then
    raise exception 'an owner and a cap >= 1 are required' using errcode = '22023';
  end if;
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('metrics_workspace_create:' || p_actor::text, 0));
  select count(*) into v_owned from public.workspace_members m where m.user_id = p_actor and m.role = 'owner';
  if v_owned >= p_max_owned then
    raise exception 'workspace cap reached' using errcode = '23514', detail = 'workspace_cap', hint = v_owned::text;
  end if;
  return public.metrics_workspace_create(p_actor, p_name);
end
$$;

revoke all on function metrics_workspace_create_capped(uuid, text, int) from public, anon, authenticated;
grant execute on function metrics_workspace_create_capped(uuid, text, int) to service_role;
