// Invitations in the database: nobody becomes a member without accepting, the invitee is whoever
// holds the verified address (Supabase Auth's confirmed email on a Supabase database), the hourly
// limit and the TTL hold whatever the caller, and a member's token with PostgREST (SQL as
// `authenticated`) can neither forge, accept nor read someone else's invitation.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withUserContext } from '../../src/lib/db';
import {
  answerInvitation,
  createInvitation,
  listPendingInvitations,
  listReceivedInvitations,
  revokeInvitation,
} from '../../src/lib/decision-circuits/metrics/tenancy/invitations';
import { createWorkspace, setMemberRole } from '../../src/lib/decision-circuits/metrics/tenancy/members';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';

const PREPARATIONS = [
  { name: 'a plain database', supabaseLike: false },
  { name: 'a Supabase-like database', supabaseLike: true },
] as const;

describe.each(DATABASE_KINDS.flatMap((kind) => PREPARATIONS.map((prep) => ({ kind, ...prep }))))(
  'workspace invitations on $kind, $name',
  ({ kind, supabaseLike }) => {
    let t: TestDatabase;
    let owner: string;
    let workspace: string;
    const env = { METRICS_INVITATIONS_PER_HOUR: '50', METRICS_INVITATION_TTL_SECONDS: '3600' };
    const victim = { id: randomUUID(), email: 'victim@example.com' };
    const attacker = { id: randomUUID(), email: 'attacker@example.com' };

    const memberships = async (userId: string) =>
      (
        await t.db.query<{ workspace_id: string; role: string }>(
          'select workspace_id, role from workspace_members where user_id = $1 order by workspace_id',
          [userId],
        )
      ).map((m) => `${m.role}:${m.workspace_id}`);
    const state = async () =>
      (
        await t.db.query<{ s: string }>(
          `select concat_ws('|',
             (select string_agg(workspace_id || ':' || user_id || ':' || role, ',' order by workspace_id, user_id) from workspace_members),
             (select string_agg(id || ':' || status || ':' || role || ':' || email, ',' order by id) from metrics_workspace_invitations)) as s`,
        )
      )[0]!.s;
    const claims = (user: { id: string; email: string }) => ({
      sub: user.id,
      email: user.email,
      role: 'authenticated',
      aud: 'authenticated',
    });

    beforeAll(async () => {
      t = await createTestDatabase(kind, { supabaseLike });
      owner = randomUUID();
      workspace = (await createWorkspace(owner, '0 Security Team', { db: t.db })).workspace_id;
      if (supabaseLike) {
        // What a Supabase project has: Supabase Auth's users, confirmed or not.
        await t.db.exec(
          `create schema if not exists auth;
           create table if not exists auth.users (id uuid primary key, email text, email_confirmed_at timestamptz);`,
        );
        await t.db.query('insert into auth.users (id, email, email_confirmed_at) values ($1, $2, now()), ($3, $4, now())', [
          victim.id,
          'Victim@Example.com',
          attacker.id,
          attacker.email,
        ]);
      }
    });
    afterAll(async () => {
      await t?.drop();
    });

    it('an invitation adds nobody; only the invitee accepting does, with the invited role', async () => {
      const invitation = await createInvitation(owner, workspace, { email: 'victim@example.com', role: 'owner' }, { db: t.db, env });
      expect(invitation).toMatchObject({ email: 'victim@example.com', role: 'owner', status: 'pending', invited_by: owner });
      expect(await memberships(victim.id)).toEqual([]);
      // Another signed-in user cannot take it: it is unknown to them, exactly like a made-up id.
      await expect(answerInvitation(attacker.id, attacker.email, invitation.invitation_id, 'accept', { db: t.db })).rejects.toMatchObject({
        code: 'not_found',
      });
      expect(await memberships(attacker.id)).toEqual([]);
      expect(await listReceivedInvitations(victim.id, victim.email, { db: t.db })).toEqual([
        expect.objectContaining({ invitation_id: invitation.invitation_id, workspace_name: '0 Security Team', role: 'owner' }),
      ]);
      expect(await answerInvitation(victim.id, victim.email, invitation.invitation_id, 'accept', { db: t.db })).toMatchObject({
        status: 'accepted',
        role: 'owner',
      });
      expect(await memberships(victim.id)).toEqual([`owner:${workspace}`]);
      await expect(answerInvitation(victim.id, victim.email, invitation.invitation_id, 'decline', { db: t.db })).rejects.toMatchObject({
        code: 'conflict',
      });
    });

    it.runIf(supabaseLike)("on Supabase the address is Supabase Auth's confirmed one, whatever the token claims", async () => {
      const unconfirmed = randomUUID();
      await t.db.query('insert into auth.users (id, email, email_confirmed_at) values ($1, $2, null)', [unconfirmed, 'new@example.com']);
      const invitation = await createInvitation(owner, workspace, { email: 'new@example.com', role: 'viewer' }, { db: t.db, env });
      expect(await listReceivedInvitations(unconfirmed, 'new@example.com', { db: t.db })).toEqual([]);
      await expect(
        answerInvitation(unconfirmed, 'new@example.com', invitation.invitation_id, 'accept', { db: t.db }),
      ).rejects.toMatchObject({
        code: 'forbidden',
      });
      // A token claiming an address its account does not hold gets nothing either.
      await expect(
        answerInvitation(attacker.id, 'new@example.com', invitation.invitation_id, 'accept', { db: t.db }),
      ).rejects.toMatchObject({
        code: 'not_found',
      });
      expect(await memberships(unconfirmed)).toEqual([]);
    });

    it('declined, revoked and expired invitations add nobody; expiry answers gone', async () => {
      const person = { id: randomUUID(), email: `p-${randomUUID().slice(0, 8)}@example.com` };
      if (supabaseLike)
        await t.db.query('insert into auth.users (id, email, email_confirmed_at) values ($1, $2, now())', [person.id, person.email]);
      const declined = await createInvitation(owner, workspace, { email: person.email, role: 'member' }, { db: t.db, env });
      expect((await answerInvitation(person.id, person.email, declined.invitation_id, 'decline', { db: t.db })).status).toBe('declined');
      const revoked = await createInvitation(owner, workspace, { email: person.email, role: 'member' }, { db: t.db, env });
      expect(await revokeInvitation(owner, workspace, revoked.invitation_id, { db: t.db })).toBe(true);
      expect(await revokeInvitation(owner, workspace, revoked.invitation_id, { db: t.db })).toBe(false);
      await expect(answerInvitation(person.id, person.email, revoked.invitation_id, 'accept', { db: t.db })).rejects.toMatchObject({
        code: 'gone',
        context: { status: 'revoked' },
      });
      const expiring = await createInvitation(
        owner,
        workspace,
        { email: person.email, role: 'member' },
        { db: t.db, env: { ...env, METRICS_INVITATION_TTL_SECONDS: '1' } },
      );
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(await listReceivedInvitations(person.id, person.email, { db: t.db })).toEqual([]);
      await expect(answerInvitation(person.id, person.email, expiring.invitation_id, 'accept', { db: t.db })).rejects.toMatchObject({
        code: 'gone',
        context: { status: 'expired' },
      });
      const [row] = await t.db.query<{ status: string }>('select status from metrics_workspace_invitations where id = $1', [
        expiring.invitation_id,
      ]);
      expect(row?.status).toBe('expired');
      expect(await memberships(person.id)).toEqual([]);
    });

    it('only admins invite, only owners invite owners, and the hourly limit holds', async () => {
      const admin = randomUUID();
      const inviteeEmail = `admin-${randomUUID().slice(0, 8)}@example.com`;
      if (supabaseLike)
        await t.db.query('insert into auth.users (id, email, email_confirmed_at) values ($1, $2, now())', [admin, inviteeEmail]);
      const toAdmin = await createInvitation(owner, workspace, { email: inviteeEmail, role: 'admin' }, { db: t.db, env });
      await answerInvitation(admin, inviteeEmail, toAdmin.invitation_id, 'accept', { db: t.db });
      await expect(createInvitation(admin, workspace, { email: 'x@example.com', role: 'owner' }, { db: t.db, env })).rejects.toMatchObject({
        code: 'insufficient_role',
      });
      await expect(
        createInvitation(randomUUID(), workspace, { email: 'x@example.com', role: 'viewer' }, { db: t.db, env }),
      ).rejects.toMatchObject({
        code: 'insufficient_role',
      });
      // A role change is for members only: it no longer adds anyone.
      await expect(setMemberRole(owner, workspace, randomUUID(), 'viewer', { db: t.db })).rejects.toMatchObject({ code: 'not_found' });

      const other = (await createWorkspace(owner, 'Limited', { db: t.db })).workspace_id;
      const limited = { ...env, METRICS_INVITATIONS_PER_HOUR: '3' };
      const answers = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          createInvitation(owner, other, { email: `n${i}@example.com`, role: 'viewer' }, { db: t.db, env: limited }),
        ),
      );
      expect(answers.filter((a) => a.status === 'fulfilled')).toHaveLength(3);
      const refusals = answers.flatMap((a) =>
        a.status === 'rejected' ? [a.reason as { code: string; hints: Record<string, string> }] : [],
      );
      expect(refusals).toHaveLength(3);
      for (const refusal of refusals) {
        expect(refusal.code).toBe('too_many_requests');
        expect(Number(refusal.hints['retry-after'])).toBeGreaterThan(3500);
      }
      const [count] = await t.db.query<{ n: number }>(
        'select count(*)::int as n from metrics_workspace_invitations where workspace_id = $1',
        [other],
      );
      expect(count?.n).toBe(3);
    });

    it('RLS: admins and the invitee read an invitation; a member and a stranger do not', async () => {
      const member = randomUUID();
      await t.db.query('insert into workspace_members (workspace_id, user_id, role) values ($1, $2, $3)', [workspace, member, 'member']);
      const invitation = await createInvitation(owner, workspace, { email: 'reader@example.com', role: 'viewer' }, { db: t.db, env });
      const seenBy = async (who: Record<string, unknown>, workspaceId: string) =>
        (
          await withUserContext(t.db, { claims: who, workspaceId }, (q) =>
            q.query<{ id: string }>('select id from metrics_workspace_invitations where id = $1', [invitation.invitation_id]),
          )
        ).length;
      expect(await seenBy({ sub: owner, role: 'authenticated' }, workspace)).toBe(1);
      expect(await seenBy({ sub: member, role: 'authenticated' }, workspace)).toBe(0);
      expect(await seenBy(claims({ id: randomUUID(), email: 'reader@example.com' }), '')).toBe(1);
      expect(await seenBy(claims(attacker), workspace)).toBe(0);
      expect(await listPendingInvitations(workspace, { claims: { sub: member, role: 'authenticated' }, db: t.db })).toEqual([]);
    });

    it('a member with PostgREST can neither forge, accept nor rewrite an invitation', async () => {
      const invitation = await createInvitation(owner, workspace, { email: victim.email, role: 'admin' }, { db: t.db, env });
      const member = randomUUID();
      await t.db.query('insert into workspace_members (workspace_id, user_id, role) values ($1, $2, $3)', [workspace, member, 'member']);
      const ws = `'${workspace}'::uuid`;
      const id = `'${invitation.invitation_id}'::uuid`;
      const attacks: Record<string, string> = {
        'insert an invitation': `insert into metrics_workspace_invitations (workspace_id, email, role, invited_by, expires_at) values (${ws}, 'attacker@example.com', 'owner', gen_random_uuid(), now() + interval '1 day')`,
        'mark an invitation accepted': `update metrics_workspace_invitations set status = 'accepted', email = 'attacker@example.com' where id = ${id}`,
        'delete an invitation': `delete from metrics_workspace_invitations where id = ${id}`,
        'accept by function': `select * from metrics_invitation_respond('${attacker.id}'::uuid, '${victim.email}', ${id}, true)`,
        'invite by function': `select * from metrics_invitation_create('${member}'::uuid, ${ws}, 'attacker@example.com', 'owner', 3600, 50)`,
        'revoke by function': `select metrics_invitation_revoke('${owner}'::uuid, ${ws}, ${id})`,
        'read a verified email': `select metrics_verified_email('${victim.id}'::uuid, null)`,
        'list the victim invitations': `select * from metrics_invitations_for_invitee('${victim.id}'::uuid, '${victim.email}')`,
        'become the default workspace': `select metrics_workspace_set_default('${victim.id}'::uuid, ${ws})`,
        'add a member by role change': `select metrics_member_set_role('${owner}'::uuid, ${ws}, '${attacker.id}'::uuid, 'owner')`,
        'join directly': `insert into workspace_members (workspace_id, user_id, role) values (${ws}, '${attacker.id}'::uuid, 'owner')`,
      };
      const before = await state();
      for (const [attack, sql] of Object.entries(attacks)) {
        for (const who of [{ sub: member, email: 'member@example.com', role: 'authenticated' }, claims(attacker)]) {
          const outcome = await withUserContext(t.db, { claims: who, workspaceId: workspace }, (q) => q.query(sql)).then(
            () => 'allowed',
            (error: unknown) => String((error as { code?: unknown }).code ?? error),
          );
          expect.soft(outcome, attack).toBe('42501');
        }
      }
      expect(await state()).toBe(before);
      expect(await memberships(attacker.id)).toEqual([]);
    });
  },
);
