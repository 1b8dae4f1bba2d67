-- Development seed: used by `supabase db reset` and by the embedded database on first open.
-- Two workspaces with one member each, so tenant isolation can be seen (and tested) locally.
insert into workspaces (id, name) values
  ('00000000-0000-4000-8000-00000000d001', 'Dev workspace'),
  ('00000000-0000-4000-8000-00000000d002', 'Other workspace')
on conflict (id) do nothing;

insert into workspace_members (workspace_id, user_id, role) values
  ('00000000-0000-4000-8000-00000000d001', '00000000-0000-4000-8000-00000000e001', 'owner'),
  ('00000000-0000-4000-8000-00000000d002', '00000000-0000-4000-8000-00000000e002', 'owner')
on conflict (workspace_id, user_id) do nothing;
