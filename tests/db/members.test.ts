// Members by email: found in Supabase Auth's users table when the database is a Supabase one,
// invited through Supabase Auth's admin API (a local stand-in speaking its format) otherwise; and
// the ownership rules the database keeps whatever the caller.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  createWorkspace,
  findUserIdByEmail,
  removeMember,
  setMemberRole,
} from '../../src/lib/decision-circuits/metrics/metrics-members';
import { DomainError, InsufficientRoleError } from '../../src/lib/decision-circuits/metrics/metrics-errors';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';

const SERVICE_KEY = 'service-role-key-for-tests';

/** Supabase Auth's POST /auth/v1/invite: service-role key as apikey and bearer, answers the new user. */
function startAuthStandIn(): Promise<{ server: Server; url: string; invites: string[] }> {
  const invites: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const authorized = request.headers.apikey === SERVICE_KEY && request.headers.authorization === `Bearer ${SERVICE_KEY}`;
      if (request.method !== 'POST' || request.url !== '/auth/v1/invite' || !authorized) {
        response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 401, msg: 'Invalid API key' }));
        return;
      }
      const { email } = JSON.parse(body) as { email: string };
      invites.push(email);
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(
          JSON.stringify({ id: randomUUID(), aud: 'authenticated', role: 'authenticated', email, invited_at: new Date().toISOString() }),
        );
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, invites })),
  );
}

describe.each(DATABASE_KINDS)('workspace members on %s', (kind) => {
  let t: TestDatabase;
  let auth: Awaited<ReturnType<typeof startAuthStandIn>>;
  let owner: string;
  let workspace: string;
  const known = { id: randomUUID(), email: 'Ann.Known@Example.com' };
  const env = () => ({ SUPABASE_URL: auth.url, SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY });
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
    auth = await startAuthStandIn();
    owner = randomUUID();
    workspace = (await createWorkspace(owner, 'Acme', { db: t.db })).workspace_id;
  });
  afterAll(async () => {
    auth?.server.close();
    await t?.drop();
  });

  it('without Supabase Auth, an email cannot be resolved: the answer asks for a user id', async () => {
    expect(await findUserIdByEmail(known.email, { db: t.db })).toBeNull();
    await expect(addMember(owner, workspace, { email: 'nobody@example.com', role: 'viewer' }, { db: t.db, env: {} })).rejects.toThrow(
      /add the member by user_id/,
    );
  });

  it('on a Supabase database an existing user is found by email (any case); anyone else is invited', async () => {
    // What a Supabase project has: Supabase Auth's users table.
    await t.db.exec(`create schema if not exists auth; create table if not exists auth.users (id uuid primary key, email text);`);
    await t.db.query('insert into auth.users (id, email) values ($1, $2)', [known.id, known.email]);
    expect(await addMember(owner, workspace, { email: 'ann.known@example.com', role: 'member' }, { db: t.db, env: env() })).toEqual({
      user_id: known.id,
      role: 'member',
      invited: false,
    });
    const invited = await addMember(owner, workspace, { email: 'new.person@example.com', role: 'viewer' }, { db: t.db, env: env() });
    expect(invited).toMatchObject({ role: 'viewer', invited: true });
    expect(auth.invites).toEqual(['new.person@example.com']);
    expect(await members()).toEqual([`member:${known.id}`, `owner:${owner}`, `viewer:${invited.user_id}`].sort());
  });

  it('keeps at least one owner, and only owners touch ownership', async () => {
    const admin = randomUUID();
    await setMemberRole(owner, workspace, admin, 'admin', { db: t.db });
    await expect(setMemberRole(owner, workspace, owner, 'admin', { db: t.db })).rejects.toMatchObject({ code: 'conflict' });
    await expect(removeMember(owner, workspace, owner, { db: t.db })).rejects.toBeInstanceOf(DomainError);
    await expect(setMemberRole(admin, workspace, randomUUID(), 'owner', { db: t.db })).rejects.toBeInstanceOf(InsufficientRoleError);
    await expect(removeMember(admin, workspace, owner, { db: t.db })).rejects.toBeInstanceOf(InsufficientRoleError);
    // A second owner makes the first one free to step down.
    const second = randomUUID();
    await setMemberRole(owner, workspace, second, 'owner', { db: t.db });
    await setMemberRole(second, workspace, owner, 'admin', { db: t.db });
    expect(await members()).toContain(`admin:${owner}`);
    expect(await members()).toContain(`owner:${second}`);
  });
});
