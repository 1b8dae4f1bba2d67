-- Cron jobs and backfill: the backfill job queue (claim, progress, release), what a backfill
-- needs to know about the ledger to top up without counting twice, and retention deletes in
-- bounded batches. Everything is claimed with FOR UPDATE SKIP LOCKED, so two cron runs at once
-- split the work instead of repeating it.

-- The queue: jobs a worker may take, oldest first.
create index if not exists idx_metrics_backfill_queue
  on metrics_backfill_jobs (created_at) where status in ('pending', 'processing');
-- The dashboard's "recent jobs of this workspace".
create index if not exists idx_metrics_backfill_workspace_created
  on metrics_backfill_jobs (workspace_id, created_at desc);
-- Backfill reads what the ledger already holds per object (one page of objects at a time).
-- It costs one more index entry per counted webhook event; without it each page scans the
-- workspace's whole ledger.
create index if not exists idx_metrics_webhook_events_object
  on metrics_webhook_events (workspace_id, provider, provider_object_id)
  where provider_object_id is not null and event_type <> 'provider_only';
-- Retention deletes by age across all workspaces.
create index if not exists idx_metrics_webhook_events_received_at_all on metrics_webhook_events (received_at);
create index if not exists idx_metrics_attribution_created_at on metrics_attribution_map (created_at);

-- Takes the oldest job a worker may run: pending, paused (processing without heartbeat) or
-- abandoned (processing with a heartbeat older than p_stale_after: its worker died).
-- `attempts` counts starts: the first claim and every takeover of an abandoned job; a job
-- abandoned p_max_attempts times is failed instead. At most one job per workspace and
-- provider runs at a time, so overlapping jobs never race each other's top-ups.
create or replace function metrics_backfill_claim(
  p_stale_after interval default interval '10 minutes',
  p_max_attempts int default 3
)
returns setof metrics_backfill_jobs
language plpgsql
set search_path = public, pg_temp
as $$
begin
  -- Claims are rare (a few per run) and short: serialising them makes the one-job-per-provider
  -- check below see every committed claim, which SKIP LOCKED alone cannot guarantee.
  perform pg_advisory_xact_lock(7426901217);

  update metrics_backfill_jobs j
     set status = 'failed',
         completed_at = now(),
         updated_at = now(),
         heartbeat_at = null,
         error_message = format(
           'Gave up after %s attempts: the worker stopped each time without finishing (timeout or crash). '
           'The checkpoint is kept; enqueue the same range again to retry.', j.attempts)
   where j.id in (
     select s.id from metrics_backfill_jobs s
     where s.status = 'processing'
       and s.heartbeat_at < now() - p_stale_after
       and s.attempts >= p_max_attempts
     for update skip locked);

  return query
  with candidate as (
    select s.id, (s.status = 'processing' and s.heartbeat_at is not null) as takeover
    from metrics_backfill_jobs s
    where (s.status = 'pending'
           or (s.status = 'processing'
               and (s.heartbeat_at is null or (s.heartbeat_at < now() - p_stale_after and s.attempts < p_max_attempts))))
      and not exists (
        select 1 from metrics_backfill_jobs o
        where o.workspace_id = s.workspace_id and o.provider = s.provider and o.id <> s.id
          and o.status = 'processing' and o.heartbeat_at >= now() - p_stale_after)
    order by s.created_at, s.id
    limit 1
    for update of s skip locked
  )
  update metrics_backfill_jobs j
     set status = 'processing',
         attempts = j.attempts + case when j.status = 'pending' or c.takeover then 1 else 0 end,
         started_at = coalesce(j.started_at, now()),
         heartbeat_at = now(),
         updated_at = now()
    from candidate c
   where j.id = c.id
  returning j.*;
end
$$;

-- Records one page of progress and refreshes the heartbeat. Fenced on (status, attempts): a
-- worker whose job was taken over changes nothing and learns it must stop (returns false).
create or replace function metrics_backfill_progress(
  p_job_id uuid,
  p_attempt int,
  p_fetched int,
  p_ingested int,
  p_checkpoint jsonb
)
returns boolean
language sql
set search_path = public, pg_temp
as $$
  with updated as (
    update metrics_backfill_jobs
       set events_fetched = events_fetched + greatest(p_fetched, 0),
           events_ingested = events_ingested + greatest(p_ingested, 0),
           checkpoint = p_checkpoint,
           heartbeat_at = now(),
           updated_at = now()
     where id = p_job_id and status = 'processing' and attempts = p_attempt
    returning 1
  )
  select exists (select 1 from updated)
$$;

-- Ends a run: 'completed', 'failed' (with a message) or 'paused' (stays processing with no
-- heartbeat, so the next run resumes it from its checkpoint at once). Fenced like progress.
create or replace function metrics_backfill_release(
  p_job_id uuid,
  p_attempt int,
  p_outcome text,
  p_error text default null
)
returns boolean
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_found boolean;
begin
  if p_outcome not in ('completed', 'failed', 'paused') then
    raise exception 'unknown outcome %', p_outcome using errcode = '22023';
  end if;
  update metrics_backfill_jobs
     set status = case when p_outcome = 'paused' then 'processing' else p_outcome end,
         error_message = case when p_outcome = 'failed' then left(coalesce(p_error, 'failed'), 2000) else error_message end,
         completed_at = case when p_outcome = 'paused' then null else now() end,
         heartbeat_at = null,
         updated_at = now()
   where id = p_job_id and status = 'processing' and attempts = p_attempt;
  v_found := found;
  return v_found;
end
$$;

-- What the ledger already holds for some objects, per recipient and kind, and whether each
-- object is known to the workspace (has an attribution row, of any status) and was first seen
-- inside p_horizon. An object seen earlier may have lost ledger rows to retention, so its
-- ledger sum would understate what rollups already counted: backfill leaves it alone.
create or replace function metrics_backfill_ledger_totals(
  p_workspace_id uuid,
  p_provider text,
  p_object_ids text[],
  p_horizon interval
)
returns table (
  provider_object_id text,
  within_horizon boolean,
  recipient_hash text,
  event_type text,
  total bigint
)
language sql
stable
set search_path = public, pg_temp
as $$
  select m.provider_object_id, m.created_at > now() - p_horizon, t.recipient_hash, t.event_type, t.total
  from metrics_attribution_map m
  left join lateral (
    select e.recipient_hash, e.event_type, sum(e.quantity)::bigint as total
    from metrics_webhook_events e
    where e.workspace_id = m.workspace_id
      and e.provider = m.provider
      and e.provider_object_id = m.provider_object_id
      and e.event_type <> 'provider_only'
    group by e.recipient_hash, e.event_type
  ) t on true
  where m.workspace_id = p_workspace_id
    and m.provider = p_provider
    and m.provider_object_id = any(p_object_ids)
$$;

-- Deletes at most p_batch_size rows older than p_older_than from one table and returns how many.
-- Callers loop until a batch comes back short: each batch is its own short transaction, so a
-- large table is never locked for long. Rows another transaction holds are skipped this time.
-- Ledger age is received_at (what provider retries and backfill dedup depend on); backfill jobs
-- are only deleted once finished.
create or replace function metrics_retention_batch(p_table text, p_older_than interval, p_batch_size int)
returns int
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_cutoff timestamptz := now() - p_older_than;
  v_deleted int := 0;
begin
  if p_batch_size is null or p_batch_size < 1 then
    raise exception 'p_batch_size must be positive' using errcode = '22023';
  end if;

  if p_table = 'metrics_webhook_events' then
    with doomed as (
      select e.id from metrics_webhook_events e
      where e.received_at < v_cutoff
      limit p_batch_size
      for update skip locked
    )
    delete from metrics_webhook_events e using doomed d where e.id = d.id;
  elsif p_table = 'metrics_rollups' then
    with doomed as (
      select r.id from metrics_rollups r
      where r.time_bucket < v_cutoff
      limit p_batch_size
      for update skip locked
    )
    delete from metrics_rollups r using doomed d where r.id = d.id;
  elsif p_table = 'metrics_attribution_map' then
    with doomed as (
      select m.id from metrics_attribution_map m
      where m.created_at < v_cutoff
      limit p_batch_size
      for update skip locked
    )
    delete from metrics_attribution_map m using doomed d where m.id = d.id;
  elsif p_table = 'metrics_backfill_jobs' then
    with doomed as (
      select j.id from metrics_backfill_jobs j
      where j.created_at < v_cutoff and j.status in ('completed', 'failed')
      limit p_batch_size
      for update skip locked
    )
    delete from metrics_backfill_jobs j using doomed d where j.id = d.id;
  else
    raise exception 'no retention rule for table %', p_table using errcode = '22023';
  end if;

  get diagnostics v_deleted = row_count;
  return v_deleted;
end
$$;

revoke execute on function metrics_backfill_claim(interval, int) from public;
revoke execute on function metrics_backfill_progress(uuid, int, int, int, jsonb) from public;
revoke execute on function metrics_backfill_release(uuid, int, text, text) from public;
revoke execute on function metrics_backfill_ledger_totals(uuid, text, text[], interval) from public;
revoke execute on function metrics_retention_batch(text, interval, int) from public;
grant execute on function metrics_backfill_claim(interval, int),
  metrics_backfill_progress(uuid, int, int, int, jsonb),
  metrics_backfill_release(uuid, int, text, text),
  metrics_backfill_ledger_totals(uuid, text, text[], interval),
  metrics_retention_batch(text, interval, int) to service_role;
