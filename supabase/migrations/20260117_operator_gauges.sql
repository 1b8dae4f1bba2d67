-- The product's own state for the operator's scrape, deployment-wide and the same on every app
-- instance (it is read from the database, not counted in a process), so Prometheus can alert on it
-- even where each scrape reaches a different serverless instance:
--   recent_events / recent_attributed: events received in the last p_window and how many of them
--     are attributed and counted (processed); their ratio is the attribution gauge. At most
--     p_exact_up_to rows per provider are read, newest first (idx_..._received_at_all), so a scrape
--     costs the same on a large ledger.
--   unattributed_events / oldest_unattributed_at: the backlog waiting for a mapping, and its age
--     (the processed index).
--   last_received_at: the last delivery per provider (metrics_ingest_activity, to the minute).
-- Workspaces are never named: labels stay the closed set of providers.
create or replace function metrics_operator_gauges(p_providers text[], p_window interval, p_exact_up_to int)
returns table (provider text, recent_events bigint, recent_attributed bigint, unattributed_events bigint,
               oldest_unattributed_at timestamptz, last_received_at timestamptz)
language plpgsql
stable
set search_path = public, pg_temp
as $$
declare
  v_provider text;
begin
  foreach v_provider in array p_providers loop
    provider := v_provider;
    select count(*), count(*) filter (where s.processed)
      into recent_events, recent_attributed
    from (select e.processed from metrics_webhook_events e
          where e.provider = v_provider and e.received_at >= now() - p_window
          order by e.received_at desc
          limit p_exact_up_to) s;
    select count(*), min(e.received_at) into unattributed_events, oldest_unattributed_at
    from metrics_webhook_events e where not e.processed and e.provider = v_provider;
    select max(a.last_received_at) into last_received_at from metrics_ingest_activity a where a.provider = v_provider;
    return next;
  end loop;
end
$$;

revoke all on function metrics_operator_gauges(text[], interval, int) from public, anon, authenticated;
grant execute on function metrics_operator_gauges(text[], interval, int) to service_role;
