-- Workspace API keys for programs (CX07's attribution registration, CX09's reads, scripts), and
-- a readiness check the documented app role can run.
--
-- A key is `dck_<key id>_<secret>`; only SHA-256 of the secret is stored (hex). A request made
-- with a key runs as `authenticated`, like a user's, with no user id and the key's id and secret
-- hash in two settings: get_current_workspace_id() answers the key's workspace only if the hash
-- matches a key of that workspace that is neither revoked nor expired. So row-level security, not
-- application code, bounds a key to its workspace, and naming a key id without its secret opens
-- nothing. Keys have no member role (get_current_workspace_role() stays NULL): the policies
-- reserved to admins and owners stay closed to them, and the app checks each route's scope.

-- 1. The keys. No role reads the hashes but the service; admins and owners read the rest.
create table if not exists metrics_api_keys (
  id uuid primary key,
  workspace_id uuid not null references workspaces(id) on delete cascade,
  name text not null check (length(name) between 1 and 100),
  scopes text[] not null check (cardinality(scopes) between 1 and 2 and scopes <@ array['read', 'attribution:write']::text[]),
  secret_hash text not null check (secret_hash ~ '^[0-9a-f]{64}$'),
  created_by uuid,
  created_at timestamptz not null default now(),
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz
);

create index if not exists idx_metrics_api_keys_workspace on metrics_api_keys (workspace_id, created_at desc);

alter table metrics_api_keys enable row level security;

drop policy if exists "metrics_api_keys_admin_read" on metrics_api_keys;
create policy "metrics_api_keys_admin_read" on metrics_api_keys
  for select to authenticated
  using (workspace_id = (select get_current_workspace_id())
         and (select get_current_workspace_role()) in ('admin', 'owner'));

revoke all on metrics_api_keys from public, anon, authenticated;
-- Column privileges: even an admin's session (or PostgREST as `authenticated`) cannot select the hash.
grant select (id, workspace_id, name, scopes, created_by, created_at, expires_at, last_used_at, revoked_at)
  on metrics_api_keys to authenticated;
grant all on metrics_api_keys to service_role;

-- 2. The workspace a request acts in, now also for a key (see the top of this file). A user's
-- branch is unchanged: the requested workspace, if the caller is a member of it.
create or replace function get_current_workspace_id()
returns uuid
language plpgsql
stable
security definer
set search_path = public, pg_temp
as $$
declare
  claims jsonb := current_request_claims();
  requested text := coalesce(
    nullif(current_setting('request.workspace_id', true), ''),
    claims ->> 'workspace_id',
    claims #>> '{app_metadata,workspace_id}'
  );
  uid uuid := current_user_id();
  key_id text := nullif(current_setting('request.api_key_id', true), '');
  found_id uuid;
begin
  if requested is null or requested !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    return null;
  end if;
  if uid is not null then
    select m.workspace_id into found_id
    from public.workspace_members m
    where m.workspace_id = requested::uuid and m.user_id = uid;
    return found_id;
  end if;
  if key_id is null or key_id !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    return null;
  end if;
  select k.workspace_id into found_id
  from public.metrics_api_keys k
  where k.id = key_id::uuid
    and k.workspace_id = requested::uuid
    and k.secret_hash = current_setting('request.api_key_hash', true)
    and k.revoked_at is null
    and (k.expires_at is null or k.expires_at > now());
  return found_id;
end
$$;

-- 3. Creating and revoking, for the service after the app has checked the caller's role; the
-- role is checked here again (metrics_require_role), and the number of live keys is bounded.
create or replace function metrics_api_key_create(
  p_actor uuid,
  p_workspace_id uuid,
  p_key_id uuid,
  p_name text,
  p_scopes text[],
  p_secret_hash text,
  p_expires_at timestamptz,
  p_max_keys integer
)
returns setof metrics_api_keys
language plpgsql
set search_path = public, pg_temp
as $$
begin
  perform public.metrics_require_role(p_workspace_id, p_actor, 'admin');
  -- Serialises concurrent creations in one workspace so the bound holds.
  perform 1 from public.workspaces w where w.id = p_workspace_id for update;
  if (select count(*) from public.metrics_api_keys k
      where k.workspace_id = p_workspace_id and k.revoked_at is null
        and (k.expires_at is null or k.expires_at > now())) >= p_max_keys then
    raise exception 'this workspace already has % live API keys', p_max_keys using errcode = '53400';
  end if;
  return query
  insert into public.metrics_api_keys (id, workspace_id, name, scopes, secret_hash, created_by, expires_at)
  values (p_key_id, p_workspace_id, p_name, p_scopes, p_secret_hash, p_actor, p_expires_at)
  returning *;
end
$$;

create or replace function metrics_api_key_revoke(p_actor uuid, p_workspace_id uuid, p_key_id uuid)
returns setof metrics_api_keys
language plpgsql
set search_path = public, pg_temp
as $$
begin
  perform public.metrics_require_role(p_workspace_id, p_actor, 'admin');
  -- Revoking twice keeps the first time.
  return query
  update public.metrics_api_keys k set revoked_at = coalesce(k.revoked_at, now())
  where k.workspace_id = p_workspace_id and k.id = p_key_id
  returning k.*;
end
$$;

revoke all on function metrics_api_key_create(uuid, uuid, uuid, text, text[], text, timestamptz, integer)
  from public, anon, authenticated;
revoke all on function metrics_api_key_revoke(uuid, uuid, uuid) from public, anon, authenticated;
grant execute on function metrics_api_key_create(uuid, uuid, uuid, text, text[], text, timestamptz, integer) to service_role;
grant execute on function metrics_api_key_revoke(uuid, uuid, uuid) to service_role;

-- 4. Readiness: the applied migration versions, for a role that holds service_role's privileges
-- but no usage on the CLI's own schema (docs/security.md, "Database role").
create or replace function metrics_applied_migrations()
returns setof text
language sql
stable
security definer
set search_path = ''
as $$
  select m.version from supabase_migrations.schema_migrations m
$$;

revoke all on function metrics_applied_migrations() from public, anon, authenticated;
grant execute on function metrics_applied_migrations() to service_role;
