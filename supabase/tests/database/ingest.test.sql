-- pgTAP: the ingest function is idempotent and attributes through mappings.
begin;
select plan(9);

insert into workspaces (id, name) values ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'C');

select lives_ok($$
  select * from metrics_upsert_attribution('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'sendgrid', 'msg-1', 'circuit-1',
    null, null, 'email', 'sendgrid', null, null)
$$, 'a mapping registers');

create temp table batch as select $json$[
  {"provider_event_id":"e1","provider_object_id":"msg-1","event_type":"email_delivered","provider_event_type":"delivered","channel":"email","occurred_at":"2025-01-01T10:05:00Z","quantity":1,"raw_payload":{}},
  {"provider_event_id":"e2","provider_object_id":"msg-1","event_type":"email_open","provider_event_type":"open","channel":"email","occurred_at":"2025-01-01T10:06:00Z","quantity":1,"raw_payload":{}},
  {"provider_event_id":"e3","provider_object_id":"msg-2","event_type":"email_open","provider_event_type":"open","channel":"email","occurred_at":"2025-01-01T10:07:00Z","quantity":1,"raw_payload":{}}
]$json$::jsonb as events;

select results_eq(
  $$select outcome, count(*)::int from metrics_ingest_events('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'sendgrid', (select events from batch), true) group by 1 order by 1$$,
  $$values ('applied', 2), ('pending', 1)$$,
  'first delivery: mapped events applied, unknown object pending');
select results_eq(
  $$select outcome, count(*)::int from metrics_ingest_events('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'sendgrid', (select events from batch), true) group by 1 order by 1$$,
  $$values ('duplicate', 3)$$,
  'the retried delivery is all duplicates');
select results_eq(
  $$select email_delivered, email_opened, open_rate from metrics_rollups where workspace_id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc'$$,
  $$values (1::bigint, 1::bigint, 100.00::numeric)$$,
  'counts and rate after two deliveries equal one delivery');
select is(
  (select status from metrics_attribution_map where provider_object_id = 'msg-2'), 'unmapped',
  'the unknown object got an unmapped row');
select is(
  (select applied_events from metrics_upsert_attribution('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'sendgrid', 'msg-2', 'circuit-1',
    null, null, 'email', 'sendgrid', null, null)), 1,
  'a late mapping applies the waiting event at once');
select throws_ok(
  $$select * from metrics_ingest_events('dddddddd-dddd-4ddd-8ddd-dddddddddddd', 'sendgrid', '[]'::jsonb, true)$$,
  'P0002', null, 'an unknown workspace is refused');

-- service_role holds execute on the ingest and attribution functions; they run as their caller,
-- so it must also be able to run the helpers they call.
set local role service_role;
select results_eq(
  $$select outcome from metrics_ingest_events('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'sendgrid',
    '[{"provider_event_id":"e4","provider_object_id":"msg-3","event_type":"email_open","provider_event_type":"open","channel":"email","occurred_at":"2025-01-01T10:08:00Z","quantity":1,"raw_payload":{},"attribution":{"circuit_execution_id":"circuit-2","ab_test_id":null,"variant_id":null}}]'::jsonb, true)$$,
  $$values ('applied')$$,
  'service_role can ingest a self-attributed event');
select is(
  (select applied_events from metrics_upsert_attribution('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'sendgrid', 'msg-4', 'circuit-1',
    null, null, 'email', 'sendgrid', null, null)), 0,
  'service_role can register a mapping');
reset role;

select * from finish();
rollback;
