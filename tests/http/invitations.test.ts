// Invitations through the real server, on PGlite and PostgreSQL (there prepared like Supabase,
// with Supabase Auth's users table, so the invitee is whoever holds the confirmed address). An
// attacker who owns a workspace named "0 Security Team" invites a victim as owner: nothing changes
// for the victim until they accept, the answer is the same for any address, and the victim's
// default workspace stays their own.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, tokenFor, type AppUnderTest } from '../helpers/app';
import { DATABASE_KINDS } from '../helpers/db';

type Json = Record<string, unknown>;

interface Person {
  id: string;
  email: string;
  token: string;
}

/** The keys of a JSON value, recursively, with the type of each leaf: its shape without its data. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v)]));
  return typeof value;
}

describe.each(DATABASE_KINDS)('invitations through the server on %s', (kind) => {
  let app: AppUnderTest;
  let limited: AppUnderTest;
  let attacker: Person;
  let victim: Person;
  let stranger: Person;
  let attackerWorkspace: string;
  let victimWorkspace: string;

  async function call(base: AppUnderTest, method: string, path: string, token: string, body?: unknown) {
    const response = await fetch(`${base.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, headers: response.headers, json: (await response.json()) as Json };
  }
  const api = (method: string, path: string, token: string, body?: unknown) => call(app, method, path, token, body);

  async function person(base: AppUnderTest, label: string, confirmed = true): Promise<Person> {
    const id = randomUUID();
    const email = `${label}-${id.slice(0, 8)}@example.com`;
    // On the Supabase-like database the address is Supabase Auth's own record, as in production.
    await base.testDb?.db.query('insert into auth.users (id, email, email_confirmed_at) values ($1, $2, $3)', [
      id,
      email.toUpperCase(),
      confirmed ? new Date().toISOString() : null,
    ]);
    return { id, email, token: await tokenFor(id, { email }) };
  }

  const workspacesOf = async (p: Person) =>
    ((await api('GET', '/api/workspaces', p.token)).json.workspaces as Json[]).map((w) => `${String(w.name)}:${String(w.role)}`);

  /** The workspace the dashboard opens for this person (the settings page names it). */
  async function dashboardWorkspace(p: Person): Promise<string> {
    const response = await fetch(`${app.url}/dashboard/settings`, { headers: { cookie: `dc_session=${p.token}` }, redirect: 'manual' });
    expect(response.status).toBe(200);
    const html = await response.text();
    const match = /data-testid="settings-workspace"[^>]*>Workspace <strong>([^<]*)<\/strong>/.exec(html);
    return match?.[1] ?? '(none)';
  }

  async function prepareSupabaseAuth(base: AppUnderTest) {
    await base.testDb?.db.exec(
      `create schema if not exists auth;
       create table if not exists auth.users (id uuid primary key, email text, email_confirmed_at timestamptz);`,
    );
  }

  beforeAll(async () => {
    app = await startApp(kind);
    limited = await startApp(kind, { METRICS_INVITATION_TTL_SECONDS: '1', METRICS_INVITATIONS_PER_HOUR: '2' });
    await prepareSupabaseAuth(app);
    await prepareSupabaseAuth(limited);
    victim = await person(app, 'victim');
    attacker = await person(app, 'attacker');
    stranger = await person(app, 'stranger');
    // The victim's own workspace comes first in time, and last by name.
    victimWorkspace = String((await api('POST', '/api/workspaces', victim.token, { name: 'Zeta Corp' })).json.workspace_id);
    attackerWorkspace = String((await api('POST', '/api/workspaces', attacker.token, { name: '0 Security Team' })).json.workspace_id);
  }, 180_000);
  afterAll(async () => {
    await app?.stop();
    await limited?.stop();
  });

  it('forced membership is impossible: an invitation, even as owner, changes nothing until the victim accepts', async () => {
    const before = await workspacesOf(victim);
    expect(before).toEqual(['Zeta Corp:owner']);
    const invited = await api('POST', `/api/workspaces/${attackerWorkspace}/members`, attacker.token, {
      email: victim.email,
      role: 'owner',
    });
    expect(invited.status).toBe(201);
    expect(invited.json.invitation).toMatchObject({ email: victim.email, role: 'owner', status: 'pending' });
    expect(invited.json).not.toHaveProperty('invited');
    expect(invited.json).not.toHaveProperty('user_id');
    // By user id, the old way, is refused outright.
    const byId = await api('POST', `/api/workspaces/${attackerWorkspace}/members`, attacker.token, { user_id: victim.id, role: 'owner' });
    expect(byId.status).toBe(400);
    // A role change is for members only: it adds nobody.
    const patched = await api('PATCH', `/api/workspaces/${attackerWorkspace}/members/${victim.id}`, attacker.token, { role: 'owner' });
    expect(patched.status).toBe(404);

    expect(await workspacesOf(victim)).toEqual(before);
    expect(await dashboardWorkspace(victim)).toBe('Zeta Corp');
    const attackersView = await api('GET', `/api/workspaces/${attackerWorkspace}/members`, attacker.token);
    expect((attackersView.json.members as Json[]).map((m) => m.user_id)).toEqual([attacker.id]);
    // Someone else cannot take the victim's invitation: unknown to them, like a made-up id.
    const id = String((invited.json.invitation as Json).invitation_id);
    const stolen = await api('POST', `/api/invitations/${id}/accept`, stranger.token);
    const madeUp = await api('POST', `/api/invitations/${randomUUID()}/accept`, stranger.token);
    expect([stolen.status, madeUp.status]).toEqual([404, 404]);
    expect(stolen.json.error).toBe(madeUp.json.error);
    expect(await workspacesOf(stranger)).toEqual([]);
  });

  it('the default workspace never follows a name others choose: the victim accepts and still opens their own', async () => {
    const received = await api('GET', '/api/invitations', victim.token);
    expect(received.status).toBe(200);
    const invitations = received.json.invitations as Json[];
    expect(invitations).toEqual([expect.objectContaining({ workspace_name: '0 Security Team', role: 'owner', invited_by: attacker.id })]);
    const accepted = await api('POST', `/api/invitations/${String(invitations[0]!.invitation_id)}/accept`, victim.token);
    expect(accepted.status).toBe(200);
    expect(accepted.json).toMatchObject({ status: 'accepted', role: 'owner', workspace_id: attackerWorkspace });
    // Alphabetically "0 Security Team" would come first; the victim joined "Zeta Corp" first.
    expect(await workspacesOf(victim)).toEqual(['Zeta Corp:owner', '0 Security Team:owner']);
    expect(await dashboardWorkspace(victim)).toBe('Zeta Corp');
    // Their explicit choice wins, and only theirs.
    expect((await api('PUT', `/api/workspaces/${attackerWorkspace}/default`, victim.token)).status).toBe(200);
    expect(await dashboardWorkspace(victim)).toBe('0 Security Team');
    expect((await api('PUT', `/api/workspaces/${victimWorkspace}/default`, victim.token)).status).toBe(200);
    expect(await dashboardWorkspace(victim)).toBe('Zeta Corp');
    expect((await api('PUT', `/api/workspaces/${victimWorkspace}/default`, attacker.token)).status).toBe(403);
    expect(await dashboardWorkspace(attacker)).toBe('0 Security Team');
  });

  it('no account oracle: inviting an address with an account and one without answers alike', async () => {
    const unknownEmail = `nobody-${randomUUID().slice(0, 8)}@example.com`;
    const answers = [];
    for (const email of [stranger.email, unknownEmail]) {
      answers.push(await api('POST', `/api/workspaces/${attackerWorkspace}/invitations`, attacker.token, { email, role: 'viewer' }));
    }
    const [known, unknown] = answers as [Awaited<ReturnType<typeof api>>, Awaited<ReturnType<typeof api>>];
    expect([known.status, unknown.status]).toEqual([201, 201]);
    expect(shapeOf(known.json)).toEqual(shapeOf(unknown.json));
    const strip = (json: Json) => {
      const { invitation_id: _id, email: _email, created_at: _c, expires_at: _e, ...rest } = json.invitation as Json;
      return rest;
    };
    expect(strip(known.json)).toEqual(strip(unknown.json));
    expect(known.headers.get('content-type')).toBe(unknown.headers.get('content-type'));
    // The admin sees both pending, by address only.
    const pending = await api('GET', `/api/workspaces/${attackerWorkspace}/invitations`, attacker.token);
    expect((pending.json.invitations as Json[]).map((i) => i.email)).toEqual(expect.arrayContaining([stranger.email, unknownEmail]));
    expect(await workspacesOf(stranger)).toEqual([]);
  });

  it('decline and revoke add nobody; a revoked invitation answers 410, an answered one 409', async () => {
    const declinedBy = await person(app, 'decliner');
    const first = await api('POST', `/api/workspaces/${victimWorkspace}/invitations`, victim.token, {
      email: declinedBy.email,
      role: 'member',
    });
    const firstId = String((first.json.invitation as Json).invitation_id);
    expect((await api('POST', `/api/invitations/${firstId}/decline`, declinedBy.token)).json).toMatchObject({ status: 'declined' });
    expect((await api('POST', `/api/invitations/${firstId}/accept`, declinedBy.token)).status).toBe(409);
    expect(await workspacesOf(declinedBy)).toEqual([]);

    const second = await api('POST', `/api/workspaces/${victimWorkspace}/invitations`, victim.token, {
      email: declinedBy.email,
      role: 'member',
    });
    const secondId = String((second.json.invitation as Json).invitation_id);
    // Revoking is for the workspace's admins: the invitee's own token is refused.
    expect((await api('DELETE', `/api/workspaces/${victimWorkspace}/invitations/${secondId}`, declinedBy.token)).status).toBe(403);
    const revoked = await api('DELETE', `/api/workspaces/${victimWorkspace}/invitations/${secondId}`, victim.token);
    expect(revoked.status).toBe(200);
    expect((await api('DELETE', `/api/workspaces/${victimWorkspace}/invitations/${secondId}`, victim.token)).status).toBe(404);
    const late = await api('POST', `/api/invitations/${secondId}/accept`, declinedBy.token);
    expect(late.status).toBe(410);
    expect(late.json).toMatchObject({ status: 'revoked' });
    expect(await workspacesOf(declinedBy)).toEqual([]);
    expect((await api('GET', '/api/invitations', declinedBy.token)).json.invitations).toEqual([]);
  });

  it('only admins see and send invitations; the invitee needs a verified address', async () => {
    const viewer = await person(app, 'viewer');
    const invitation = await api('POST', `/api/workspaces/${victimWorkspace}/invitations`, victim.token, {
      email: viewer.email,
      role: 'viewer',
    });
    expect(
      (await api('POST', `/api/invitations/${String((invitation.json.invitation as Json).invitation_id)}/accept`, viewer.token)).status,
    ).toBe(200);
    expect((await api('GET', `/api/workspaces/${victimWorkspace}/invitations`, viewer.token)).status).toBe(403);
    expect(
      (await api('POST', `/api/workspaces/${victimWorkspace}/invitations`, viewer.token, { email: 'x@example.com', role: 'viewer' }))
        .status,
    ).toBe(403);
    expect(
      (await api('POST', `/api/workspaces/${victimWorkspace}/invitations`, victim.token, { email: 'not an address', role: 'viewer' }))
        .status,
    ).toBe(400);
    // A token without an email address cannot answer anything.
    const anonymous = await tokenFor(randomUUID());
    expect((await api('POST', `/api/invitations/${randomUUID()}/accept`, anonymous)).status).toBe(403);
    expect((await api('GET', '/api/invitations', anonymous)).json.invitations).toEqual([]);
    expect((await api('POST', `/api/invitations/${randomUUID()}/maybe`, viewer.token)).status).toBe(400);
  });

  it.runIf(kind === 'postgres')('on Supabase an unconfirmed address is not the invitee, whatever the token says', async () => {
    const unconfirmed = await person(app, 'unconfirmed', false);
    const invitation = await api('POST', `/api/workspaces/${victimWorkspace}/invitations`, victim.token, {
      email: unconfirmed.email,
      role: 'admin',
    });
    expect(invitation.status).toBe(201);
    expect((await api('GET', '/api/invitations', unconfirmed.token)).json.invitations).toEqual([]);
    const answer = await api(
      'POST',
      `/api/invitations/${String((invitation.json.invitation as Json).invitation_id)}/accept`,
      unconfirmed.token,
    );
    expect(answer.status).toBe(403);
    expect(await workspacesOf(unconfirmed)).toEqual([]);
  });

  it('invitations expire (410) and a workspace sends at most METRICS_INVITATIONS_PER_HOUR an hour (429)', async () => {
    const owner = await person(limited, 'owner');
    const invitee = await person(limited, 'invitee');
    const created = await call(limited, 'POST', '/api/workspaces', owner.token, { name: 'Limited' });
    const workspace = String(created.json.workspace_id);
    const first = await call(limited, 'POST', `/api/workspaces/${workspace}/invitations`, owner.token, {
      email: invitee.email,
      role: 'viewer',
    });
    expect(first.status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const expired = await call(
      limited,
      'POST',
      `/api/invitations/${String((first.json.invitation as Json).invitation_id)}/accept`,
      invitee.token,
    );
    expect(expired.status).toBe(410);
    expect(expired.json).toMatchObject({ status: 'expired' });
    expect((await call(limited, 'GET', '/api/workspaces', invitee.token)).json.workspaces).toEqual([]);

    expect(
      (await call(limited, 'POST', `/api/workspaces/${workspace}/invitations`, owner.token, { email: 'b@example.com', role: 'viewer' }))
        .status,
    ).toBe(201);
    const refused = await call(limited, 'POST', `/api/workspaces/${workspace}/invitations`, owner.token, {
      email: 'c@example.com',
      role: 'viewer',
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3000);
    const listed = await call(limited, 'GET', `/api/workspaces/${workspace}/invitations`, owner.token);
    expect((listed.json.invitations as Json[]).map((i) => i.email)).toEqual(['b@example.com']);
  });
});
