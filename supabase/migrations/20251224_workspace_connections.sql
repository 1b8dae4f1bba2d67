-- Workspaces for real: provider connections per workspace, members managed by their admins, and
-- roles checked by the database. Every write is a function run by the service on behalf of an
-- actor (the signed-in user); each function checks the actor's role itself, so a bug in a route
-- cannot skip the check. Clients only read, under RLS.

-- 1. Provider connections: the verification material of one provider account of one workspace.
create table if not exists metrics_provider_connections (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces(id) on delete cascade,
  provider text not null check (provider in ('sendgrid', 'resend', 'facebook', 'instagram', 'linkedin')),
  -- Meta page id, Instagram account id or LinkedIn organization URN: what routes their events.
  external_account_id text check (length(external_account_id) between 1 and 256),
  -- The unguessable part of the connection's own webhook URL (SendGrid, Resend).
  webhook_token text unique check (length(webhook_token) >= 32),
  -- Encrypted (AES-256-GCM, "v1.<key id>.<iv>.<tag>.<ciphertext>"), never plaintext. During a
  -- rotation the previous secret stays valid until previous_secret_expires_at.
  secret_ciphertext text,
  secret_fingerprint text,
  previous_secret_ciphertext text,
  previous_secret_expires_at timestamptz,
  api_key_ciphertext text,
  api_key_fingerprint text,
  status text not null default 'active' check (status in ('active', 'disabled')),
  created_by uuid,
  created_at timestamptz not null default now(),
  rotated_at timestamptz,
  last_delivery_at timestamptz,
  last_failure_at timestamptz,
  last_failure_reason text check (length(last_failure_reason) <= 200)
);

-- An account belongs to one workspace: a second workspace cannot claim it.
create unique index if not exists idx_metrics_connections_account
  on metrics_provider_connections (provider, external_account_id) where external_account_id is not null;
create index if not exists idx_metrics_connections_workspace on metrics_provider_connections (workspace_id);

-- Deliveries for accounts no workspace owns: acknowledged, not stored, counted here.
create table if not exists metrics_unrouted_events (
  provider text not null,
  external_account_id text not null,
  events bigint not null default 0,
  first_seen_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  primary key (provider, external_account_id)
);

-- 2. Reads: members see their co-members; only admins and owners see connections (even then the
-- secrets are ciphertext, and the API never returns them).
alter table metrics_provider_connections enable row level security;
alter table metrics_unrouted_events enable row level security;

drop policy if exists "workspace_members_self" on workspace_members;
create policy "workspace_members_self" on workspace_members
  for select to authenticated
  using (user_id = (select current_user_id()) or workspace_id = (select get_current_workspace_id()));

drop policy if exists "metrics_provider_connections_admin_read" on metrics_provider_connections;
create policy "metrics_provider_connections_admin_read" on metrics_provider_connections
  for select to authenticated
  using (workspace_id = (select get_current_workspace_id())
         and (select get_current_workspace_role()) in ('admin', 'owner'));

-- 3. The actor's role, for the write functions below (NULL when not a member).
create or replace function metrics_actor_role(p_workspace_id uuid, p_actor uuid)
returns text
language sql
stable
set search_path = public, pg_temp
as $$
  select m.role from workspace_members m where m.workspace_id = p_workspace_id and m.user_id = p_actor
$$;

create or replace function metrics_require_role(p_workspace_id uuid, p_actor uuid, p_minimum text)
returns text
language plpgsql
stable
set search_path = public, pg_temp
as $$
declare
  v_role text := metrics_actor_role(p_workspace_id, p_actor);
  v_rank int := array_position(array['viewer', 'member', 'admin', 'owner'], v_role);
begin
  if v_role is null then
    raise exception 'not a member of workspace %', p_workspace_id using errcode = '42501';
  end if;
  if v_rank < array_position(array['viewer', 'member', 'admin', 'owner'], p_minimum) then
    raise exception 'this needs the % role or above', p_minimum using errcode = '42501', detail = v_role;
  end if;
  return v_role;
end
$$;

-- 4. Workspaces and members.
create or replace function metrics_workspace_create(p_actor uuid, p_name text)
returns uuid
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_id uuid;
begin
  if p_actor is null then
    raise exception 'an owner is required' using errcode = '22023';
  end if;
  insert into workspaces (name) values (p_name) returning id into v_id;
  insert into workspace_members (workspace_id, user_id, role) values (v_id, p_actor, 'owner');
  return v_id;
end
$$;

-- Adds a member or changes a role. Admins manage viewers, members and admins; only an owner may
-- grant or take away ownership. The last owner cannot be demoted.
create or replace function metrics_member_set_role(p_actor uuid, p_workspace_id uuid, p_user_id uuid, p_role text)
returns text
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_actor_role text := metrics_require_role(p_workspace_id, p_actor, 'admin');
  v_current text := metrics_actor_role(p_workspace_id, p_user_id);
begin
  if p_role not in ('owner', 'admin', 'member', 'viewer') then
    raise exception 'unknown role %', p_role using errcode = '22023';
  end if;
  if (p_role = 'owner' or v_current = 'owner') and v_actor_role <> 'owner' then
    raise exception 'only an owner may grant or change ownership' using errcode = '42501', detail = v_actor_role;
  end if;
  -- The write itself, and the at-least-one-owner rule, are the operator path's.
  return metrics_operator_set_member(p_workspace_id, p_user_id, p_role);
end
$$;

create or replace function metrics_member_remove(p_actor uuid, p_workspace_id uuid, p_user_id uuid)
returns boolean
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_actor_role text;
  v_current text := metrics_actor_role(p_workspace_id, p_user_id);
begin
  -- Anyone may leave; removing someone else takes an admin (an owner for an owner).
  if p_actor is distinct from p_user_id then
    v_actor_role := metrics_require_role(p_workspace_id, p_actor, 'admin');
    if v_current = 'owner' and v_actor_role <> 'owner' then
      raise exception 'only an owner may remove an owner' using errcode = '42501', detail = v_actor_role;
    end if;
  end if;
  if v_current is null then
    return false;
  end if;
  perform 1 from workspace_members m where m.workspace_id = p_workspace_id and m.role = 'owner' for update;
  if v_current = 'owner'
     and (select count(*) from workspace_members m where m.workspace_id = p_workspace_id and m.role = 'owner') <= 1 then
    raise exception 'a workspace keeps at least one owner' using errcode = '23514';
  end if;
  delete from workspace_members m where m.workspace_id = p_workspace_id and m.user_id = p_user_id;
  return true;
end
$$;

-- Sets a member's role, keeping at least one owner: the write behind metrics_member_set_role (after
-- its actor checks), and the operator's own path (npm run member:add on a self-hosted deployment,
-- no acting user).
create or replace function metrics_operator_set_member(p_workspace_id uuid, p_user_id uuid, p_role text)
returns text
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_current text := metrics_actor_role(p_workspace_id, p_user_id);
begin
  if p_role not in ('owner', 'admin', 'member', 'viewer') then
    raise exception 'unknown role %', p_role using errcode = '22023';
  end if;
  perform 1 from workspace_members m where m.workspace_id = p_workspace_id and m.role = 'owner' for update;
  if v_current = 'owner' and p_role <> 'owner'
     and (select count(*) from workspace_members m where m.workspace_id = p_workspace_id and m.role = 'owner') <= 1 then
    raise exception 'a workspace keeps at least one owner' using errcode = '23514';
  end if;
  insert into workspace_members (workspace_id, user_id, role) values (p_workspace_id, p_user_id, p_role)
  on conflict (workspace_id, user_id) do update set role = excluded.role;
  return p_role;
end
$$;

-- 5. Connections (admin or owner). Ciphertexts come encrypted from the app, which holds the key.
create or replace function metrics_connection_create(
  p_actor uuid,
  p_workspace_id uuid,
  p_provider text,
  p_external_account_id text,
  p_webhook_token text,
  p_secret_ciphertext text,
  p_secret_fingerprint text,
  p_api_key_ciphertext text,
  p_api_key_fingerprint text
)
returns uuid
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_id uuid;
begin
  perform metrics_require_role(p_workspace_id, p_actor, 'admin');
  insert into metrics_provider_connections (
    workspace_id, provider, external_account_id, webhook_token, secret_ciphertext, secret_fingerprint,
    api_key_ciphertext, api_key_fingerprint, created_by)
  values (p_workspace_id, p_provider, p_external_account_id, p_webhook_token, p_secret_ciphertext, p_secret_fingerprint,
          p_api_key_ciphertext, p_api_key_fingerprint, p_actor)
  returning id into v_id;
  return v_id;
end
$$;

-- The new secret verifies at once; the old one keeps verifying for p_overlap (providers switch
-- over at their own pace), then is dropped.
create or replace function metrics_connection_rotate(
  p_actor uuid,
  p_workspace_id uuid,
  p_connection_id uuid,
  p_secret_ciphertext text,
  p_secret_fingerprint text,
  p_overlap interval
)
returns boolean
language plpgsql
set search_path = public, pg_temp
as $$
begin
  perform metrics_require_role(p_workspace_id, p_actor, 'admin');
  update metrics_provider_connections c
     set previous_secret_ciphertext = c.secret_ciphertext,
         previous_secret_expires_at = now() + p_overlap,
         secret_ciphertext = p_secret_ciphertext,
         secret_fingerprint = p_secret_fingerprint,
         rotated_at = now()
   where c.id = p_connection_id and c.workspace_id = p_workspace_id;
  return found;
end
$$;

create or replace function metrics_connection_delete(p_actor uuid, p_workspace_id uuid, p_connection_id uuid)
returns boolean
language plpgsql
set search_path = public, pg_temp
as $$
begin
  perform metrics_require_role(p_workspace_id, p_actor, 'admin');
  delete from metrics_provider_connections c where c.id = p_connection_id and c.workspace_id = p_workspace_id;
  return found;
end
$$;

-- Delivery bookkeeping, written at most once a minute per connection so the hot path stays cheap.
create or replace function metrics_connection_record(p_connection_id uuid, p_failure_reason text)
returns void
language plpgsql
set search_path = public, pg_temp
as $$
begin
  if p_failure_reason is null then
    update metrics_provider_connections c set last_delivery_at = now()
     where c.id = p_connection_id and (c.last_delivery_at is null or c.last_delivery_at < now() - interval '1 minute');
  else
    update metrics_provider_connections c set last_failure_at = now(), last_failure_reason = left(p_failure_reason, 200)
     where c.id = p_connection_id and (c.last_failure_at is null or c.last_failure_at < now() - interval '1 minute'
                                       or c.last_failure_reason is distinct from left(p_failure_reason, 200));
  end if;
end
$$;

create or replace function metrics_count_unrouted(p_provider text, p_accounts text[], p_counts int[])
returns void
language plpgsql
set search_path = public, pg_temp
as $$
begin
  insert into metrics_unrouted_events as u (provider, external_account_id, events)
  select p_provider, left(a.account, 256), a.n
  from unnest(p_accounts, p_counts) as a(account, n)
  order by 2
  on conflict (provider, external_account_id) do update
     set events = u.events + excluded.events, last_seen_at = now();
end
$$;

-- Client roles read only what the policies allow; every function is the service's.
do $$
declare
  fn record;
begin
  for fn in
    select p.oid::regprocedure as signature from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'public' and p.proname like 'metrics\_%'
  loop
    execute format('revoke all on function %s from public, anon, authenticated', fn.signature);
    execute format('grant execute on function %s to service_role', fn.signature);
  end loop;
end
$$;
revoke all on metrics_provider_connections, metrics_unrouted_events from public, anon, authenticated;
grant select on metrics_provider_connections to authenticated;
grant all on metrics_provider_connections, metrics_unrouted_events to service_role;
