-- Claims need proof. Meta and LinkedIn sign every delivery with the deployment's one app secret,
-- so a connection's account id (Facebook page, Instagram account, LinkedIn organization) decides
-- whose events they are. Saying an id is no longer enough: a claim starts pending and routes
-- nothing until control of the account is proven (a token the provider accepts for that account,
-- checked by the app, or an operator's approval). Any number of workspaces may hold pending claims
-- on one account, so nothing tells a tenant whether someone else claimed it; at most one claim per
-- account is verified, and a newer proof supersedes an older one (its claim returns to pending).

alter table metrics_provider_connections add column if not exists claim_status text;
alter table metrics_provider_connections add column if not exists claim_method text;
alter table metrics_provider_connections add column if not exists claim_verified_at timestamptz;
alter table metrics_provider_connections add column if not exists claim_superseded_at timestamptz;

-- Upgrade: claims made before this release were never proven, so they start pending too and
-- route nothing until proven again (docs/providers.md, "Proving control of an account").
update metrics_provider_connections set claim_status = 'pending'
 where external_account_id is not null and claim_status is null;

alter table metrics_provider_connections drop constraint if exists metrics_provider_connections_claim_check;
alter table metrics_provider_connections add constraint metrics_provider_connections_claim_check check (
  claim_status in ('pending', 'verified')
  and (external_account_id is null) = (claim_status is null)
  and (claim_status = 'verified') = (claim_method is not null and claim_verified_at is not null)
  and claim_method in ('meta_page_token', 'meta_instagram_token', 'linkedin_admin', 'operator')
);

-- The old rule (one workspace per account, first come) let a squatter block the real owner and
-- told everyone whether an account was taken. Now: one claim per account within a workspace, and
-- one verified claim per account across the deployment.
drop index if exists idx_metrics_connections_account;
create unique index if not exists idx_metrics_connections_workspace_account
  on metrics_provider_connections (workspace_id, provider, external_account_id) where external_account_id is not null;
create unique index if not exists idx_metrics_connections_verified_account
  on metrics_provider_connections (provider, external_account_id) where claim_status = 'verified';

-- A new account claim is pending; URL-routed connections have no claim.
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
    api_key_ciphertext, api_key_fingerprint, created_by, claim_status)
  values (p_workspace_id, p_provider, p_external_account_id, p_webhook_token, p_secret_ciphertext, p_secret_fingerprint,
          p_api_key_ciphertext, p_api_key_fingerprint, p_actor,
          case when p_external_account_id is not null then 'pending' end)
  returning id into v_id;
  return v_id;
end
$$;

-- Marks a claim verified (the proof was checked by the caller) and returns any other verified
-- claim on the account to pending: the latest proof of control wins. Null for a connection
-- without an account claim. Claims of one account are serialized by an advisory lock, so two
-- proofs at once cannot both win.
create or replace function metrics_claim_mark_verified(p_connection_id uuid, p_method text)
returns integer
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_provider text;
  v_account text;
  v_superseded integer;
begin
  select c.provider, c.external_account_id into v_provider, v_account
    from public.metrics_provider_connections c
   where c.id = p_connection_id and c.external_account_id is not null;
  if v_account is null then
    return null;
  end if;
  perform pg_advisory_xact_lock(hashtext('metrics_claim|' || v_provider || '|' || v_account));
  update public.metrics_provider_connections c
     set claim_status = 'pending', claim_method = null, claim_verified_at = null, claim_superseded_at = now()
   where c.provider = v_provider and c.external_account_id = v_account
     and c.claim_status = 'verified' and c.id <> p_connection_id;
  get diagnostics v_superseded = row_count;
  update public.metrics_provider_connections c
     set claim_status = 'verified', claim_method = p_method, claim_verified_at = now(), claim_superseded_at = null
   where c.id = p_connection_id;
  return v_superseded;
end
$$;

-- The owner's path: the app checked a token against the provider's API (admin or owner).
create or replace function metrics_connection_verify_claim(
  p_actor uuid,
  p_workspace_id uuid,
  p_connection_id uuid,
  p_method text
)
returns integer
language plpgsql
set search_path = public, pg_temp
as $$
begin
  perform metrics_require_role(p_workspace_id, p_actor, 'admin');
  if p_method not in ('meta_page_token', 'meta_instagram_token', 'linkedin_admin') then
    raise exception 'unknown proof method %', p_method using errcode = '22023';
  end if;
  perform 1 from public.metrics_provider_connections c where c.id = p_connection_id and c.workspace_id = p_workspace_id;
  if not found then
    return null;
  end if;
  return metrics_claim_mark_verified(p_connection_id, p_method);
end
$$;

-- The operator's path (npm run connection:approve, service role, no acting user).
create or replace function metrics_operator_approve_claim(p_connection_id uuid)
returns integer
language sql
set search_path = public, pg_temp
as $$
  select metrics_claim_mark_verified(p_connection_id, 'operator')
$$;

revoke all on function metrics_connection_create(uuid, uuid, text, text, text, text, text, text, text) from public, anon, authenticated;
revoke all on function metrics_claim_mark_verified(uuid, text) from public, anon, authenticated;
revoke all on function metrics_connection_verify_claim(uuid, uuid, uuid, text) from public, anon, authenticated;
revoke all on function metrics_operator_approve_claim(uuid) from public, anon, authenticated;
grant execute on function metrics_connection_create(uuid, uuid, text, text, text, text, text, text, text) to service_role;
grant execute on function metrics_claim_mark_verified(uuid, text) to service_role;
grant execute on function metrics_connection_verify_claim(uuid, uuid, uuid, text) to service_role;
grant execute on function metrics_operator_approve_claim(uuid) to service_role;
