-- Invitations instead of imposed membership. An admin invites an email address with a role; the
-- person signed in with that (verified) address accepts or declines, and only an acceptance makes
-- them a member. Nothing here tells the inviter whether the address has an account. Invitations
-- expire (TTL) and are rate limited per workspace per hour, both counted here under a lock on the
-- workspace so concurrent requests cannot slip past the limit.
--
-- A member's default workspace is their explicit choice (default_since), else the one they joined
-- first: never an order another tenant could influence, such as names.

create table if not exists metrics_workspace_invitations (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces(id) on delete cascade,
  -- Normalised: trimmed and lowercase, so one address has one pending invitation per workspace.
  email text not null check (email = lower(btrim(email)) and length(email) between 3 and 320 and position('@' in email) > 1),
  role text not null check (role in ('owner', 'admin', 'member', 'viewer')),
  invited_by uuid not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  status text not null default 'pending' check (status in ('pending', 'accepted', 'declined', 'revoked', 'expired')),
  responded_at timestamptz,
  responded_by uuid,
  check (expires_at > created_at)
);

create unique index if not exists metrics_workspace_invitations_one_pending
  on metrics_workspace_invitations (workspace_id, email) where status = 'pending';
create index if not exists metrics_workspace_invitations_by_email
  on metrics_workspace_invitations (email) where status = 'pending';
-- The hourly rate limit counts a workspace's invitations by creation time.
create index if not exists metrics_workspace_invitations_by_workspace
  on metrics_workspace_invitations (workspace_id, created_at);

alter table workspace_members add column if not exists default_since timestamptz;

alter table metrics_workspace_invitations enable row level security;

-- Read only: the workspace's admins and owners (in the workspace the request acts in), and the
-- invitee (the email claim Supabase Auth signed). Every write goes through the functions below.
drop policy if exists "metrics_workspace_invitations_admin_or_invitee_read" on metrics_workspace_invitations;
create policy "metrics_workspace_invitations_admin_or_invitee_read" on metrics_workspace_invitations
  for select to authenticated
  using (
    (workspace_id = (select get_current_workspace_id()) and (select get_current_workspace_role()) in ('admin', 'owner'))
    or email = lower(btrim((select current_request_claims()) ->> 'email'))
  );

-- The address the actor has proven they hold. On Supabase, Supabase Auth's own record, and only
-- once confirmed; elsewhere (a deployment verifying its own JWTs) the token's signed email claim.
create or replace function metrics_verified_email(p_actor uuid, p_claimed_email text)
returns text
language plpgsql
stable
security definer
set search_path = public, pg_temp
as $$
declare
  v_email text;
begin
  if p_actor is null then
    return null;
  end if;
  if to_regclass('auth.users') is not null then
    execute 'select lower(btrim(u.email)) from auth.users u where u.id = $1 and u.email_confirmed_at is not null'
      into v_email using p_actor;
    return v_email;
  end if;
  return nullif(lower(btrim(p_claimed_email)), '');
end
$$;

-- Invites an address (any address: whether it has an account is neither checked nor told).
-- Admins invite viewers, members and admins; only an owner may invite an owner, and ownership
-- still needs the invitee's acceptance. Inviting an address again replaces its pending invitation.
create or replace function metrics_invitation_create(
  p_actor uuid,
  p_workspace_id uuid,
  p_email text,
  p_role text,
  p_ttl_seconds integer,
  p_per_hour integer
)
returns setof metrics_workspace_invitations
language plpgsql
security definer
set search_path = public, pg_temp
as $$
declare
  v_actor_role text := metrics_require_role(p_workspace_id, p_actor, 'admin');
  v_email text := lower(btrim(p_email));
  v_recent integer;
  v_retry integer;
  v_row metrics_workspace_invitations%rowtype;
begin
  if p_role not in ('owner', 'admin', 'member', 'viewer') then
    raise exception 'unknown role %', p_role using errcode = '22023';
  end if;
  if p_role = 'owner' and v_actor_role <> 'owner' then
    raise exception 'only an owner may invite an owner' using errcode = '42501', detail = v_actor_role;
  end if;
  if p_ttl_seconds is null or p_ttl_seconds < 1 or p_per_hour is null or p_per_hour < 1 then
    raise exception 'invitation TTL must be at least 1 second and the hourly limit at least 1' using errcode = '22023';
  end if;
  -- One invitation count per workspace at a time.
  perform 1 from workspaces w where w.id = p_workspace_id for update;
  select count(*)::int, ceil(extract(epoch from (min(i.created_at) + interval '1 hour' - now())))::int
    into v_recent, v_retry
    from metrics_workspace_invitations i
   where i.workspace_id = p_workspace_id and i.created_at > now() - interval '1 hour';
  if v_recent >= p_per_hour then
    raise exception 'this workspace has sent % invitations in the last hour', v_recent
      using errcode = '54000', detail = greatest(coalesce(v_retry, 1), 1)::text;
  end if;
  update metrics_workspace_invitations i
     set status = case when i.expires_at <= now() then 'expired' else 'revoked' end, responded_at = now()
   where i.workspace_id = p_workspace_id and i.email = v_email and i.status = 'pending';
  insert into metrics_workspace_invitations (workspace_id, email, role, invited_by, expires_at)
  values (p_workspace_id, v_email, p_role, p_actor, now() + make_interval(secs => p_ttl_seconds))
  returning * into v_row;
  return next v_row;
end
$$;

create or replace function metrics_invitation_revoke(p_actor uuid, p_workspace_id uuid, p_invitation_id uuid)
returns boolean
language plpgsql
security definer
set search_path = public, pg_temp
as $$
begin
  perform metrics_require_role(p_workspace_id, p_actor, 'admin');
  update metrics_workspace_invitations i
     set status = 'revoked', responded_at = now(), responded_by = p_actor
   where i.id = p_invitation_id and i.workspace_id = p_workspace_id and i.status = 'pending';
  return found;
end
$$;

-- The actor's pending, unexpired invitations, with the workspace's name (which the invitee, not
-- yet a member, cannot read under RLS).
create or replace function metrics_invitations_for_invitee(p_actor uuid, p_claimed_email text)
returns table (
  invitation_id uuid,
  workspace_id uuid,
  workspace_name text,
  role text,
  invited_by uuid,
  created_at timestamptz,
  expires_at timestamptz
)
language sql
stable
security definer
set search_path = public, pg_temp
as $$
  select i.id, i.workspace_id, w.name, i.role, i.invited_by, i.created_at, i.expires_at
    from metrics_workspace_invitations i
    join workspaces w on w.id = i.workspace_id
   where i.email = metrics_verified_email(p_actor, p_claimed_email)
     and i.status = 'pending' and i.expires_at > now()
   order by i.created_at, i.id
$$;

-- Accepts or declines one of the actor's own invitations. Someone else's invitation is unknown
-- (P0002), exactly like one that does not exist. The outcome says what happened:
-- 'accepted' / 'declined', or why nothing did: 'expired', 'revoked', 'already_accepted',
-- 'already_declined' (an expired invitation is marked so here, hence no exception for it).
-- Accepting never lowers the role of someone who is a member already.
create or replace function metrics_invitation_respond(p_actor uuid, p_claimed_email text, p_invitation_id uuid, p_accept boolean)
returns table (outcome text, workspace_id uuid, role text)
language plpgsql
security definer
set search_path = public, pg_temp
as $$
declare
  v_email text := metrics_verified_email(p_actor, p_claimed_email);
  v_invitation metrics_workspace_invitations%rowtype;
  v_current text;
  v_ranks text[] := array['viewer', 'member', 'admin', 'owner'];
begin
  if v_email is null then
    raise exception 'invitations need a verified email address' using errcode = '42501', detail = 'none';
  end if;
  select * into v_invitation from metrics_workspace_invitations i
   where i.id = p_invitation_id and i.email = v_email
   for update;
  if not found then
    raise exception 'unknown invitation' using errcode = 'P0002';
  end if;
  if v_invitation.status = 'pending' and v_invitation.expires_at <= now() then
    update metrics_workspace_invitations i set status = 'expired' where i.id = v_invitation.id;
    v_invitation.status := 'expired';
  end if;
  if v_invitation.status <> 'pending' then
    return query select case v_invitation.status
                          when 'accepted' then 'already_accepted'
                          when 'declined' then 'already_declined'
                          else v_invitation.status end,
                        v_invitation.workspace_id, v_invitation.role;
    return;
  end if;
  update metrics_workspace_invitations i
     set status = case when p_accept then 'accepted' else 'declined' end, responded_at = now(), responded_by = p_actor
   where i.id = v_invitation.id;
  if not p_accept then
    return query select 'declined'::text, v_invitation.workspace_id, v_invitation.role;
    return;
  end if;
  v_current := metrics_actor_role(v_invitation.workspace_id, p_actor);
  if v_current is null or array_position(v_ranks, v_current) < array_position(v_ranks, v_invitation.role) then
    perform metrics_operator_set_member(v_invitation.workspace_id, p_actor, v_invitation.role);
  end if;
  return query select 'accepted'::text, v_invitation.workspace_id,
                      coalesce(metrics_actor_role(v_invitation.workspace_id, p_actor), v_invitation.role);
end
$$;

-- Changes the role of someone who is a member already; it no longer adds anyone (that takes an
-- invitation the person accepts). Admins manage viewers, members and admins; only an owner may
-- grant or take away ownership; the last owner cannot be demoted (metrics_operator_set_member).
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
  if v_current is null then
    raise exception 'not a member of this workspace' using errcode = 'P0002';
  end if;
  return metrics_operator_set_member(p_workspace_id, p_user_id, p_role);
end
$$;

-- The actor's explicit default workspace (one at a time); membership required.
create or replace function metrics_workspace_set_default(p_actor uuid, p_workspace_id uuid)
returns void
language plpgsql
security definer
set search_path = public, pg_temp
as $$
begin
  perform metrics_require_role(p_workspace_id, p_actor, 'viewer');
  update workspace_members m
     set default_since = case when m.workspace_id = p_workspace_id then now() end
   where m.user_id = p_actor and (m.default_since is not null or m.workspace_id = p_workspace_id);
end
$$;

-- Least privilege, by name: clients read invitations under RLS and run none of the functions.
revoke all on metrics_workspace_invitations from public, anon, authenticated;
grant select on metrics_workspace_invitations to authenticated;
grant all on metrics_workspace_invitations to service_role;

revoke all on function metrics_verified_email(uuid, text) from public, anon, authenticated;
revoke all on function metrics_invitation_create(uuid, uuid, text, text, integer, integer) from public, anon, authenticated;
revoke all on function metrics_invitation_revoke(uuid, uuid, uuid) from public, anon, authenticated;
revoke all on function metrics_invitations_for_invitee(uuid, text) from public, anon, authenticated;
revoke all on function metrics_invitation_respond(uuid, text, uuid, boolean) from public, anon, authenticated;
revoke all on function metrics_workspace_set_default(uuid, uuid) from public, anon, authenticated;
revoke all on function metrics_member_set_role(uuid, uuid, uuid, text) from public, anon, authenticated;
grant execute on function metrics_verified_email(uuid, text) to service_role;
grant execute on function metrics_invitation_create(uuid, uuid, text, text, integer, integer) to service_role;
grant execute on function metrics_invitation_revoke(uuid, uuid, uuid) to service_role;
grant execute on function metrics_invitations_for_invitee(uuid, text) to service_role;
grant execute on function metrics_invitation_respond(uuid, text, uuid, boolean) to service_role;
grant execute on function metrics_workspace_set_default(uuid, uuid) to service_role;
grant execute on function metrics_member_set_role(uuid, uuid, uuid, text) to service_role;
