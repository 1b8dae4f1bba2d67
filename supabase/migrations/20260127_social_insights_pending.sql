-- An account's insights count as fetched only once a run has read every post of it that was due.
-- A run that stops at its time budget (or a claim batch boundary, or a failure) part-way through
-- an account leaves the unread posts due; the account's last_fetched_at must not move for them.

-- How many of an account's polling posts are still waiting for this run: due by p_due_at (the
-- later of the database's clock and the poll's, since the poll releases unread posts at its own
-- time) and not read since p_run_started_at (the poll's clock, as it stamps its readings).
-- Posts another run holds under its lease are not due, so two runs at once never wait on each other.
create or replace function metrics_social_insight_account_pending(
  p_workspace_id uuid, p_provider text, p_run_started_at timestamptz, p_due_at timestamptz)
returns int
language sql
stable
set search_path = public, pg_temp
as $$
  select count(*)::int
  from metrics_social_insight_posts p
  where p.workspace_id = p_workspace_id and p.provider = p_provider and p.state = 'polling'
    and p.next_poll_at <= greatest(now(), p_due_at)
    and (p.last_polled_at is null or p.last_polled_at < p_run_started_at)
$$;

revoke all on function metrics_social_insight_account_pending(uuid, text, timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function metrics_social_insight_account_pending(uuid, text, timestamptz, timestamptz) to service_role;
