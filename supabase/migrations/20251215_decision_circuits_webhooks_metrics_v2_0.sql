-- Decision Circuits v2.0.0: metrics ingestion engine schema (release notes, with the corrections
-- in docs/architecture.md: NULLS NOT DISTINCT rollup key, rates that cannot overflow, security-invoker views).

-- 1. Raw webhook ledger. One row per provider event, ever: the unique key is what makes a
-- retried delivery change nothing.
create table if not exists metrics_webhook_events (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces(id),
  provider text not null check (provider in ('sendgrid', 'resend', 'facebook', 'instagram', 'linkedin')),
  provider_event_id text not null,
  -- Normalised kind (email_delivered, social_like, provider_only, ...).
  event_type text not null,
  raw_payload jsonb not null,
  signature_verified boolean not null default false,
  occurred_at timestamptz not null,
  received_at timestamptz not null default now(),
  processed boolean not null default false,
  processed_at timestamptz,
  reprocessing_count int not null default 0,
  created_at timestamptz not null default now(),
  -- Additions: what attribution and exactly-once application need.
  provider_event_type text,
  provider_object_id text,
  channel text check (channel in ('email', 'social')),
  quantity int not null default 1,
  recipient_hash text,
  -- Set once, in the same transaction that adds this event to a rollup; never cleared.
  applied_at timestamptz,
  unique (workspace_id, provider, provider_event_id)
);

create index if not exists idx_metrics_webhook_events_workspace on metrics_webhook_events (workspace_id);
create index if not exists idx_metrics_webhook_events_provider on metrics_webhook_events (provider, provider_event_id);
create index if not exists idx_metrics_webhook_events_occurred_at on metrics_webhook_events (occurred_at desc);
create index if not exists idx_metrics_webhook_events_processed on metrics_webhook_events (processed);
-- Events of one provider object (what a new mapping unlocks, what a backfill tops up). Every
-- ledger index costs each insert, so this one partial index serves both.
create index if not exists idx_metrics_webhook_events_object
  on metrics_webhook_events (workspace_id, provider, provider_object_id)
  where provider_object_id is not null and event_type <> 'provider_only';

-- 2. Provider object → circuit context.
create table if not exists metrics_attribution_map (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces(id),
  provider text not null check (provider in ('sendgrid', 'resend', 'facebook', 'instagram', 'linkedin')),
  provider_object_id text not null,
  circuit_execution_id text not null,
  ab_test_id uuid,
  variant_id uuid,
  channel text not null check (channel in ('email', 'social')),
  platform text,
  recipient_hash text,
  recipient_identifier text,
  status text not null default 'mapped' check (status in ('mapped', 'unmapped', 'orphaned')),
  mapped_at timestamptz default now(),
  created_at timestamptz not null default now(),
  unique (workspace_id, provider, provider_object_id)
);

create index if not exists idx_metrics_attribution_workspace on metrics_attribution_map (workspace_id);
create index if not exists idx_metrics_attribution_provider_object on metrics_attribution_map (workspace_id, provider, provider_object_id);
create index if not exists idx_metrics_attribution_circuit on metrics_attribution_map (circuit_execution_id);
create index if not exists idx_metrics_attribution_test on metrics_attribution_map (ab_test_id, variant_id);
create index if not exists idx_metrics_attribution_unmapped on metrics_attribution_map (created_at) where status = 'unmapped';

-- 3. Hourly rollups. Rates are generated from the counters in the same row, so concurrent
-- increments can never leave a stale rate; numeric(30,2) holds any ratio the counters reach
-- (repeat opens exceed deliveries; the notes' numeric(5,2) overflowed at 1000 %). Counters are
-- bigint: snapshot metrics (story impressions) can pass 2^31 in one hour bucket.
create table if not exists metrics_rollups (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces(id),
  circuit_execution_id text not null,
  ab_test_id uuid,
  variant_id uuid,
  channel text not null check (channel in ('email', 'social')),
  time_bucket timestamptz not null,

  email_sent bigint not null default 0,
  email_delivered bigint not null default 0,
  email_bounced bigint not null default 0,
  email_complained bigint not null default 0,
  email_unsubscribed bigint not null default 0,
  email_opened bigint not null default 0,
  email_clicked bigint not null default 0,

  social_impressions bigint not null default 0,
  social_likes bigint not null default 0,
  social_comments bigint not null default 0,
  social_shares bigint not null default 0,
  social_clicks bigint not null default 0,

  delivery_rate numeric(30,2) generated always as (
    case when email_sent <> 0 then round(100.0 * email_delivered / email_sent, 2) else 0 end) stored,
  bounce_rate numeric(30,2) generated always as (
    case when email_sent <> 0 then round(100.0 * email_bounced / email_sent, 2) else 0 end) stored,
  open_rate numeric(30,2) generated always as (
    case when email_delivered <> 0 then round(100.0 * email_opened / email_delivered, 2) else 0 end) stored,
  click_rate numeric(30,2) generated always as (
    case when email_delivered <> 0 then round(100.0 * email_clicked / email_delivered, 2) else 0 end) stored,
  engagement_rate numeric(30,2) generated always as (
    case when email_delivered <> 0
      then round(100.0 * (email_opened + email_clicked) / email_delivered, 2) else 0 end) stored,
  social_engagement_rate numeric(30,2) generated always as (
    case when social_impressions <> 0
      then round(100.0 * (social_likes + social_comments + social_shares + social_clicks) / social_impressions, 2)
      else 0 end) stored,

  updated_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  -- ab_test_id / variant_id may be NULL: a plain UNIQUE would never conflict and rows would duplicate.
  constraint metrics_rollups_key unique nulls not distinct
    (workspace_id, circuit_execution_id, ab_test_id, variant_id, channel, time_bucket)
);

create index if not exists idx_metrics_rollups_workspace on metrics_rollups (workspace_id);
create index if not exists idx_metrics_rollups_circuit on metrics_rollups (circuit_execution_id);
create index if not exists idx_metrics_rollups_test_variant on metrics_rollups (ab_test_id, variant_id);
create index if not exists idx_metrics_rollups_time_bucket on metrics_rollups (time_bucket desc);
-- What the read API actually filters on: a workspace, optionally a test/variant, newest first.
create index if not exists idx_metrics_rollups_workspace_time on metrics_rollups (workspace_id, time_bucket desc);
create index if not exists idx_metrics_rollups_workspace_test_variant_time
  on metrics_rollups (workspace_id, ab_test_id, variant_id, time_bucket desc);

-- 4. Backfill jobs (a queue in Postgres: claimed with FOR UPDATE SKIP LOCKED).
create table if not exists metrics_backfill_jobs (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces(id),
  provider text not null check (provider in ('sendgrid', 'resend', 'facebook', 'instagram', 'linkedin')),
  channel text not null check (channel in ('email', 'social')),
  date_start date not null,
  date_end date not null,
  status text not null default 'pending' check (status in ('pending', 'processing', 'completed', 'failed')),
  events_fetched int not null default 0,
  events_ingested int not null default 0,
  error_message text,
  started_at timestamptz,
  completed_at timestamptz,
  created_at timestamptz not null default now(),
  -- Additions: resumable progress and crash recovery.
  checkpoint jsonb,
  attempts int not null default 0,
  heartbeat_at timestamptz,
  updated_at timestamptz not null default now(),
  check (date_start < date_end)
);

create index if not exists idx_metrics_backfill_workspace on metrics_backfill_jobs (workspace_id);
create index if not exists idx_metrics_backfill_status on metrics_backfill_jobs (status);

-- These tables grow from empty in bursts (a campaign, a backfill). With the default 10 % analyze
-- threshold the planner keeps "tiny table" statistics long enough to pick sequential scans on
-- the ingest path; refreshing them sooner keeps the per-event plans on indexes.
alter table metrics_webhook_events set (autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_scale_factor = 0.05);
alter table metrics_attribution_map set (autovacuum_analyze_scale_factor = 0.02);
alter table metrics_rollups set (autovacuum_analyze_scale_factor = 0.02);

-- Views run with the caller's rights (security_invoker), or they would bypass RLS.
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
  engagement_rate
from metrics_rollups
order by workspace_id, ab_test_id, variant_id, channel, time_bucket desc;

create or replace view metrics_attribution_health with (security_invoker = true) as
select
  workspace_id,
  provider,
  count(*) as total_mappings,
  sum(case when status = 'mapped' then 1 else 0 end) as mapped_count,
  sum(case when status = 'unmapped' then 1 else 0 end) as unmapped_count,
  sum(case when status = 'orphaned' then 1 else 0 end) as orphaned_count,
  round(100.0 * sum(case when status = 'mapped' then 1 else 0 end) / nullif(count(*), 0), 2) as mapped_percentage
from metrics_attribution_map
group by workspace_id, provider;

-- Tenant isolation: the same policy on all four tables.
alter table metrics_webhook_events enable row level security;
alter table metrics_attribution_map enable row level security;
alter table metrics_rollups enable row level security;
alter table metrics_backfill_jobs enable row level security;

drop policy if exists "metrics_webhook_events_tenant_isolation" on metrics_webhook_events;
create policy "metrics_webhook_events_tenant_isolation" on metrics_webhook_events
  for all using (workspace_id = (select get_current_workspace_id()));

drop policy if exists "metrics_attribution_map_tenant_isolation" on metrics_attribution_map;
create policy "metrics_attribution_map_tenant_isolation" on metrics_attribution_map
  for all using (workspace_id = (select get_current_workspace_id()));

drop policy if exists "metrics_rollups_tenant_isolation" on metrics_rollups;
create policy "metrics_rollups_tenant_isolation" on metrics_rollups
  for all using (workspace_id = (select get_current_workspace_id()));

drop policy if exists "metrics_backfill_jobs_tenant_isolation" on metrics_backfill_jobs;
create policy "metrics_backfill_jobs_tenant_isolation" on metrics_backfill_jobs
  for all using (workspace_id = (select get_current_workspace_id()));

grant select on metrics_webhook_events, metrics_attribution_map, metrics_rollups, metrics_backfill_jobs
  to authenticated;
grant insert on metrics_backfill_jobs to authenticated;
grant select on metrics_rollup_latest, metrics_attribution_health to authenticated;
grant all on metrics_webhook_events, metrics_attribution_map, metrics_rollups, metrics_backfill_jobs,
  metrics_rollup_latest, metrics_attribution_health to service_role;
