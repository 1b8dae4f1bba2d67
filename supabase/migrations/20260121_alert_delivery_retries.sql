-- Alert notifications that survive a failing receiver: every (notification, channel) pair is a
-- delivery row with its exact body and webhook-id, its attempts, when the next one is due and
-- what the last one answered. The alerts job claims due rows with FOR UPDATE SKIP LOCKED and a
-- lease, so two runs never send one attempt twice; a failed attempt is rescheduled with
-- exponential backoff and jitter (computed by the app) until the attempts are spent.
-- Standard Webhooks channels may also rotate their secret: the previous one keeps signing next to
-- the new one until its overlap window ends, then the alerts job retires it. Changes to a channel
-- (rotations, retirements, test sends) are kept in its audit trail.

create table if not exists metrics_alert_deliveries (
  id bigint generated always as identity primary key,
  workspace_id uuid not null references workspaces(id) on delete cascade,
  history_id bigint not null references metrics_alert_history(id) on delete cascade,
  channel_id uuid not null references metrics_alert_channels(id) on delete cascade,
  -- The same id and body on every attempt: receivers dedupe on webhook-id.
  webhook_id text not null unique check (webhook_id ~ '^msg_[A-Za-z0-9_-]{1,64}$'),
  body text not null check (length(body) <= 65536),
  -- pending: an attempt is due or in flight; the others are final.
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed', 'refused')),
  attempts integer not null default 0 check (attempts >= 0),
  max_attempts integer not null check (max_attempts between 1 and 20),
  next_attempt_at timestamptz not null default now(),
  -- Set while an attempt is in flight; a run that died mid-send leaves it to expire.
  lease_until timestamptz,
  last_attempt_at timestamptz,
  last_outcome text check (last_outcome is null or last_outcome in ('delivered', 'failed', 'refused')),
  -- What the receiver answered (for the operator and the workspace's admins, never members).
  last_http_status integer,
  last_error text check (last_error is null or length(last_error) <= 300),
  created_at timestamptz not null default now(),
  completed_at timestamptz,
  unique (history_id, channel_id)
);
create index if not exists idx_metrics_alert_deliveries_due on metrics_alert_deliveries (next_attempt_at) where status = 'pending';
create index if not exists idx_metrics_alert_deliveries_channel on metrics_alert_deliveries (channel_id, created_at desc);
alter table metrics_alert_deliveries enable row level security;

alter table metrics_alert_channels
  add column if not exists previous_secret_sealed text check (previous_secret_sealed is null or previous_secret_sealed ~ '^v1\.'),
  add column if not exists previous_secret_fingerprint text,
  add column if not exists previous_secret_expires_at timestamptz,
  -- [{action, at, actor, ...}], newest last, at most 50 entries.
  add column if not exists audit jsonb not null default '[]'::jsonb check (jsonb_typeof(audit) = 'array');

-- Appends one entry to a channel's audit trail, keeping the newest 50.
create or replace function metrics_alert_channel_audit_append(p_audit jsonb, p_entry jsonb)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select coalesce(pg_catalog.jsonb_agg(e order by n), '[]'::jsonb)
    from pg_catalog.jsonb_array_elements(p_audit || pg_catalog.jsonb_build_array(p_entry)) with ordinality t(e, n)
   where n > pg_catalog.jsonb_array_length(p_audit) + 1 - 50
$$;

-- One delivery per channel of the history entry's workspace (a channel of another workspace adds
-- nothing); a second enqueue of the same pair changes nothing. Answers whether a row was added.
create or replace function metrics_alert_delivery_enqueue(
  p_history_id bigint,
  p_channel_id uuid,
  p_webhook_id text,
  p_body text,
  p_max_attempts integer
)
returns boolean
language sql
set search_path = ''
as $$
  with added as (
    insert into public.metrics_alert_deliveries (workspace_id, history_id, channel_id, webhook_id, body, max_attempts)
    select h.workspace_id, h.id, c.id, p_webhook_id, p_body, p_max_attempts
      from public.metrics_alert_history h
      join public.metrics_alert_channels c on c.workspace_id = h.workspace_id and c.id = p_channel_id
     where h.id = p_history_id
    on conflict (history_id, channel_id) do nothing
    returning 1
  )
  select exists (select 1 from added)
$$;

-- Claims up to p_limit due deliveries for one attempt each: the attempt is counted and a lease
-- taken in the same statement, and rows another run holds are skipped, so no attempt is sent
-- twice. Rows whose last attempt died in flight with no attempt left are given up first.
create or replace function metrics_alert_delivery_claim(p_limit integer, p_lease_seconds integer)
returns table (
  id bigint,
  workspace_id uuid,
  history_id bigint,
  channel_id uuid,
  webhook_id text,
  body text,
  attempt integer,
  max_attempts integer,
  kind text,
  url text,
  url_sealed text,
  secret text,
  secret_sealed text,
  previous_secret_sealed text,
  previous_secret_expires_at timestamptz
)
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
begin
  if p_limit is null or p_limit < 1 or p_lease_seconds is null or p_lease_seconds < 1 then
    raise exception 'a limit >= 1 and a lease >= 1 second are required' using errcode = '22023';
  end if;
  update public.metrics_alert_deliveries d
     set status = 'failed', lease_until = null, completed_at = now(),
         last_outcome = 'failed', last_error = 'the last attempt did not finish (timeout or crash)'
   where d.id in (
     select s.id from public.metrics_alert_deliveries s
      where s.status = 'pending' and s.attempts >= s.max_attempts and s.lease_until < now()
      for update skip locked);

  return query
  with due as (
    select s.id from public.metrics_alert_deliveries s
     where s.status = 'pending' and s.next_attempt_at <= now() and s.attempts < s.max_attempts
       and (s.lease_until is null or s.lease_until < now())
     order by s.next_attempt_at, s.id
     limit p_limit
     for update skip locked
  ), claimed as (
    update public.metrics_alert_deliveries d
       set attempts = d.attempts + 1, last_attempt_at = now(),
           lease_until = now() + pg_catalog.make_interval(secs => p_lease_seconds)
      from due where d.id = due.id
    returning d.id, d.workspace_id, d.history_id, d.channel_id, d.webhook_id, d.body, d.attempts, d.max_attempts
  )
  select k.id, k.workspace_id, k.history_id, k.channel_id, k.webhook_id, k.body, k.attempts, k.max_attempts,
         c.kind, c.url, c.url_sealed, c.secret, c.secret_sealed,
         case when c.previous_secret_expires_at > now() then c.previous_secret_sealed end,
         case when c.previous_secret_expires_at > now() then c.previous_secret_expires_at end
    from claimed k join public.metrics_alert_channels c on c.id = k.channel_id;
end
$$;

-- Records one claimed attempt, only while the claim is still this attempt's (compare-and-set on
-- the attempt number): delivered is final; otherwise the row waits p_retry_in_seconds for the next
-- attempt, or, without one (null, or no attempt left), ends with this outcome. Answers the status.
create or replace function metrics_alert_delivery_record(
  p_id bigint,
  p_attempt integer,
  p_outcome text,
  p_http_status integer,
  p_error text,
  p_retry_in_seconds numeric
)
returns text
language sql
set search_path = ''
as $$
  update public.metrics_alert_deliveries d
     set status = case
           when p_outcome = 'delivered' then 'delivered'
           when p_retry_in_seconds is not null and d.attempts < d.max_attempts then 'pending'
           else p_outcome end,
         next_attempt_at = case
           when p_outcome <> 'delivered' and p_retry_in_seconds is not null and d.attempts < d.max_attempts
           then now() + pg_catalog.make_interval(secs => greatest(p_retry_in_seconds, 1)::double precision)
           else d.next_attempt_at end,
         completed_at = case
           when p_outcome = 'delivered' or p_retry_in_seconds is null or d.attempts >= d.max_attempts then now() end,
         lease_until = null,
         last_outcome = p_outcome,
         last_http_status = p_http_status,
         last_error = left(p_error, 300)
   where d.id = p_id and d.attempts = p_attempt and d.status = 'pending'
     and p_outcome in ('delivered', 'failed', 'refused')
  returning d.status
$$;

-- A new Standard Webhooks secret for a webhook channel of the workspace; the current one becomes
-- the previous (still signing until now + p_overlap_seconds, none when 0). Answers when the
-- previous one retires, or no row when the channel is not the workspace's or not a signed webhook.
create or replace function metrics_alert_channel_rotate_secret(
  p_workspace_id uuid,
  p_channel_id uuid,
  p_secret_sealed text,
  p_secret_fingerprint text,
  p_overlap_seconds integer,
  p_actor text
)
returns table (secret_fingerprint text, previous_secret_fingerprint text, previous_secret_expires_at timestamptz)
language sql
set search_path = ''
as $$
  update public.metrics_alert_channels c
     set previous_secret_sealed = case when p_overlap_seconds > 0 then c.secret_sealed end,
         previous_secret_fingerprint = case when p_overlap_seconds > 0 then c.secret_fingerprint end,
         previous_secret_expires_at = case
           when p_overlap_seconds > 0 then now() + pg_catalog.make_interval(secs => p_overlap_seconds) end,
         secret_sealed = p_secret_sealed,
         secret_fingerprint = p_secret_fingerprint,
         audit = public.metrics_alert_channel_audit_append(c.audit, pg_catalog.jsonb_build_object(
           'action', 'secret_rotated', 'at', now(), 'actor', p_actor,
           'secret_fingerprint', p_secret_fingerprint, 'replaced_fingerprint', c.secret_fingerprint,
           'previous_signs_until', case when p_overlap_seconds > 0 then now() + pg_catalog.make_interval(secs => p_overlap_seconds) end))
   where c.workspace_id = p_workspace_id and c.id = p_channel_id and c.kind = 'webhook'
     and c.secret_sealed is not null and p_secret_sealed ~ '^v1\.' and p_overlap_seconds between 0 and 7 * 86400
  returning c.secret_fingerprint, c.previous_secret_fingerprint, c.previous_secret_expires_at
$$;

-- Retires the previous secret now (before its overlap ends); answers whether one was retired.
create or replace function metrics_alert_channel_retire_previous_secret(p_workspace_id uuid, p_channel_id uuid, p_actor text)
returns boolean
language sql
set search_path = ''
as $$
  with retired as (
    update public.metrics_alert_channels c
       set audit = public.metrics_alert_channel_audit_append(c.audit, pg_catalog.jsonb_build_object(
             'action', 'previous_secret_retired', 'at', now(), 'actor', p_actor, 'secret_fingerprint', c.previous_secret_fingerprint)),
           previous_secret_sealed = null, previous_secret_fingerprint = null, previous_secret_expires_at = null
     where c.workspace_id = p_workspace_id and c.id = p_channel_id and c.previous_secret_sealed is not null
    returning 1
  )
  select exists (select 1 from retired)
$$;

-- Adds an entry (a test send) to the audit trail of the workspace's channel; answers whether it exists.
create or replace function metrics_alert_channel_note(p_workspace_id uuid, p_channel_id uuid, p_entry jsonb)
returns boolean
language sql
set search_path = ''
as $$
  with noted as (
    update public.metrics_alert_channels c
       set audit = public.metrics_alert_channel_audit_append(c.audit, p_entry || pg_catalog.jsonb_build_object('at', now()))
     where c.workspace_id = p_workspace_id and c.id = p_channel_id and jsonb_typeof(p_entry) = 'object'
    returning 1
  )
  select exists (select 1 from noted)
$$;

-- The alert job's housekeeping, now also retiring previous secrets whose overlap ended.
create or replace function metrics_alert_housekeeping()
returns void
language sql
set search_path = public, pg_temp
as $$
  delete from metrics_verification_failures where hour < now() - interval '7 days';
  delete from metrics_alert_history where created_at < now() - interval '90 days';
  update metrics_alert_channels c
     set audit = metrics_alert_channel_audit_append(c.audit, jsonb_build_object(
           'action', 'previous_secret_retired', 'at', now(), 'secret_fingerprint', c.previous_secret_fingerprint)),
         previous_secret_sealed = null, previous_secret_fingerprint = null, previous_secret_expires_at = null
   where c.previous_secret_expires_at <= now();
$$;

-- Deployment-wide delivery state for the operator's scrape (no workspace is named): per channel
-- kind, deliveries waiting for another attempt, the age of the oldest, and those given up in 24 h.
create or replace function metrics_alert_delivery_gauges()
returns table (kind text, retrying bigint, oldest_retrying_seconds double precision, given_up_24h bigint)
language sql
stable
set search_path = ''
as $$
  select k.kind,
         count(d.id) filter (where d.status = 'pending' and d.attempts > 0),
         coalesce(extract(epoch from now() - min(d.created_at) filter (where d.status = 'pending' and d.attempts > 0))::float8, 0),
         count(d.id) filter (where d.status in ('failed', 'refused') and d.completed_at > now() - interval '24 hours')
    from (values ('slack'), ('webhook')) k(kind)
    left join public.metrics_alert_channels c on c.kind = k.kind
    left join public.metrics_alert_deliveries d on d.channel_id = c.id
      and (d.status = 'pending' or d.completed_at > now() - interval '24 hours')
   group by k.kind
   order by k.kind
$$;

revoke all on metrics_alert_deliveries from public, anon, authenticated;
grant all on metrics_alert_deliveries to service_role;
revoke all on sequence metrics_alert_deliveries_id_seq from public, anon, authenticated;
grant all on sequence metrics_alert_deliveries_id_seq to service_role;
revoke all on function metrics_alert_channel_audit_append(jsonb, jsonb) from public, anon, authenticated;
revoke all on function metrics_alert_delivery_enqueue(bigint, uuid, text, text, integer) from public, anon, authenticated;
revoke all on function metrics_alert_delivery_claim(integer, integer) from public, anon, authenticated;
revoke all on function metrics_alert_delivery_record(bigint, integer, text, integer, text, numeric) from public, anon, authenticated;
revoke all on function metrics_alert_channel_rotate_secret(uuid, uuid, text, text, integer, text) from public, anon, authenticated;
revoke all on function metrics_alert_channel_note(uuid, uuid, jsonb) from public, anon, authenticated;
revoke all on function metrics_alert_channel_retire_previous_secret(uuid, uuid, text) from public, anon, authenticated;
revoke all on function metrics_alert_delivery_gauges() from public, anon, authenticated;
grant execute on function metrics_alert_channel_audit_append(jsonb, jsonb),
  metrics_alert_delivery_enqueue(bigint, uuid, text, text, integer),
  metrics_alert_delivery_claim(integer, integer),
  metrics_alert_delivery_record(bigint, integer, text, integer, text, numeric),
  metrics_alert_channel_rotate_secret(uuid, uuid, text, text, integer, text),
  metrics_alert_channel_note(uuid, uuid, jsonb),
  metrics_alert_channel_retire_previous_secret(uuid, uuid, text),
  metrics_alert_delivery_gauges() to service_role;
