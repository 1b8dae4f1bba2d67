// CX09 (A/B testing) imports getRollups from the public API and picks a winner from real ingests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getRollups,
  getRollupSummary,
  getVariantComparison,
  ingestWebhookEvents,
  upsertAttributionMap,
  type MetricsRollup,
} from '../../src/lib/decision-circuits/metrics';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { addMember, claimsFor, createWorkspace } from '../helpers/factories';

const AB_TEST = '5e5e5e5e-1111-4222-8333-444455556666';
const VARIANT_A = 'a1a1a1a1-1111-4222-8333-444455556666';
const VARIANT_B = 'b2b2b2b2-1111-4222-8333-444455556666';

function sendgridBatch(messages: { id: string; opens: number; clicks: number }[]) {
  let n = 0;
  return messages.flatMap(({ id, opens, clicks }) => [
    { event: 'delivered', sg_event_id: `${id}-d`, sg_message_id: `${id}.f1`, timestamp: 1719901146, email: 'a@example.com' },
    ...Array.from({ length: opens }, () => ({
      event: 'open',
      sg_event_id: `${id}-o${(n += 1)}`,
      sg_message_id: `${id}.f1`,
      timestamp: 1719901200,
      email: 'a@example.com',
    })),
    ...Array.from({ length: clicks }, () => ({
      event: 'click',
      sg_event_id: `${id}-c${(n += 1)}`,
      sg_message_id: `${id}.f1`,
      timestamp: 1719901300,
      email: 'a@example.com',
    })),
  ]);
}

/** What CX09 does: latest hourly rollups per variant, summed, best engagement wins. */
function pickWinner(byVariant: Record<string, MetricsRollup[]>): string {
  const scored = Object.entries(byVariant).map(([variant, rollups]) => {
    const delivered = rollups.reduce((n, r) => n + r.email_delivered, 0);
    const engaged = rollups.reduce((n, r) => n + r.email_opened + r.email_clicked, 0);
    return { variant, rate: delivered ? engaged / delivered : 0 };
  });
  scored.sort((x, y) => y.rate - x.rate);
  return scored[0]!.variant;
}

describe.each(DATABASE_KINDS)('CX09 on %s', (kind) => {
  let t: TestDatabase;
  let ws: string;
  let user: string;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
    ws = await createWorkspace(t.db);
    user = await addMember(t.db, ws);
    const register = (id: string, variant: string) =>
      upsertAttributionMap(
        {
          workspace_id: ws,
          provider: 'sendgrid',
          provider_object_id: id,
          circuit_execution_id: 'exec-cx09',
          ab_test_id: AB_TEST,
          variant_id: variant,
          channel: 'email',
        },
        { db: t.db },
      );
    const a = Array.from({ length: 8 }, (_, i) => ({ id: `A${i}`, opens: i % 2, clicks: 0 }));
    const b = Array.from({ length: 8 }, (_, i) => ({ id: `B${i}`, opens: 1, clicks: i % 3 === 0 ? 1 : 0 }));
    for (const m of a) await register(m.id, VARIANT_A);
    for (const m of b) await register(m.id, VARIANT_B);
    await ingestWebhookEvents(ws, 'sendgrid', sendgridBatch([...a, ...b]), true, { db: t.db });
  });
  afterAll(async () => {
    await t.drop();
  });

  it('picks the variant with the higher engagement from getRollups', async () => {
    const byVariant: Record<string, MetricsRollup[]> = {};
    for (const variant of [VARIANT_A, VARIANT_B]) {
      byVariant[variant] = await getRollups({ workspace_id: ws, ab_test_id: AB_TEST, variant_id: variant, limit: 100 }, { db: t.db });
    }
    expect(byVariant[VARIANT_A]![0]).toMatchObject({ email_delivered: 8, email_opened: 4, engagement_rate: 50 });
    // B: 8 opens + 3 clicks over 8 delivered.
    expect(byVariant[VARIANT_B]![0]).toMatchObject({ email_delivered: 8, email_opened: 8, email_clicked: 3, engagement_rate: 137.5 });
    expect(pickWinner(byVariant)).toBe(VARIANT_B);
  });

  it('gives a member the same numbers under RLS, and a stranger none', async () => {
    const asMember = await getRollupSummary(
      { workspace_id: ws, ab_test_id: AB_TEST, variant_id: VARIANT_B },
      { db: t.db, claims: claimsFor(user) },
    );
    expect(asMember.totals.email_clicked).toBe(3);
    const asStranger = await getVariantComparison(
      { workspace_id: ws, ab_test_id: AB_TEST },
      { db: t.db, claims: claimsFor('99999999-1111-4222-8333-444455556666') },
    );
    expect(asStranger.variants).toEqual([]);
  });
});
