-- Alerts: per-workspace rules and notification channels, one state row per (workspace, rule,
-- subject) whose transitions decide when a notification goes out, their history, and the hourly
-- count of deliveries that failed signature verification (per-process counters are invisible to
-- the scheduled evaluator). Only the service reads and writes these tables: channel rows hold
-- secrets, so the client roles get nothing (see 20251219_least_privilege.sql).

-- Deliveries addressed to a workspace whose signature did not verify, per provider and hour.
-- Bounded: one row per workspace, provider and hour, and the alert job deletes rows past 7 days.
create table if not exists metrics_verification_failures (
  workspace_id uuid not null references workspaces(id) on delete cascade,
  provider text not null,
  hour timestamptz not null,
  failures integer not null default 0,
  primary key (workspace_id, provider, hour)
);

-- Counts one failure in the current hour; a workspace that does not exist adds nothing (a
-- stranger posting random ids must not create rows).
create or replace function metrics_record_verification_failure(p_workspace_id uuid, p_provider text)
returns void
language sql
set search_path = public, pg_temp
as $$
  insert into metrics_verification_failures as f (workspace_id, provider, hour, failures)
  select w.id, p_provider, date_trunc('hour', now()), 1 from workspaces w where w.id = p_workspace_id
  on conflict (workspace_id, provider, hour) do update set failures = f.failures + 1
$$;

-- When each provider last delivered to each workspace, for the silent-provider alert (the ledger
-- has no index that answers this without scanning every row of the pair). Written by the webhook
-- route at most once a minute per workspace and provider per process.
create table if not exists metrics_ingest_activity (
  workspace_id uuid not null references workspaces(id) on delete cascade,
  provider text not null,
  last_received_at timestamptz not null,
  primary key (workspace_id, provider)
);

insert into metrics_ingest_activity (workspace_id, provider, last_received_at)
select workspace_id, provider, max(received_at) from metrics_webhook_events group by workspace_id, provider
on conflict (workspace_id, provider) do nothing;

create or replace function metrics_note_ingest_activity(p_workspace_id uuid, p_provider text)
returns void
language sql
set search_path = public, pg_temp
as $$
  insert into metrics_ingest_activity as a (workspace_id, provider, last_received_at)
  values (p_workspace_id, p_provider, now())
  on conflict (workspace_id, provider) do update set last_received_at = greatest(a.last_received_at, excluded.last_received_at)
$$;

-- Where notifications go. url is validated by the API (http or https only); secret is the
-- Standard Webhooks `whsec_` key of a generic webhook channel (null for Slack-style channels).
create table if not exists metrics_alert_channels (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces(id) on delete cascade,
  kind text not null check (kind in ('slack', 'webhook')),
  name text not null check (length(name) between 1 and 100),
  url text not null check (url ~ '^https?://' and length(url) <= 2048),
  secret text check (secret is null or secret ~ '^whsec_'),
  created_at timestamptz not null default now(),
  check ((kind = 'webhook') = (secret is not null))
);
create index if not exists idx_metrics_alert_channels_workspace on metrics_alert_channels (workspace_id);

-- A workspace's settings per rule; a rule without a row runs with the documented defaults.
create table if not exists metrics_alert_rules (
  workspace_id uuid not null references workspaces(id) on delete cascade,
  rule text not null check (rule in ('attribution_low', 'provider_silent', 'verification_failures', 'backfill_failed')),
  enabled boolean not null default true,
  threshold numeric check (threshold is null or threshold > 0),
  updated_at timestamptz not null default now(),
  primary key (workspace_id, rule)
);

-- The current state of each condition; a notification is sent only when a row changes state.
create table if not exists metrics_alert_states (
  workspace_id uuid not null references workspaces(id) on delete cascade,
  rule text not null,
  subject text not null,
  state text not null check (state in ('firing', 'resolved')),
  summary text not null,
  changed_at timestamptz not null default now(),
  primary key (workspace_id, rule, subject)
);

create table if not exists metrics_alert_history (
  id bigint generated always as identity primary key,
  workspace_id uuid not null references workspaces(id) on delete cascade,
  rule text not null,
  subject text not null,
  state text not null check (state in ('firing', 'resolved')),
  summary text not null,
  created_at timestamptz not null default now(),
  -- [{channel_id, kind, ok, status}] once the notifications have been attempted.
  deliveries jsonb
);
create index if not exists idx_metrics_alert_history_workspace on metrics_alert_history (workspace_id, created_at desc);

alter table metrics_verification_failures enable row level security;
alter table metrics_ingest_activity enable row level security;
alter table metrics_alert_channels enable row level security;
alter table metrics_alert_rules enable row level security;
alter table metrics_alert_states enable row level security;
alter table metrics_alert_history enable row level security;

-- The transition, in one statement per case: 'firing' inserts or flips a resolved row, 'resolved'
-- flips a firing row. A row comes back only when the state changed, so of any number of
-- evaluators that see the same condition at once exactly one gets it (the others wait for its
-- row lock, then find the state already set) and only that one notifies.
create or replace function metrics_alert_transition(
  p_workspace_id uuid,
  p_rule text,
  p_subject text,
  p_state text,
  p_summary text
)
returns table (history_id bigint, workspace_id uuid, rule text, subject text, state text, summary text, changed_at timestamptz)
language plpgsql
set search_path = public, pg_temp
as $$
#variable_conflict use_column
declare
  changed metrics_alert_states%rowtype;
begin
  if p_state = 'firing' then
    insert into metrics_alert_states as s (workspace_id, rule, subject, state, summary)
    values (p_workspace_id, p_rule, p_subject, 'firing', p_summary)
    on conflict on constraint metrics_alert_states_pkey do update
       set state = 'firing', summary = excluded.summary, changed_at = now()
     where s.state <> 'firing'
    returning s.* into changed;
  elsif p_state = 'resolved' then
    update metrics_alert_states s
       set state = 'resolved', summary = p_summary, changed_at = now()
     where s.workspace_id = p_workspace_id and s.rule = p_rule and s.subject = p_subject and s.state = 'firing'
    returning s.* into changed;
  else
    raise exception 'unknown alert state %', p_state using errcode = '22023';
  end if;
  if changed.workspace_id is null then
    return;
  end if;
  return query
    insert into metrics_alert_history as h (workspace_id, rule, subject, state, summary)
    values (changed.workspace_id, changed.rule, changed.subject, changed.state, changed.summary)
    returning h.id, h.workspace_id, h.rule, h.subject, h.state, h.summary, h.created_at;
end
$$;

-- Writes of the configuration API (admin or above, checked by the API against Postgres).
create or replace function metrics_alert_channel_add(
  p_workspace_id uuid, p_kind text, p_name text, p_url text, p_secret text
)
returns uuid
language sql
set search_path = public, pg_temp
as $$
  insert into metrics_alert_channels (workspace_id, kind, name, url, secret)
  values (p_workspace_id, p_kind, p_name, p_url, p_secret)
  returning id
$$;

create or replace function metrics_alert_channel_delete(p_workspace_id uuid, p_channel_id uuid)
returns boolean
language sql
set search_path = public, pg_temp
as $$
  with deleted as (
    delete from metrics_alert_channels where workspace_id = p_workspace_id and id = p_channel_id returning 1
  )
  select exists (select 1 from deleted)
$$;

create or replace function metrics_alert_rule_set(p_workspace_id uuid, p_rule text, p_enabled boolean, p_threshold numeric)
returns void
language sql
set search_path = public, pg_temp
as $$
  insert into metrics_alert_rules as r (workspace_id, rule, enabled, threshold)
  values (p_workspace_id, p_rule, p_enabled, p_threshold)
  on conflict (workspace_id, rule) do update
     set enabled = excluded.enabled, threshold = excluded.threshold, updated_at = now()
$$;

-- Records what the notifications of one transition did (for the history panel).
create or replace function metrics_alert_history_deliveries(p_history_id bigint, p_deliveries jsonb)
returns void
language sql
set search_path = public, pg_temp
as $$
  update metrics_alert_history set deliveries = p_deliveries where id = p_history_id
$$;

-- Keeps the failure counter and the history bounded (called by the alert job).
create or replace function metrics_alert_housekeeping()
returns void
language sql
set search_path = public, pg_temp
as $$
  delete from metrics_verification_failures where hour < now() - interval '7 days';
  delete from metrics_alert_history where created_at < now() - interval '90 days';
$$;

-- No client role may read or run any of it (channel secrets); the service does everything.
revoke all on metrics_verification_failures, metrics_ingest_activity, metrics_alert_channels, metrics_alert_rules,
  metrics_alert_states, metrics_alert_history from public, anon, authenticated;
grant all on metrics_verification_failures, metrics_ingest_activity, metrics_alert_channels, metrics_alert_rules,
  metrics_alert_states, metrics_alert_history to service_role;
revoke all on sequence metrics_alert_history_id_seq from public, anon, authenticated;
grant all on sequence metrics_alert_history_id_seq to service_role;
revoke all on function metrics_record_verification_failure(uuid, text) from public, anon, authenticated;
revoke all on function metrics_note_ingest_activity(uuid, text) from public, anon, authenticated;
revoke all on function metrics_alert_transition(uuid, text, text, text, text) from public, anon, authenticated;
revoke all on function metrics_alert_channel_add(uuid, text, text, text, text) from public, anon, authenticated;
revoke all on function metrics_alert_channel_delete(uuid, uuid) from public, anon, authenticated;
revoke all on function metrics_alert_rule_set(uuid, text, boolean, numeric) from public, anon, authenticated;
revoke all on function metrics_alert_history_deliveries(bigint, jsonb) from public, anon, authenticated;
revoke all on function metrics_alert_housekeeping() from public, anon, authenticated;
grant execute on function metrics_record_verification_failure(uuid, text), metrics_note_ingest_activity(uuid, text), metrics_alert_transition(uuid, text, text, text, text),
  metrics_alert_channel_add(uuid, text, text, text, text), metrics_alert_channel_delete(uuid, uuid),
  metrics_alert_rule_set(uuid, text, boolean, numeric), metrics_alert_history_deliveries(bigint, jsonb),
  metrics_alert_housekeeping() to service_role;
