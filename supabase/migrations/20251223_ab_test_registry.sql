-- The A/B test registry: names, the primary metric, the variants with their names, the control
-- and the traffic weights. Rollups key on UUIDs only; without this the dashboard could only call
-- variants "A" and "B" by sorted UUID (which labelled a campaign's B as A) and could not check
-- the split (sample ratio mismatch) against what was intended.

create table if not exists metrics_ab_tests (
  workspace_id uuid not null references workspaces(id),
  ab_test_id uuid not null,
  name text not null check (length(name) between 1 and 200),
  primary_metric text not null check (primary_metric in (
    'unique_open_rate', 'unique_click_rate', 'delivery_rate', 'social_engagement_rate', 'social_click_rate')),
  started_at timestamptz not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (workspace_id, ab_test_id)
);

create table if not exists metrics_ab_test_variants (
  workspace_id uuid not null,
  ab_test_id uuid not null,
  variant_id uuid not null,
  name text not null check (length(name) between 1 and 200),
  is_control boolean not null default false,
  weight numeric not null check (weight > 0 and weight <= 1000000),
  primary key (workspace_id, ab_test_id, variant_id),
  foreign key (workspace_id, ab_test_id) references metrics_ab_tests (workspace_id, ab_test_id) on delete cascade
);

-- At most one control per test (the function below also requires exactly one).
create unique index if not exists idx_metrics_ab_test_variants_one_control
  on metrics_ab_test_variants (workspace_id, ab_test_id) where is_control;

alter table metrics_ab_tests enable row level security;
alter table metrics_ab_test_variants enable row level security;

drop policy if exists "metrics_ab_tests_member_read" on metrics_ab_tests;
create policy "metrics_ab_tests_member_read" on metrics_ab_tests
  for select to authenticated using (workspace_id = (select get_current_workspace_id()));
drop policy if exists "metrics_ab_test_variants_member_read" on metrics_ab_test_variants;
create policy "metrics_ab_test_variants_member_read" on metrics_ab_test_variants
  for select to authenticated using (workspace_id = (select get_current_workspace_id()));

-- The role of the caller in the workspace the request acts in (NULL for a non-member), for the
-- routes that need more than membership. Security definer for the same reason as
-- get_current_workspace_id: it reads workspace_members under RLS.
create or replace function get_current_workspace_role()
returns text
language sql
stable
security definer
set search_path = public, pg_temp
as $$
  select m.role from workspace_members m
  where m.workspace_id = get_current_workspace_id() and m.user_id = current_user_id()
$$;

-- Registers (or replaces) a test definition whole: the test row, then exactly the variants given.
-- p_variants: [{variant_id, name, is_control, weight}], validated by the API and checked again here.
create or replace function metrics_register_ab_test(
  p_workspace_id uuid,
  p_ab_test_id uuid,
  p_name text,
  p_primary_metric text,
  p_started_at timestamptz,
  p_variants jsonb
)
returns void
language plpgsql
set search_path = public, pg_temp
as $$
begin
  if jsonb_typeof(p_variants) is distinct from 'array' or jsonb_array_length(p_variants) < 2 then
    raise exception 'a test needs at least two variants' using errcode = '22023';
  end if;
  if (select count(*) from jsonb_array_elements(p_variants) v where (v ->> 'is_control')::boolean) <> 1 then
    raise exception 'exactly one variant must be the control' using errcode = '22023';
  end if;
  if not exists (select 1 from workspaces w where w.id = p_workspace_id) then
    raise exception 'unknown workspace %', p_workspace_id using errcode = 'P0002';
  end if;

  insert into metrics_ab_tests as t (workspace_id, ab_test_id, name, primary_metric, started_at)
  values (p_workspace_id, p_ab_test_id, p_name, p_primary_metric, p_started_at)
  on conflict (workspace_id, ab_test_id) do update
     set name = excluded.name, primary_metric = excluded.primary_metric,
         started_at = excluded.started_at, updated_at = now();

  delete from metrics_ab_test_variants v
   where v.workspace_id = p_workspace_id and v.ab_test_id = p_ab_test_id
     and v.variant_id not in (select (x ->> 'variant_id')::uuid from jsonb_array_elements(p_variants) x);
  -- The old control may be another variant: clear it first so the one-control index holds.
  update metrics_ab_test_variants v set is_control = false
   where v.workspace_id = p_workspace_id and v.ab_test_id = p_ab_test_id and v.is_control;
  insert into metrics_ab_test_variants as v (workspace_id, ab_test_id, variant_id, name, is_control, weight)
  select p_workspace_id, p_ab_test_id, (x ->> 'variant_id')::uuid, x ->> 'name', (x ->> 'is_control')::boolean,
         (x ->> 'weight')::numeric
  from jsonb_array_elements(p_variants) x
  on conflict (workspace_id, ab_test_id, variant_id) do update
     set name = excluded.name, is_control = excluded.is_control, weight = excluded.weight;
end
$$;

-- Client roles read (RLS picks the rows); only the service writes (see 20251219).
revoke all on metrics_ab_tests, metrics_ab_test_variants from public, anon, authenticated;
grant select on metrics_ab_tests, metrics_ab_test_variants to authenticated;
grant all on metrics_ab_tests, metrics_ab_test_variants to service_role;
revoke all on function metrics_register_ab_test(uuid, uuid, text, text, timestamptz, jsonb) from public, anon, authenticated;
grant execute on function metrics_register_ab_test(uuid, uuid, text, text, timestamptz, jsonb) to service_role;
revoke all on function get_current_workspace_role() from public, anon;
grant execute on function get_current_workspace_role() to authenticated, service_role;
