-- pgTAP: least privilege for the client roles. Passes on a plain database and on one prepared
-- like a Supabase project (tests/fixtures/supabase/default-privileges.sql before the migrations),
-- where every object arrives granted to anon and authenticated unless a migration revokes it.
begin;
select plan(27);

insert into workspaces (id, name) values ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'Victim');
insert into workspace_members (workspace_id, user_id, role)
values ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'c0000000-0000-4000-8000-000000000003', 'viewer');
insert into metrics_rollups (workspace_id, circuit_execution_id, channel, time_bucket, email_delivered)
values ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'c-V', 'email', '2025-01-01T10:00:00Z', 7);
insert into metrics_attribution_map (workspace_id, provider, provider_object_id, circuit_execution_id, channel)
values ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'sendgrid', 'm-V', 'c-V', 'email');
insert into metrics_webhook_events (workspace_id, provider, provider_event_id, event_type, raw_payload, occurred_at)
values ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'sendgrid', 'e-V', 'email_delivered', '{}', now());

-- Privileges, read from the catalogue.
select is(
  (select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace
   cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p(priv)
   where n.nspname = 'public' and c.relkind in ('r', 'v', 'm', 'p')
     and (c.relname in ('workspaces', 'workspace_members') or c.relname like 'metrics\_%')
     and has_table_privilege('anon', c.oid, p.priv)),
  0, 'anon holds no privilege on any table or view');
select is(
  (select count(*)::int from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname = 'public' and p.proname like 'metrics\_%' and has_function_privilege('anon', p.oid, 'EXECUTE')),
  0, 'anon holds no EXECUTE on any metrics_* function');
select is(
  (select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace
   cross join unnest(array['UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p(priv)
   where n.nspname = 'public' and c.relkind in ('r', 'v', 'm', 'p')
     and (c.relname in ('workspaces', 'workspace_members') or c.relname like 'metrics\_%')
     and has_table_privilege('authenticated', c.oid, p.priv)),
  0, 'authenticated holds no UPDATE, DELETE or TRUNCATE anywhere');
select is(
  (select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'public' and c.relkind in ('r', 'v', 'm', 'p')
     and (c.relname in ('workspaces', 'workspace_members') or c.relname like 'metrics\_%')
     and has_table_privilege('authenticated', c.oid, 'INSERT')),
  0, 'authenticated holds no INSERT anywhere (backfill jobs go through metrics_backfill_enqueue)');
-- Two exceptions, both reads, security invoker (RLS applies) and stable: the A/B decision's
-- per-message looks and the A/B view's opens per provider by class.
select is(
  (select count(*)::int from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname = 'public' and p.proname like 'metrics\_%' and has_function_privilege('authenticated', p.oid, 'EXECUTE')
     and not (p.proname in ('metrics_ab_test_message_looks', 'metrics_ab_test_engagement_by_provider')
              and not p.prosecdef and p.provolatile = 's')),
  0, 'authenticated holds no EXECUTE on any metrics_* function but two reads (invoker, stable)');
select ok(has_table_privilege('authenticated', 'metrics_rollups', 'SELECT'), 'authenticated may read rollups (RLS picks the rows)');
select is(
  (select count(*)::int from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname = 'public' and p.proname like 'metrics\_%' and not has_function_privilege('service_role', p.oid, 'EXECUTE')),
  0, 'service_role may run every metrics_* function');
select is(
  (select count(*)::int from pg_policies where schemaname = 'public' and tablename like 'metrics\_%' and cmd <> 'SELECT'),
  0, 'every metrics policy is for SELECT only');

-- A viewer, acting in their own workspace, through any SQL they can reach.
select set_config('request.jwt.claims', '{"sub":"c0000000-0000-4000-8000-000000000003","role":"authenticated"}', true);
select set_config('request.workspace_id', 'cccccccc-cccc-4ccc-8ccc-cccccccccccc', true);
set local role authenticated;

select is(get_current_workspace_id(), 'cccccccc-cccc-4ccc-8ccc-cccccccccccc'::uuid, 'the viewer acts in their workspace');
select is((select email_delivered::int from metrics_rollups), 7, 'the viewer reads their rollup');
select throws_ok($$update metrics_rollups set email_delivered = 999999$$, '42501', null, 'viewer cannot rewrite a counter');
select throws_ok($$delete from metrics_rollups$$, '42501', null, 'viewer cannot delete rollups');
select throws_ok($$insert into metrics_rollups (workspace_id, circuit_execution_id, channel, time_bucket, email_delivered)
  values ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'x', 'email', now(), 5)$$, '42501', null, 'viewer cannot add a rollup row');
select throws_ok($$delete from metrics_webhook_events$$, '42501', null, 'viewer cannot delete the ledger');
select throws_ok($$truncate metrics_webhook_events$$, '42501', null, 'viewer cannot truncate the ledger');
select throws_ok($$update metrics_attribution_map set variant_id = gen_random_uuid()$$, '42501', null, 'viewer cannot remap attribution');
select throws_ok($$insert into metrics_backfill_jobs (workspace_id, provider, channel, date_start, date_end, status, attempts, created_at)
  values ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'sendgrid', 'email', '1900-01-01', '2999-01-01', 'processing', -5, '1970-01-01')$$,
  '42501', null, 'viewer cannot insert a backfill job directly');
select throws_ok($$select * from metrics_ingest_events('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'sendgrid', '[]'::jsonb, true)$$,
  '42501', null, 'viewer cannot call metrics_ingest_events');
select throws_ok($$select metrics_retention_batch('metrics_webhook_events', interval '0 seconds', 100000)$$,
  '42501', null, 'viewer cannot run retention');
select throws_ok($$select * from metrics_upsert_attribution('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'sendgrid', 'o', 'c', null, null, 'email', null, null, null)$$,
  '42501', null, 'viewer cannot register attribution by function');
select throws_ok($$select * from metrics_backfill_enqueue('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'sendgrid', 'email', current_date - 2, current_date - 1, 100)$$,
  '42501', null, 'viewer cannot enqueue a backfill by function');
select throws_ok($$select * from metrics_reprocess_batch(null, 1000, interval '0 seconds')$$, '42501', null, 'viewer cannot reprocess');
select throws_ok($$update workspace_members set role = 'owner'$$, '42501', null, 'viewer cannot promote themselves');
select throws_ok($$update workspaces set name = 'pwned'$$, '42501', null, 'viewer cannot rename the workspace');

reset role;
select is((select email_delivered::int from metrics_rollups where workspace_id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc'), 7, 'the counter is unchanged');
select is((select count(*)::int from metrics_webhook_events where workspace_id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc'), 1, 'the ledger is unchanged');
select is((select count(*)::int from metrics_backfill_jobs where workspace_id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc'), 0, 'no backfill job was queued');

select * from finish();
rollback;
