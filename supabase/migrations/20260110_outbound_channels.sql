-- Alert channels that cannot be turned against the inside: their URL and webhook secret are
-- sealed by the app (AES-256-GCM, like connection secrets) and the plain columns are emptied; a
-- workspace has at most 10 channels and may create at most 20 per hour, both decided here so every
-- app instance agrees; history keeps only a coarse outcome per delivery (no HTTP status, which
-- would make the history a port scanner).

alter table metrics_alert_channels
  add column if not exists url_sealed text check (url_sealed is null or url_sealed ~ '^v1\.'),
  add column if not exists url_origin text check (url_origin is null or length(url_origin) <= 300),
  add column if not exists url_fingerprint text,
  add column if not exists secret_sealed text check (secret_sealed is null or secret_sealed ~ '^v1\.'),
  add column if not exists secret_fingerprint text;
-- Rows written before this migration keep their plain url/secret until the app seals them (on
-- the next alert run or channel creation; it needs the key, which the database never sees).
alter table metrics_alert_channels alter column url drop not null;
alter table metrics_alert_channels drop constraint if exists metrics_alert_channels_check;
alter table metrics_alert_channels
  add constraint metrics_alert_channels_url_present check (num_nonnulls(url, url_sealed) = 1),
  add constraint metrics_alert_channels_secret_by_kind check ((kind = 'webhook') = (num_nonnulls(secret, secret_sealed) = 1));

-- One row per channel created in the last hour (pruned as it goes): deleting a channel does not
-- give its creation back, so create-delete loops cannot get past the hourly limit.
create table if not exists metrics_alert_channel_creations (
  workspace_id uuid not null references workspaces(id) on delete cascade,
  created_at timestamptz not null default now()
);
create index if not exists idx_metrics_alert_channel_creations_workspace on metrics_alert_channel_creations (workspace_id, created_at);
alter table metrics_alert_channel_creations enable row level security;

-- The one way to add a channel. The workspace row lock orders concurrent creations of one
-- workspace (any instance), so the count and the insert cannot interleave.
-- DC409: the workspace has 10 channels. DC429: 20 created within the hour (DETAIL: seconds to wait).
create or replace function metrics_alert_channel_create(
  p_id uuid,
  p_workspace_id uuid,
  p_kind text,
  p_name text,
  p_url_sealed text,
  p_url_origin text,
  p_url_fingerprint text,
  p_secret_sealed text,
  p_secret_fingerprint text
)
returns uuid
language plpgsql
set search_path = public, pg_temp
as $$
declare
  max_channels constant integer := 10;
  max_per_hour constant integer := 20;
  recent integer;
  oldest timestamptz;
begin
  perform 1 from public.workspaces w where w.id = p_workspace_id for no key update;
  if not found then
    raise exception 'workspace % does not exist', p_workspace_id using errcode = 'P0002';
  end if;
  if (select count(*) from public.metrics_alert_channels c where c.workspace_id = p_workspace_id) >= max_channels then
    raise exception 'a workspace has at most % alert channels', max_channels using errcode = 'DC409';
  end if;
  delete from public.metrics_alert_channel_creations k
   where k.workspace_id = p_workspace_id and k.created_at <= now() - interval '1 hour';
  select count(*), min(k.created_at) into recent, oldest
    from public.metrics_alert_channel_creations k where k.workspace_id = p_workspace_id;
  if recent >= max_per_hour then
    raise exception 'at most % alert channels may be created per workspace and hour', max_per_hour
      using errcode = 'DC429', detail = greatest(1, ceil(extract(epoch from oldest + interval '1 hour' - now())))::text;
  end if;
  insert into public.metrics_alert_channels
    (id, workspace_id, kind, name, url, url_sealed, url_origin, url_fingerprint, secret, secret_sealed, secret_fingerprint)
  values (p_id, p_workspace_id, p_kind, p_name, null, p_url_sealed, p_url_origin, p_url_fingerprint, null, p_secret_sealed, p_secret_fingerprint);
  insert into public.metrics_alert_channel_creations (workspace_id) values (p_workspace_id);
  return p_id;
end
$$;

-- Seals a channel written before this migration, once: only while its plain URL is still the one
-- the app read (two instances sealing at once both succeed harmlessly or the second changes nothing).
create or replace function metrics_alert_channel_seal(
  p_id uuid,
  p_plain_url text,
  p_url_sealed text,
  p_url_origin text,
  p_url_fingerprint text,
  p_secret_sealed text,
  p_secret_fingerprint text
)
returns boolean
language sql
set search_path = public, pg_temp
as $$
  with sealed as (
    update public.metrics_alert_channels c
       set url = null, url_sealed = p_url_sealed, url_origin = p_url_origin, url_fingerprint = p_url_fingerprint,
           secret = null, secret_sealed = p_secret_sealed, secret_fingerprint = p_secret_fingerprint
     where c.id = p_id and c.url = p_plain_url
    returning 1
  )
  select exists (select 1 from sealed)
$$;

-- Plain inserts are gone: every channel goes through the limits above.
drop function if exists metrics_alert_channel_add(uuid, text, text, text, text);

-- History written before: keep ok, replace the HTTP status with the coarse outcome.
update metrics_alert_history h
   set deliveries = (
     select coalesce(jsonb_agg((d - 'status') || jsonb_build_object(
              'outcome', case when d ->> 'ok' = 'true' then 'delivered' else 'failed' end)), '[]'::jsonb)
       from jsonb_array_elements(h.deliveries) d)
 where jsonb_typeof(h.deliveries) = 'array';

revoke all on metrics_alert_channel_creations from public, anon, authenticated;
grant all on metrics_alert_channel_creations to service_role;
revoke all on function metrics_alert_channel_create(uuid, uuid, text, text, text, text, text, text, text) from public, anon, authenticated;
revoke all on function metrics_alert_channel_seal(uuid, text, text, text, text, text, text) from public, anon, authenticated;
grant execute on function metrics_alert_channel_create(uuid, uuid, text, text, text, text, text, text, text),
  metrics_alert_channel_seal(uuid, text, text, text, text, text, text) to service_role;
