// The release notes' names (src/lib/decision-circuits/metrics/compat.ts) still do what the notes
// say, through the public API, on both databases. The signature and normalisation aliases are
// covered with the providers' tests (tests/unit/providers).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getRollups,
  ingestWebhookEvent,
  ingestWebhookEvents,
  mapEventToRollupColumns,
  recalculateDerivedMetrics,
  upsertAttributionMap,
} from '../../src/lib/decision-circuits/metrics';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { createWorkspace } from '../helpers/factories';

const sendgrid = (id: string, event: string) => ({
  email: 'a@example.com',
  timestamp: 1719901146,
  event,
  sg_event_id: id,
  sg_message_id: 'compat-msg.filter0001',
});

describe('mapEventToRollupColumns', () => {
  it('maps one event kind to its one counter, with its quantity; provider_only counts nowhere', () => {
    expect(mapEventToRollupColumns('email_open')).toEqual({ email_opened: 1 });
    expect(mapEventToRollupColumns('social_comment', -1)).toEqual({ social_comments: -1 });
    expect(mapEventToRollupColumns('provider_only')).toEqual({});
  });
});

describe.each(DATABASE_KINDS)("the release notes' names on %s", (kind) => {
  let t: TestDatabase;
  let ws: string;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
    ws = await createWorkspace(t.db);
    await upsertAttributionMap(
      { workspace_id: ws, provider: 'sendgrid', provider_object_id: 'compat-msg', circuit_execution_id: 'c-compat', channel: 'email' },
      { db: t.db },
    );
  });
  afterAll(async () => {
    await t.drop();
  });

  it('ingestWebhookEvent stores one event and says so; a payload with none is a reason, not a throw', async () => {
    const stored = await ingestWebhookEvent(ws, 'sendgrid', sendgrid('compat-1', 'delivered'), true, { db: t.db });
    expect(stored).toMatchObject({ success: true, event_id: expect.any(String), normalized_event: { event_type: 'email_delivered' } });
    expect(await ingestWebhookEvent(ws, 'sendgrid', { nothing: true }, true, { db: t.db })).toMatchObject({
      success: false,
      reason: expect.stringMatching(/^Failed to normalize payload/),
    });
    await expect(
      ingestWebhookEvent('99999999-9999-4999-8999-999999999999', 'sendgrid', sendgrid('compat-2', 'open'), true, { db: t.db }),
    ).rejects.toMatchObject({ code: 'unknown_workspace' });
  });

  it('ingestWebhookEvents takes a batch, and recalculateDerivedMetrics confirms the stored rates', async () => {
    const result = await ingestWebhookEvents(ws, 'sendgrid', [sendgrid('compat-3', 'open'), sendgrid('compat-4', 'click')], true, {
      db: t.db,
    });
    expect(result.counts.applied).toBe(2);
    const [rollup] = await getRollups({ workspace_id: ws }, { db: t.db });
    expect(rollup).toMatchObject({ email_delivered: 1, email_opened: 1, email_clicked: 1, open_rate: 100 });
    expect(await recalculateDerivedMetrics(rollup!.id, { db: t.db })).toBe(true);
    expect(await recalculateDerivedMetrics('99999999-9999-4999-8999-999999999999', { db: t.db })).toBe(false);
  });
});
