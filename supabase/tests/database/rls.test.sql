-- pgTAP: tenant isolation by RLS on all four metrics tables and both views.
begin;
select plan(22);

insert into workspaces (id, name) values
  ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'A'),
  ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'B');
insert into workspace_members (workspace_id, user_id) values
  ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'a0000000-0000-4000-8000-000000000001'),
  ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'b0000000-0000-4000-8000-000000000002');

insert into metrics_rollups (workspace_id, circuit_execution_id, channel, time_bucket, email_delivered)
select id, 'c-' || name, 'email', '2025-01-01T10:00:00Z', 5 from workspaces where name in ('A', 'B');
insert into metrics_attribution_map (workspace_id, provider, provider_object_id, circuit_execution_id, channel)
select id, 'sendgrid', 'm-' || name, 'c-' || name, 'email' from workspaces where name in ('A', 'B');
insert into metrics_webhook_events (workspace_id, provider, provider_event_id, event_type, raw_payload, occurred_at)
select id, 'sendgrid', 'e-' || name, 'email_delivered', '{}', now() from workspaces where name in ('A', 'B');
insert into metrics_backfill_jobs (workspace_id, provider, channel, date_start, date_end)
select id, 'sendgrid', 'email', '2025-01-01', '2025-01-02' from workspaces where name in ('A', 'B');

select ok((select rowsecurity from pg_tables where tablename = 'metrics_webhook_events'), 'RLS on metrics_webhook_events');
select ok((select rowsecurity from pg_tables where tablename = 'metrics_attribution_map'), 'RLS on metrics_attribution_map');
select ok((select rowsecurity from pg_tables where tablename = 'metrics_rollups'), 'RLS on metrics_rollups');
select ok((select rowsecurity from pg_tables where tablename = 'metrics_backfill_jobs'), 'RLS on metrics_backfill_jobs');
select policies_are('public', 'metrics_rollups', array['metrics_rollups_tenant_isolation']);
select is((select count(*)::int from metrics_rollups), 2, 'the owner (service path) sees both workspaces');

-- User A, acting in A.
select set_config('request.jwt.claims', '{"sub":"a0000000-0000-4000-8000-000000000001","role":"authenticated"}', true);
select set_config('request.workspace_id', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', true);
set local role authenticated;

select is(get_current_workspace_id(), 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid, 'a member gets the workspace asked for');
select results_eq('select circuit_execution_id from metrics_rollups', $$values ('c-A')$$, 'A sees only its rollup');
select results_eq('select provider_object_id from metrics_attribution_map', $$values ('m-A')$$, 'A sees only its mapping');
select results_eq('select provider_event_id from metrics_webhook_events', $$values ('e-A')$$, 'A sees only its ledger rows');
select is((select count(*)::int from metrics_backfill_jobs), 1, 'A sees only its backfill job');
select results_eq('select circuit_execution_id from metrics_rollup_latest', $$values ('c-A')$$, 'the latest view obeys RLS');
select is((select count(*)::int from metrics_attribution_health), 1, 'the health view obeys RLS');
select throws_ok($$update metrics_rollups set email_delivered = 0$$, '42501', null, 'a user cannot change rollups');

-- User A, asking for B.
reset role;
select set_config('request.workspace_id', 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', true);
set local role authenticated;

select is(get_current_workspace_id(), null, 'a non-member gets no workspace');
select is_empty('select * from metrics_rollups', 'A asking for B sees no rollup');
select is_empty('select * from metrics_attribution_map', 'A asking for B sees no mapping');
select is_empty('select * from metrics_webhook_events', 'A asking for B sees no ledger row');
select is_empty('select * from metrics_backfill_jobs', 'A asking for B sees no backfill job');
select is_empty('select * from metrics_rollup_latest', 'A asking for B sees nothing in the latest view');
select is_empty('select * from metrics_attribution_health', 'A asking for B sees nothing in the health view');
select throws_ok(
  $$insert into metrics_backfill_jobs (workspace_id, provider, channel, date_start, date_end)
    values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'sendgrid', 'email', '2025-01-01', '2025-01-02')$$,
  '42501', null, 'A cannot enqueue a job in B');

select * from finish();
rollback;
