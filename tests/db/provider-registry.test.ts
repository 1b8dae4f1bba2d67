// The provider registry (one folder per provider) and the database must name the same providers:
// a provider added to one and not the other would be refused by a CHECK constraint at ingest time,
// or stored under a name the app cannot read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS_PROVIDERS, PROVIDERS } from '../../src/lib/decision-circuits/metrics/providers/registry';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';

/** The quoted literals of a CHECK definition, e.g. `provider = ANY (ARRAY['a'::text, 'b'::text])`. */
function literals(definition: string): string[] {
  return [...definition.matchAll(/'([^']+)'/g)].map((match) => match[1] ?? '');
}

describe.each(DATABASE_KINDS)('provider registry and SQL on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await t.drop();
  });

  it('every CHECK on a provider column allows exactly the registry’s providers', async () => {
    const checks = await t.db.query<{ table_name: string; definition: string }>(
      `select c.conrelid::regclass::text as table_name, pg_get_constraintdef(c.oid) as definition
       from pg_constraint c
       where c.contype = 'c' and c.connamespace = 'public'::regnamespace
         and pg_get_constraintdef(c.oid) ~ '\\mprovider\\M'
       order by 1`,
    );
    // The tables that hold provider data; operational counters (ingest activity, verification
    // failures, unrouted events) are written by the app alone and carry no constraint.
    expect(checks.map((row) => row.table_name).sort()).toEqual(
      ['metrics_attribution_map', 'metrics_backfill_jobs', 'metrics_provider_connections', 'metrics_webhook_events'].sort(),
    );
    for (const check of checks) {
      expect(literals(check.definition).sort(), check.table_name).toEqual([...METRICS_PROVIDERS].sort());
    }
  });

  it('a provider the registry does not know is refused by the database', async () => {
    await expect(
      t.db.query(
        `insert into metrics_webhook_events (workspace_id, provider, provider_event_id, event_type, raw_payload, occurred_at)
         values ('00000000-0000-4000-8000-000000000001', 'not-a-provider', 'x', 'email_open', '{}', now())`,
      ),
    ).rejects.toThrow(/check constraint|violates/i);
  });
});

describe('provider definitions', () => {
  it('each is filed under its own id and names a label, a channel and a routing', () => {
    for (const [id, definition] of Object.entries(PROVIDERS)) {
      expect(definition.id).toBe(id);
      expect(definition.webhook.provider).toBe(id);
      expect(definition.webhook.channel).toBe(definition.channel);
      expect(definition.backfill.provider).toBe(id);
      expect(definition.label.length).toBeGreaterThan(0);
      expect(['connection', 'account']).toContain(definition.routing);
      // Account-routed providers must be able to say which account each event is for.
      expect(definition.webhook.accountOf !== undefined).toBe(definition.routing === 'account');
    }
  });

  it('each sample counts what its provider’s event table says it counts', () => {
    for (const definition of Object.values(PROVIDERS)) {
      const sample = definition.samples.build(definition.samples.testEventKind, { seed: 'registry', nowMs: Date.UTC(2026, 0, 5) });
      expect(sample.provider).toBe(definition.id);
      expect(
        sample.expected.some((line) => line.counter !== null),
        `${definition.id} test event counts`,
      ).toBe(true);
    }
  });
});
