-- What the v2.0 metrics migration assumes exists: workspaces, their members, Supabase's roles
-- and get_current_workspace_id(). On a Supabase project the roles already exist; elsewhere
-- (plain PostgreSQL, embedded PGlite) they are created here so RLS behaves the same everywhere.

do $$
declare
  r record;
begin
  for r in select * from (values ('anon', false), ('authenticated', false), ('service_role', true)) as t(name, bypass) loop
    if not exists (select 1 from pg_roles where rolname = r.name) then
      begin
        -- Roles are cluster-wide: two databases migrating at once may race to create them.
        if r.bypass then
          execute format('create role %I nologin noinherit bypassrls', r.name);
        else
          execute format('create role %I nologin noinherit', r.name);
        end if;
      exception when duplicate_object or unique_violation then
        null;
      end;
    end if;
  end loop;
end
$$;

create table if not exists workspaces (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  created_at timestamptz not null default now()
);

create table if not exists workspace_members (
  workspace_id uuid not null references workspaces(id) on delete cascade,
  user_id uuid not null,
  role text not null default 'member' check (role in ('owner', 'admin', 'member', 'viewer')),
  created_at timestamptz not null default now(),
  primary key (workspace_id, user_id)
);

create index if not exists idx_workspace_members_user on workspace_members (user_id);

-- The verified JWT claims of the current request. After a transaction-local set_config the
-- setting reads as '' (not NULL) once the transaction ends, hence nullif.
create or replace function current_request_claims()
returns jsonb
language sql
stable
set search_path = public, pg_temp
as $$
  select coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb, '{}'::jsonb)
$$;

create or replace function current_user_id()
returns uuid
language plpgsql
stable
set search_path = public, pg_temp
as $$
declare
  sub text := current_request_claims() ->> 'sub';
begin
  if sub is null or sub !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    return null;
  end if;
  return sub::uuid;
end
$$;

-- The workspace this request acts in: the one it asked for (request.workspace_id, set by the
-- app next to the claims) or the token's own workspace_id claim, and only if the caller is a
-- member of it. Security definer so it can read workspace_members under RLS.
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
  found_id uuid;
begin
  if uid is null or requested is null
     or requested !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    return null;
  end if;
  select m.workspace_id into found_id
  from workspace_members m
  where m.workspace_id = requested::uuid and m.user_id = uid;
  return found_id;
end
$$;

alter table workspaces enable row level security;
alter table workspace_members enable row level security;

drop policy if exists "workspace_members_self" on workspace_members;
create policy "workspace_members_self" on workspace_members
  for select using (user_id = (select current_user_id()));

drop policy if exists "workspaces_member_read" on workspaces;
create policy "workspaces_member_read" on workspaces
  for select using (id in (select m.workspace_id from workspace_members m where m.user_id = (select current_user_id())));

grant usage on schema public to anon, authenticated, service_role;
grant select on workspaces, workspace_members to authenticated;
grant all on workspaces, workspace_members to service_role;
grant execute on function current_request_claims(), current_user_id(), get_current_workspace_id()
  to anon, authenticated, service_role;
