// Least privilege for the client roles, on a plain database and on one prepared like a Supabase
// project (default privileges granting everything to anon/authenticated before our migrations).
// The attacker holds a viewer's token and Supabase's REST API: any SQL as `authenticated` with
// their claims, any function call. Nothing they try may change a single number.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKeySecret } from '../../src/lib/auth/api-keys';
import { withUserContext } from '../../src/lib/db';
import { ingestNormalizedEvents, upsertAttributionMap } from '../../src/lib/decision-circuits/metrics';
import { createApiKey } from '../../src/lib/decision-circuits/metrics/tenancy/api-keys';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { addMember, claimsFor, createWorkspace, makeEvent } from '../helpers/factories';

const PRODUCT_RELATIONS = `c.relname in ('workspaces', 'workspace_members') or c.relname like 'metrics\\_%'`;
const WRITE_PRIVILEGES = ['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'] as const;
const CLAIM_HELPERS = ['current_request_claims', 'current_user_id', 'get_current_workspace_id', 'get_current_workspace_role'];
/** Reads a member may call: security invoker, so row-level security decides what they return. */
const MEMBER_READS = ['metrics_ab_test_engagement_by_provider', 'metrics_ab_test_message_looks'];

/** What a viewer could try through PostgREST or any SQL they can reach. */
function attacks(workspaceId: string, otherEventId: string): Record<string, string> {
  const ws = `'${workspaceId}'::uuid`;
  return {
    'rewrite a rollup counter': `update metrics_rollups set email_delivered = 999999 where workspace_id = ${ws}`,
    'delete the rollups': `delete from metrics_rollups where workspace_id = ${ws}`,
    'delete the ledger': `delete from metrics_webhook_events where workspace_id = ${ws}`,
    'truncate the ledger': 'truncate metrics_webhook_events',
    'insert a rollup row': `insert into metrics_rollups (workspace_id, circuit_execution_id, channel, time_bucket, email_delivered) values (${ws}, 'x', 'email', now(), 5)`,
    'insert a ledger row': `insert into metrics_webhook_events (workspace_id, provider, provider_event_id, event_type, raw_payload, occurred_at) values (${ws}, 'sendgrid', 'forged', 'email_delivered', '{}', now())`,
    'insert a backfill job directly': `insert into metrics_backfill_jobs (workspace_id, provider, channel, date_start, date_end, status, attempts, created_at) values (${ws}, 'sendgrid', 'email', '1900-01-01', '2999-01-01', 'processing', -5, '1970-01-01')`,
    'remap attribution': `update metrics_attribution_map set variant_id = gen_random_uuid() where workspace_id = ${ws}`,
    'ingest with signature_verified = true': `select * from metrics_ingest_events(${ws}, 'sendgrid', '[]'::jsonb, true)`,
    'wipe the ledger by retention': `select metrics_retention_batch('metrics_webhook_events', interval '0 seconds', 100000)`,
    'wipe the rollups by retention': `select metrics_retention_batch('metrics_rollups', interval '0 seconds', 100000)`,
    'register attribution by function': `select * from metrics_upsert_attribution(${ws}, 'sendgrid', 'obj', 'c', null, null, 'email', null, null, null)`,
    'enqueue a backfill by function': `select * from metrics_backfill_enqueue(${ws}, 'sendgrid', 'email', current_date - 2, current_date - 1, 100)`,
    'apply events again': `select metrics_apply_events(array['${otherEventId}'::uuid])`,
    reprocess: `select * from metrics_reprocess_batch(${ws}, 1000, interval '0 seconds')`,
    'mark an event for reprocessing': `select metrics_mark_for_reprocessing('${otherEventId}'::uuid)`,
    'change own role': `update workspace_members set role = 'owner' where workspace_id = ${ws}`,
    'add a member': `insert into workspace_members (workspace_id, user_id, role) values (${ws}, gen_random_uuid(), 'owner')`,
    'rename the workspace': `update workspaces set name = 'pwned' where id = ${ws}`,
    'register a test directly': `insert into metrics_ab_tests (workspace_id, ab_test_id, name, primary_metric, started_at) values (${ws}, gen_random_uuid(), 'x', 'unique_open_rate', now())`,
    'register a test by function': `select metrics_register_ab_test(${ws}, gen_random_uuid(), 'x', 'unique_open_rate', now(), '[]'::jsonb)`,
    'register a test with its window by function': `select metrics_register_ab_test(${ws}, gen_random_uuid(), 'x', 'unique_open_rate', now(), '[]'::jsonb, 1)`,
    'shorten a test window directly': `update metrics_ab_tests set window_hours = 1 where workspace_id = ${ws}`,
    'read the API key hashes': 'select secret_hash from metrics_api_keys',
    'read every API key column': 'select * from metrics_api_keys',
    'mint an API key directly': `insert into metrics_api_keys (id, workspace_id, name, scopes, secret_hash) values (gen_random_uuid(), ${ws}, 'x', array['read'], repeat('a', 64))`,
    'mint an API key by function': `select * from metrics_api_key_create(gen_random_uuid(), ${ws}, gen_random_uuid(), 'x', array['read'], repeat('a', 64), null, 50)`,
    'revive a revoked API key': `update metrics_api_keys set revoked_at = null where workspace_id = ${ws}`,
    'read the applied migrations': 'select * from metrics_applied_migrations()',
    'add impressions by applying an insights snapshot': `select * from metrics_social_insight_apply(${ws}, 'facebook', 'p', now(), 'post_media_view', 999999, null, null)`,
    'rewind a post under insights poll': `update metrics_social_insight_posts set counted_impressions = 0 where workspace_id = ${ws}`,
    'forge an insights snapshot': `insert into metrics_social_insight_snapshots (workspace_id, provider, provider_object_id, observed_at, metric, impressions, added, decreased) values (${ws}, 'facebook', 'p', now(), 'm', 1, 1, false)`,
    'lift an account back-off': `select metrics_social_insight_account_note(${ws}, 'facebook', now(), null, null, null, null)`,
  };
}

const PREPARATIONS = [
  { name: 'a plain database', supabaseLike: false },
  { name: 'a Supabase-like database', supabaseLike: true },
] as const;

describe.each(DATABASE_KINDS.flatMap((kind) => PREPARATIONS.map((prep) => ({ kind, ...prep }))))(
  'client role privileges on $kind, $name',
  ({ kind, supabaseLike }) => {
    let t: TestDatabase;
    let workspace: string;
    let viewer: string;
    let eventId: string;

    async function fingerprint(): Promise<string> {
      const [row] = await t.db.query<{ state: string }>(
        `select concat_ws('|',
           (select coalesce(sum(email_delivered), 0) from metrics_rollups),
           (select count(*) from metrics_rollups),
           (select count(*) from metrics_webhook_events),
           (select count(*) filter (where processed) from metrics_webhook_events),
           (select count(*) from metrics_backfill_jobs),
           (select string_agg(coalesce(variant_id::text, '-'), ',' order by provider_object_id) from metrics_attribution_map),
           (select string_agg(role, ',' order by user_id) from workspace_members),
           (select string_agg(name, ',' order by id) from workspaces)) as state`,
      );
      return row!.state;
    }

    beforeAll(async () => {
      t = await createTestDatabase(kind, { supabaseLike });
      workspace = await createWorkspace(t.db, 'Victim');
      viewer = await addMember(t.db, workspace, undefined, 'viewer');
      await upsertAttributionMap(
        { workspace_id: workspace, provider: 'sendgrid', provider_object_id: 'm1', circuit_execution_id: 'c1', channel: 'email' },
        { db: t.db },
      );
      const result = await ingestNormalizedEvents(workspace, 'sendgrid', [makeEvent({ provider_object_id: 'm1' })], true, { db: t.db });
      eventId = result.events[0]!.event_id;
    });
    afterAll(async () => {
      await t?.drop();
    });

    it('anon holds no write on any table and no EXECUTE on any metrics_* function', async () => {
      const writes = await t.db.query<{ relname: string; privilege: string }>(
        `select c.relname, p.privilege
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
         cross join unnest($1::text[]) as p(privilege)
         where n.nspname = 'public' and c.relkind in ('r', 'v', 'm', 'p') and (${PRODUCT_RELATIONS})
           and has_table_privilege('anon', c.oid, p.privilege)`,
        [[...WRITE_PRIVILEGES, 'SELECT']],
      );
      expect(writes).toEqual([]);
      const executable = await t.db.query<{ proname: string }>(
        `select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
         where n.nspname = 'public' and (p.proname like 'metrics\\_%' or p.proname = any($1::text[]))
           and has_function_privilege('anon', p.oid, 'EXECUTE')`,
        [CLAIM_HELPERS],
      );
      expect(executable).toEqual([]);
    });

    it('authenticated may only read: no write on any table, only the claim helpers and the member reads to execute', async () => {
      const writes = await t.db.query<{ relname: string; privilege: string }>(
        `select c.relname, p.privilege
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
         cross join unnest($1::text[]) as p(privilege)
         where n.nspname = 'public' and c.relkind in ('r', 'v', 'm', 'p') and (${PRODUCT_RELATIONS})
           and has_table_privilege('authenticated', c.oid, p.privilege)`,
        [[...WRITE_PRIVILEGES]],
      );
      expect(writes).toEqual([]);
      const executable = await t.db.query<{ proname: string }>(
        `select p.proname, p.prosecdef, p.provolatile from pg_proc p join pg_namespace n on n.oid = p.pronamespace
         where n.nspname = 'public' and p.proname like 'metrics\\_%'
           and has_function_privilege('authenticated', p.oid, 'EXECUTE')
         order by p.proname`,
      );
      // Only the reads, each running as its caller (not security definer) and unable to write (stable).
      expect(executable).toEqual(MEMBER_READS.map((proname) => ({ proname, prosecdef: false, provolatile: 's' })));
      const [readable] = await t.db.query<{ ok: boolean }>(
        `select has_table_privilege('authenticated', 'metrics_rollups', 'SELECT')
            and has_function_privilege('authenticated', 'get_current_workspace_id()', 'EXECUTE') as ok`,
      );
      expect(readable?.ok).toBe(true);
    });

    it('service_role may run every metrics_* function (the only write paths)', async () => {
      const missing = await t.db.query<{ proname: string }>(
        `select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
         where n.nspname = 'public' and p.proname like 'metrics\\_%'
           and not has_function_privilege('service_role', p.oid, 'EXECUTE')`,
      );
      expect(missing).toEqual([]);
    });

    it('a viewer with their workspace in the claims cannot change a single number by any statement or function', async () => {
      const before = await fingerprint();
      expect(before).toMatch(/^1\|1\|1\|1\|/);
      const refused: string[] = [];
      for (const [attack, sql] of Object.entries(attacks(workspace, eventId))) {
        // A refused statement aborts the transaction, which then rejects with the statement's error.
        const outcome = await withUserContext(t.db, { claims: claimsFor(viewer), workspaceId: workspace }, async (q) => {
          // The viewer really is acting in the workspace: RLS would let them read it.
          const [me] = await q.query<{ id: string | null }>('select get_current_workspace_id() as id');
          expect(me?.id).toBe(workspace);
          await q.query(sql);
        }).then(
          () => 'allowed',
          (error: unknown) => String((error as { code?: unknown }).code ?? error),
        );
        if (outcome === '42501') refused.push(attack);
        else expect.soft(outcome, attack).toBe('42501');
      }
      expect(refused).toHaveLength(Object.keys(attacks(workspace, eventId)).length);
      expect(await fingerprint()).toBe(before);
    });

    it('API keys: an owner lists them without the hash; a key id without its secret opens nothing', async () => {
      const owner = await addMember(t.db, workspace, undefined, 'owner');
      const key = await createApiKey(owner, workspace, { name: 'CX07', scopes: ['read'] }, { db: t.db });
      const asOwner = (sql: string) => withUserContext(t.db, { claims: claimsFor(owner), workspaceId: workspace }, (q) => q.query(sql));
      expect(await asOwner('select id, name, scopes from metrics_api_keys')).toEqual([{ id: key.id, name: 'CX07', scopes: ['read'] }]);
      await expect(asOwner('select secret_hash from metrics_api_keys')).rejects.toMatchObject({ code: '42501' });
      // A viewer sees no key at all (the policy is for admins and owners).
      const asViewer = await withUserContext(t.db, { claims: claimsFor(viewer), workspaceId: workspace }, (q) =>
        q.query('select id from metrics_api_keys'),
      );
      expect(asViewer).toEqual([]);
      // dck_ + 32 hex + _ + the secret.
      const secret = key.key.slice(37);
      const asKey = (secretHash: string) =>
        withUserContext(
          t.db,
          { claims: { sub: `api_key:${key.id}`, role: 'authenticated' }, workspaceId: workspace, apiKey: { id: key.id, secretHash } },
          async (q, role) => ({
            role,
            workspace: (await q.query<{ id: string | null }>('select get_current_workspace_id() as id'))[0]?.id,
            rollups: (await q.query<{ n: number }>('select count(*)::int as n from metrics_rollups'))[0]?.n,
          }),
        );
      expect(await asKey(hashApiKeySecret(secret))).toEqual({ role: 'api_key', workspace, rollups: 1 });
      expect(await asKey(hashApiKeySecret('guessed'))).toEqual({ role: null, workspace: null, rollups: 0 });
      expect(await asKey('')).toEqual({ role: null, workspace: null, rollups: 0 });
    });

    it('the viewer still reads their own workspace', async () => {
      const rows = await withUserContext(t.db, { claims: claimsFor(viewer), workspaceId: workspace }, (q) =>
        q.query<{ n: number }>('select count(*)::int as n from metrics_rollups'),
      );
      expect(rows[0]?.n).toBe(1);
    });
  },
);
