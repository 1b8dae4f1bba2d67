-- Trust at the edges: Mailgun signature blocks remembered by the database, and the kind of each
-- connection's verification material stored beside it.

-- 1. Signature blocks accepted per workspace. Mailgun signs `timestamp + token` only, not the
-- event-data beside it, so an accepted block must never come back with other event-data. Kept in
-- the database, inside the ingest transaction, so every app instance refuses the same replay and
-- no tenant's traffic can push another's blocks out (there is no shared, bounded memory to fill).
-- block_hash is sha256 of the block (timestamp, token, signature): never the signature itself.
create table if not exists metrics_signature_blocks (
  workspace_id uuid not null references workspaces(id) on delete cascade,
  block_hash bytea not null check (length(block_hash) = 32),
  event_digest bytea not null check (length(event_digest) between 16 and 32),
  -- When the signature stops verifying (its timestamp + the accepted age): the retention job
  -- deletes the row after that.
  expires_at timestamptz not null,
  primary key (workspace_id, block_hash)
);

alter table metrics_signature_blocks enable row level security;
revoke all on metrics_signature_blocks from public, anon, authenticated;
grant select, insert, update, delete on metrics_signature_blocks to service_role;

-- Records each block with its event-data digest; refuses (SQLSTATE DC401) a block already known
-- with another digest. The identical delivery sent again (a retry) passes: the ledger dedups it.
create or replace function metrics_admit_signature_blocks(p_workspace_id uuid, p_blocks jsonb)
returns void
language plpgsql
set search_path = public, pg_temp
as $$
begin
  if jsonb_typeof(p_blocks) is distinct from 'array' then
    raise exception 'p_blocks must be a JSON array' using errcode = '22023';
  end if;
  -- In key order, so two transactions holding several blocks cannot deadlock.
  insert into metrics_signature_blocks as s (workspace_id, block_hash, event_digest, expires_at)
  select p_workspace_id, g.block_hash, g.event_digest, g.expires_at
  from (
    select distinct on (b.block) decode(b.block, 'hex') as block_hash, decode(b.digest, 'hex') as event_digest, b.expires_at
    from jsonb_to_recordset(p_blocks) as b(block text, digest text, expires_at timestamptz)
    order by b.block, b.digest
  ) g
  order by g.block_hash
  on conflict (workspace_id, block_hash) do update
     set event_digest = excluded.event_digest, expires_at = excluded.expires_at
   where s.expires_at <= now();

  if exists (
    select 1
    from jsonb_to_recordset(p_blocks) as b(block text, digest text)
    join metrics_signature_blocks s on s.workspace_id = p_workspace_id and s.block_hash = decode(b.block, 'hex')
    where s.event_digest <> decode(b.digest, 'hex')
  ) then
    raise exception 'signature block replayed with other event data' using errcode = 'DC401';
  end if;
end
$$;

-- metrics_ingest_events with the delivery's signature blocks: ledger rows and blocks commit
-- together or not at all. The four-argument version is unchanged for every other caller.
create or replace function metrics_ingest_events(
  p_workspace_id uuid,
  p_provider text,
  p_events jsonb,
  p_signature_verified boolean,
  p_signature_blocks jsonb
)
returns table (provider_event_id text, event_id uuid, outcome text)
language plpgsql
set search_path = public, pg_temp
as $$
#variable_conflict use_column
begin
  return query select i.provider_event_id, i.event_id, i.outcome
               from metrics_ingest_events(p_workspace_id, p_provider, p_events, p_signature_verified) i;
  -- After the ledger insert (which checks the workspace first): a refusal here undoes it.
  if jsonb_typeof(p_signature_blocks) = 'array' and jsonb_array_length(p_signature_blocks) > 0 then
    perform metrics_admit_signature_blocks(p_workspace_id, p_signature_blocks);
  end if;
end
$$;

revoke all on function metrics_admit_signature_blocks(uuid, jsonb) from public, anon, authenticated;
revoke all on function metrics_ingest_events(uuid, text, jsonb, boolean, jsonb) from public, anon, authenticated;
grant execute on function metrics_admit_signature_blocks(uuid, jsonb) to service_role;
grant execute on function metrics_ingest_events(uuid, text, jsonb, boolean, jsonb) to service_role;

-- Retention: the same batches as before, plus expired signature blocks (p_older_than after expiry).
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
  elsif p_table = 'metrics_signature_blocks' then
    with doomed as (
      select s.workspace_id, s.block_hash from metrics_signature_blocks s
      where s.expires_at < v_cutoff
      limit p_batch_size
      for update skip locked
    )
    delete from metrics_signature_blocks s using doomed d
     where s.workspace_id = d.workspace_id and s.block_hash = d.block_hash;
  else
    raise exception 'no retention rule for table %', p_table using errcode = '22023';
  end if;

  get diagnostics v_deleted = row_count;
  return v_deleted;
end
$$;

-- 2. What a connection's verification material is. SendGrid's Signed Event Webhook key is an
-- ECDSA P-256 public key; the release notes' variant is an HMAC secret. Stored, so a key is never
-- taken for a secret (or a secret for a key) by guessing from its text.
alter table metrics_provider_connections
  add column if not exists secret_kind text check (secret_kind in ('hmac_secret', 'ecdsa_p256_public_key')),
  add column if not exists previous_secret_kind text check (previous_secret_kind in ('hmac_secret', 'ecdsa_p256_public_key'));

-- Existing rows: every provider but SendGrid only has HMAC secrets (Resend's whsec_, Mailgun's
-- signing key). SendGrid's ciphertexts cannot be read here; the app reads a null kind as a key
-- when the value is a P-256 public key and as an HMAC secret otherwise (what it did before).
update metrics_provider_connections
   set secret_kind = case when secret_ciphertext is not null then 'hmac_secret' end,
       previous_secret_kind = case when previous_secret_ciphertext is not null then 'hmac_secret' end
 where provider <> 'sendgrid' and secret_kind is null;

create or replace function metrics_connection_create(
  p_actor uuid,
  p_workspace_id uuid,
  p_provider text,
  p_external_account_id text,
  p_webhook_token text,
  p_secret_ciphertext text,
  p_secret_fingerprint text,
  p_api_key_ciphertext text,
  p_api_key_fingerprint text,
  p_secret_kind text
)
returns uuid
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_id uuid;
begin
  v_id := metrics_connection_create(p_actor, p_workspace_id, p_provider, p_external_account_id, p_webhook_token,
                                    p_secret_ciphertext, p_secret_fingerprint, p_api_key_ciphertext, p_api_key_fingerprint);
  update metrics_provider_connections c
     set secret_kind = case when c.secret_ciphertext is not null then p_secret_kind end
   where c.id = v_id;
  return v_id;
end
$$;

create or replace function metrics_connection_rotate(
  p_actor uuid,
  p_workspace_id uuid,
  p_connection_id uuid,
  p_secret_ciphertext text,
  p_secret_fingerprint text,
  p_overlap interval,
  p_secret_kind text
)
returns boolean
language plpgsql
set search_path = public, pg_temp
as $$
begin
  perform metrics_require_role(p_workspace_id, p_actor, 'admin');
  update metrics_provider_connections c
     set previous_secret_ciphertext = c.secret_ciphertext,
         previous_secret_kind = c.secret_kind,
         previous_secret_expires_at = now() + p_overlap,
         secret_ciphertext = p_secret_ciphertext,
         secret_kind = p_secret_kind,
         secret_fingerprint = p_secret_fingerprint,
         rotated_at = now()
   where c.id = p_connection_id and c.workspace_id = p_workspace_id;
  return found;
end
$$;

-- The six-argument rotation keeps working and keeps the kinds in step (the new one unknown).
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
  return metrics_connection_rotate(p_actor, p_workspace_id, p_connection_id, p_secret_ciphertext, p_secret_fingerprint,
                                   p_overlap, null);
end
$$;

revoke all on function metrics_connection_create(uuid, uuid, text, text, text, text, text, text, text, text)
  from public, anon, authenticated;
revoke all on function metrics_connection_rotate(uuid, uuid, uuid, text, text, interval, text) from public, anon, authenticated;
grant execute on function metrics_connection_create(uuid, uuid, text, text, text, text, text, text, text, text) to service_role;
grant execute on function metrics_connection_rotate(uuid, uuid, uuid, text, text, interval, text) to service_role;
