// The app under test: the real server on PGlite (it seeds itself) or on a fresh PostgreSQL
// database seeded with supabase/seed.sql. Both start with the same two seeded workspaces.
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { seedDevWorkspace, DEV_USER_ID, DEV_WORKSPACE_ID, OTHER_USER_ID, OTHER_WORKSPACE_ID, type DatabaseKind } from '../../src/lib/db';
import { mintAccessToken } from '../../tooling/auth/tokens';
import { createTestDatabase, type TestDatabase } from './db';
import { startServer, TEST_SECRETS, type TestServer } from './server';

export { DEV_USER_ID, DEV_WORKSPACE_ID, OTHER_USER_ID, OTHER_WORKSPACE_ID, TEST_SECRETS };

export interface AppUnderTest {
  kind: DatabaseKind;
  server: TestServer;
  url: string;
  /** Direct access to the server's database (postgres only: PGlite cannot be shared between processes). */
  testDb: TestDatabase | null;
  stop(): Promise<void>;
}

export async function startApp(kind: DatabaseKind, env: Record<string, string> = {}): Promise<AppUnderTest> {
  let testDb: TestDatabase | null = null;
  if (kind === 'postgres') {
    testDb = await createTestDatabase('postgres');
    await seedDevWorkspace(testDb.db);
  }
  // The seeded workspace is the single workspace, so the release notes' ?workspace_id= form works
  // for every provider there; tests of multi-tenant routing use workspaces of their own.
  const server = await startServer(
    {
      METRICS_SINGLE_WORKSPACE_ID: DEV_WORKSPACE_ID,
      ...(testDb?.url ? { DATABASE_URL: testDb.url } : {}),
      ...env,
    },
    // The embedded server starts on a copy of the run's migrated cluster (it still checks every
    // migration and seeds itself, as on a first start).
    { pgliteTemplate: inject('pgliteDataDir') || undefined },
  );
  return {
    kind,
    server,
    url: server.url,
    testDb,
    async stop() {
      await server.stop();
      await testDb?.drop();
    },
  };
}

/** An access token as Supabase would issue it, signed with the test server's JWT secret (with `email`, the signed address). */
export function tokenFor(
  userId: string,
  options: { expiresIn?: string | number; audience?: string; secret?: string; email?: string } = {},
): Promise<string> {
  const { email, ...signing } = options;
  return mintAccessToken({ sub: userId, ...(email ? { email } : {}) }, { secret: TEST_SECRETS.SUPABASE_JWT_SECRET, ...signing });
}

/**
 * Makes a new user a member the only way the API allows: an admin invites their address and they
 * accept. Answers the new member's token (it carries the invited address).
 */
export async function joinByInvitation(
  appUrl: string,
  adminToken: string,
  workspaceId: string,
  role: string,
  userId: string = randomUUID(),
): Promise<string> {
  const email = `${userId}@invitee.example.com`;
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const response = await fetch(`${appUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as { invitation?: { invitation_id: string } };
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(json)}`);
    return json;
  };
  const { invitation } = await call('POST', `/api/workspaces/${workspaceId}/invitations`, adminToken, { email, role });
  const token = await tokenFor(userId, { email });
  await call('POST', `/api/invitations/${invitation!.invitation_id}/accept`, token);
  return token;
}
