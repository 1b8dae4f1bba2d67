-- Live numbers and verdict notifications.
--
-- Pages poll a small version of what they show (GET /api/circuits/metrics/live) instead of
-- rendering again: one statement under the caller's row-level security. It reads the A/B test's
-- rollup rows (their newest updated_at), when each provider last delivered and the alert states,
-- so members may now read those two tables for their own workspace (the Operations page already
-- shows both to every member).
--
-- A verdict change of a registered A/B test is recorded once per change as the next sequence
-- number of that test (primary key: two evaluators computing the same change insert it once) and
-- notified through the alert history and its durable deliveries, like an alert firing.

create policy "metrics_ingest_activity_member_read" on metrics_ingest_activity
  for select to authenticated using (workspace_id = (select get_current_workspace_id()));
grant select on metrics_ingest_activity to authenticated;

create policy "metrics_alert_states_member_read" on metrics_alert_states
  for select to authenticated using (workspace_id = (select get_current_workspace_id()));
grant select on metrics_alert_states to authenticated;

create table if not exists metrics_ab_test_verdicts (
  workspace_id uuid not null,
  ab_test_id uuid not null,
  -- 1 for the first verdict recorded, then one more per change.
  sequence integer not null check (sequence >= 1),
  verdict text not null check (length(verdict) between 1 and 64),
  winner_variant_id uuid,
  metric text not null check (length(metric) between 1 and 64),
  -- The alert history entry (and so the deliveries) of this change; null when not notified.
  history_id bigint references metrics_alert_history(id) on delete set null,
  decided_at timestamptz not null default now(),
  primary key (workspace_id, ab_test_id, sequence),
  foreign key (workspace_id, ab_test_id) references metrics_ab_tests(workspace_id, ab_test_id) on delete cascade
);
alter table metrics_ab_test_verdicts enable row level security;

-- Records a test's verdict if it differs from the last one recorded (verdict or winner) and, when
-- notified, adds its alert history entry. Answers one row for the evaluator that recorded the
-- change, none for a repeat or for the second of two evaluators recording the same change at
-- once (its insert waits for the first one's key, then does nothing). The first verdict of a test
-- is recorded silently when p_quiet_first (nothing has changed yet: the test is just running).
create or replace function metrics_ab_test_verdict_change(
  p_workspace_id uuid,
  p_ab_test_id uuid,
  p_verdict text,
  p_winner_variant_id uuid,
  p_metric text,
  p_summary text,
  p_quiet_first boolean
)
returns table (history_id bigint, sequence integer, previous_verdict text, previous_winner_variant_id uuid, changed_at timestamptz)
language plpgsql
set search_path = public, pg_temp
as $$
#variable_conflict use_column
declare
  last_sequence integer;
  last_verdict text;
  last_winner uuid;
  next_sequence integer;
  added integer;
  entry bigint;
begin
  select v.sequence, v.verdict, v.winner_variant_id into last_sequence, last_verdict, last_winner
    from metrics_ab_test_verdicts v
   where v.workspace_id = p_workspace_id and v.ab_test_id = p_ab_test_id
   order by v.sequence desc
   limit 1;
  if last_sequence is not null and last_verdict = p_verdict and last_winner is not distinct from p_winner_variant_id then
    return;
  end if;
  next_sequence := coalesce(last_sequence, 0) + 1;
  insert into metrics_ab_test_verdicts (workspace_id, ab_test_id, sequence, verdict, winner_variant_id, metric)
  values (p_workspace_id, p_ab_test_id, next_sequence, p_verdict, p_winner_variant_id, p_metric)
  on conflict do nothing;
  get diagnostics added = row_count;
  if added = 0 or (last_sequence is null and p_quiet_first) then
    return;
  end if;
  insert into metrics_alert_history as h (workspace_id, rule, subject, state, summary)
  values (p_workspace_id, 'ab_test_verdict', p_ab_test_id::text, 'firing', left(p_summary, 1000))
  returning h.id into entry;
  update metrics_ab_test_verdicts v set history_id = entry
   where v.workspace_id = p_workspace_id and v.ab_test_id = p_ab_test_id and v.sequence = next_sequence;
  return query select entry, next_sequence, last_verdict, last_winner, now();
end
$$;

revoke all on metrics_ab_test_verdicts from public, anon, authenticated;
grant all on metrics_ab_test_verdicts to service_role;
revoke all on function metrics_ab_test_verdict_change(uuid, uuid, text, uuid, text, text, boolean) from public, anon, authenticated;
grant execute on function metrics_ab_test_verdict_change(uuid, uuid, text, uuid, text, text, boolean) to service_role;
