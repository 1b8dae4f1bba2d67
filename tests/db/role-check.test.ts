// The role the app connects as: the documented one works end to end; a wrong one is named, not
// silently blind. Roles are cluster-wide, so each test run creates its own and drops them.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConnectionRole, createPostgresDatabase, poolModeOfUrl, withUserContext, type Database } from '../../src/lib/db';
import { ingestNormalizedEvents, upsertAttributionMap } from '../../src/lib/decision-circuits/metrics';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { addMember, claimsFor, createWorkspace, makeEvent } from '../helpers/factories';

describe('the embedded database', () => {
  it('connects as a role that can do everything the app needs', async () => {
    const t = await createTestDatabase('pglite');
    try {
      expect((await checkConnectionRole(t.db)).problems).toEqual([]);
    } finally {
      await t.drop();
    }
  });
});

/** Through the transaction pooler only the users in its auth file log in: roles are tested directly. */
const THROUGH_POOLER = poolModeOfUrl(process.env.TEST_DATABASE_URL ?? '') === 'transaction';
const POOLER_SKIP = 'the pooler logs in only the users its auth file lists; roles are tested on the direct connection';

if (DATABASE_KINDS.includes('postgres')) {
  describe.skipIf(THROUGH_POOLER)(
    `the role the app connects as, on PostgreSQL${THROUGH_POOLER ? ` (skipped: ${POOLER_SKIP})` : ''}`,
    () => {
      let t: TestDatabase;
      const suffix = randomBytes(4).toString('hex');
      const appRole = `metrics_app_${suffix}`;
      const wrongRole = `metrics_wrong_${suffix}`;
      const opened: Database[] = [];

      function connectAs(role: string): Database {
        const url = new URL(t.url!);
        url.username = role;
        const db = createPostgresDatabase(url.toString(), { max: 2 });
        opened.push(db);
        return db;
      }

      beforeAll(async () => {
        t = await createTestDatabase('postgres');
        // Exactly the statements docs/security.md ("Database role") tells a self-hoster to run.
        await t.db.exec(`
        create role ${appRole} login bypassrls;
        grant authenticated, service_role to ${appRole};
        grant usage on schema public to ${appRole};
        create role ${wrongRole} login;
        grant usage on schema public to ${wrongRole};
        grant select, insert, update, delete on all tables in schema public to ${wrongRole};`);
      });
      afterAll(async () => {
        for (const db of opened) await db.close();
        await t?.drop();
        const admin = postgres(new URL('/postgres', process.env.TEST_DATABASE_URL).toString(), { max: 1, onnotice: () => undefined });
        await admin.unsafe(`drop role if exists ${appRole}`);
        await admin.unsafe(`drop role if exists ${wrongRole}`);
        await admin.end();
      });

      it('the documented role passes the check, ingests, and reads as a user under RLS', async () => {
        const db = connectAs(appRole);
        expect(await checkConnectionRole(db)).toEqual({ role: appRole, problems: [] });
        const workspace = await createWorkspace(t.db);
        const user = await addMember(t.db, workspace);
        await upsertAttributionMap(
          { workspace_id: workspace, provider: 'sendgrid', provider_object_id: 'm1', circuit_execution_id: 'c1', channel: 'email' },
          { db },
        );
        const result = await ingestNormalizedEvents(workspace, 'sendgrid', [makeEvent({ provider_object_id: 'm1' })], true, { db });
        expect(result.counts.applied).toBe(1);
        const [seen] = await withUserContext(db, { claims: claimsFor(user), workspaceId: workspace }, (q) =>
          q.query<{ n: number }>('select sum(email_delivered)::int as n from metrics_rollups'),
        );
        expect(seen?.n).toBe(1);
      });

      it('a role that is neither owner nor RLS-exempt nor a member of authenticated is named with every problem', async () => {
        const report = await checkConnectionRole(connectAs(wrongRole));
        expect(report.role).toBe(wrongRole);
        expect(report.problems).toEqual([
          'it neither owns the metrics tables nor has BYPASSRLS, so row-level security hides every workspace from webhooks and cron',
          'it is not a member of "authenticated", so user reads cannot run under row-level security',
          'it may not execute metrics_ingest_events (grant service_role to it)',
        ]);
      });

      it('an unmigrated database is named as such', async () => {
        const empty = `metrics_empty_${suffix}`;
        const admin = postgres(new URL('/postgres', process.env.TEST_DATABASE_URL).toString(), { max: 1, onnotice: () => undefined });
        await admin.unsafe(`create database ${empty}`);
        try {
          const url = new URL(t.url!);
          url.pathname = `/${empty}`;
          const db = createPostgresDatabase(url.toString(), { max: 1 });
          try {
            expect((await checkConnectionRole(db)).problems).toEqual([
              'the migrations have not been applied (no metrics_webhook_events table)',
            ]);
          } finally {
            await db.close();
          }
        } finally {
          await admin.unsafe(`drop database if exists ${empty} with (force)`);
          await admin.end();
        }
      });
    },
  );
}
