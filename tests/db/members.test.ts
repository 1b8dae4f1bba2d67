// Members: the operator's lookup of a Supabase Auth user by email (npm run member:add), and the
// ownership rules the database keeps whatever the caller.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, findUserIdByEmail, removeMember, setMemberRole } from '../../src/lib/decision-circuits/metrics/tenancy/members';
import { DomainError, InsufficientRoleError } from '../../src/lib/decision-circuits/metrics/core/errors';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';

describe.each(DATABASE_KINDS)('workspace members on %s', (kind) => {
  let t: TestDatabase;
  let owner: string;
  let workspace: string;
  const known = { id: randomUUID(), email: 'Ann.Known@Example.com' };
  const members = async () =>
    (
      await t.db.query<{ user_id: string; role: string }>('select user_id, role from workspace_members where workspace_id = $1', [
        workspace,
      ])
    )
      .map((m) => `${m.role}:${m.user_id}`)
      .sort();

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    owner = randomUUID();
    workspace = (await createWorkspace(owner, 'Acme', { db: t.db })).workspace_id;
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('finds a Supabase Auth user by email (any case) for the operator; none without Supabase Auth', async () => {
    expect(await findUserIdByEmail(known.email, { db: t.db })).toBeNull();
    // What a Supabase project has: Supabase Auth's users table.
    await t.db.exec(`create schema if not exists auth; create table if not exists auth.users (id uuid primary key, email text);`);
    await t.db.query('insert into auth.users (id, email) values ($1, $2)', [known.id, known.email]);
    expect(await findUserIdByEmail('ann.known@example.com', { db: t.db })).toBe(known.id);
    expect(await members()).toEqual([`owner:${owner}`]);
  });

  it('keeps at least one owner, and only owners touch ownership', async () => {
    const admin = randomUUID();
    const second = randomUUID();
    await t.db.query('insert into workspace_members (workspace_id, user_id, role) values ($1, $2, $3), ($1, $4, $5)', [
      workspace,
      admin,
      'viewer',
      second,
      'viewer',
    ]);
    await setMemberRole(owner, workspace, admin, 'admin', { db: t.db });
    await expect(setMemberRole(owner, workspace, owner, 'admin', { db: t.db })).rejects.toMatchObject({ code: 'conflict' });
    await expect(removeMember(owner, workspace, owner, { db: t.db })).rejects.toBeInstanceOf(DomainError);
    await expect(setMemberRole(admin, workspace, randomUUID(), 'owner', { db: t.db })).rejects.toBeInstanceOf(InsufficientRoleError);
    await expect(removeMember(admin, workspace, owner, { db: t.db })).rejects.toBeInstanceOf(InsufficientRoleError);
    // A second owner makes the first one free to step down.
    await setMemberRole(owner, workspace, second, 'owner', { db: t.db });
    await setMemberRole(second, workspace, owner, 'admin', { db: t.db });
    expect(await members()).toContain(`admin:${owner}`);
    expect(await members()).toContain(`owner:${second}`);
  });
});
