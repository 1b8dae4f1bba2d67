// Opens and clicks of a test per provider and class, from the ledger
// (metrics_ab_test_engagement_by_provider through getEngagementByProvider): the counts of the events
// seeded, their totals equal to the rollups' over the same range, only counted events of the
// test's own mapped messages, and nothing for anyone outside the workspace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withUserContext } from '../../src/lib/db';
import {
  getVariantComparison,
  ingestNormalizedEvents,
  upsertAttributionMap,
  type EngagementClass,
  type MetricsProvider,
  type NormalizedEvent,
} from '../../src/lib/decision-circuits/metrics';
import { getEngagementByProvider } from '../../src/lib/decision-circuits/metrics/ab-tests';
import { ForbiddenWorkspaceError } from '../../src/lib/decision-circuits/metrics/core/errors';
import { WorkspaceAccess } from '../../src/lib/decision-circuits/metrics/tenancy/access';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { addMember, claimsFor, createWorkspace, makeEvent } from '../helpers/factories';

const TEST = '7e570001-0000-4000-8000-000000000001';
const OTHER_TEST = '7e570002-0000-4000-8000-000000000002';
const VARIANTS = ['7e5700a1-0000-4000-8000-0000000000a1', '7e5700b1-0000-4000-8000-0000000000b1'] as const;
const HOUR_MS = 3_600_000;
const BASE_MS = Date.UTC(2025, 5, 1, 8);

type Kind = 'email_open' | 'email_click';
/** One open or click: provider, message, kind, class (null: the normaliser said nothing), hour offset. */
interface Engagement {
  provider: MetricsProvider;
  message: string;
  kind: Kind;
  cls: EngagementClass | null;
  hour: number;
}

const SIGNAL: Record<EngagementClass, string> = {
  human: 'sendgrid_machine_open_flag',
  machine: 'sendgrid_machine_open_flag',
  bot: 'scanner_user_agent',
  unknown: 'no_provider_signal',
};

/** A mixed test: SendGrid opens flagged (human, machine) or not (unknown), Resend's all unknown, Mailgun's bots. */
function plan(): Engagement[] {
  const out: Engagement[] = [];
  for (let i = 0; i < 12; i++) {
    const message = `sg-${i}`;
    out.push({
      provider: 'sendgrid',
      message,
      kind: 'email_open',
      cls: i % 3 === 0 ? 'machine' : i % 3 === 1 ? 'human' : null,
      hour: i % 4,
    });
    if (i % 2 === 0) out.push({ provider: 'sendgrid', message, kind: 'email_open', cls: 'human', hour: 5 });
    if (i % 4 === 0) out.push({ provider: 'sendgrid', message, kind: 'email_click', cls: i === 0 ? 'bot' : 'human', hour: 6 });
  }
  for (let i = 0; i < 7; i++) {
    out.push({ provider: 'resend', message: `rs-${i}`, kind: 'email_open', cls: 'unknown', hour: i % 5 });
    if (i < 3) out.push({ provider: 'resend', message: `rs-${i}`, kind: 'email_click', cls: i === 0 ? 'bot' : 'human', hour: 7 });
  }
  for (let i = 0; i < 4; i++) {
    out.push({
      provider: 'mailgun',
      message: `mg-${i}`,
      kind: 'email_open',
      cls: i === 0 ? 'bot' : i === 1 ? 'machine' : 'human',
      hour: 2,
    });
  }
  return out;
}

const event = (e: Pick<Engagement, 'provider' | 'message' | 'kind' | 'cls' | 'hour'>): NormalizedEvent =>
  makeEvent({
    provider: e.provider,
    provider_object_id: e.message,
    event_type: e.kind,
    provider_event_type: e.kind === 'email_open' ? 'open' : 'click',
    occurred_at: new Date(BASE_MS + e.hour * HOUR_MS + 60_000).toISOString(),
    ...(e.cls ? { engagement: { engagement_class: e.cls, class_signal: SIGNAL[e.cls] } } : {}),
  });

/** What the function must answer for the events in the hours [from, to], from the plan itself. */
function expected(events: Engagement[], from = -Infinity, to = Infinity) {
  const providers = ['sendgrid', 'resend', 'mailgun'] as const;
  return providers.flatMap((provider) => {
    const mine = events.filter((e) => e.provider === provider && e.hour >= from && e.hour <= to);
    if (mine.length === 0) return [];
    const count = (kind: Kind) => {
      const of = mine.filter((e) => e.kind === kind);
      const by = (cls: EngagementClass) => of.filter((e) => (e.cls ?? 'unknown') === cls).length;
      return { human: by('human'), machine: by('machine'), bot: by('bot'), unknown: by('unknown'), total: of.length };
    };
    const opens = count('email_open');
    const told = opens.total - opens.unknown;
    return [
      {
        provider,
        flagsMachineOpens: provider !== 'resend',
        opens,
        clicks: count('email_click'),
        machine_open_share: told > 0 ? Math.round((10_000 * opens.machine) / opens.total) / 100 : null,
        unknown_open_share: opens.total > 0 ? Math.round((10_000 * opens.unknown) / opens.total) / 100 : 0,
      },
    ];
  });
}

describe.each(DATABASE_KINDS)('engagement per provider on %s', (kind) => {
  let t: TestDatabase;
  let ws: string;
  let member: string;
  let outsider: string;
  const events = plan();

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    ws = await createWorkspace(t.db, 'Engagement');
    const other = await createWorkspace(t.db, 'Elsewhere');
    member = await addMember(t.db, ws, undefined, 'viewer');
    outsider = await addMember(t.db, other, undefined, 'owner');

    const messages = [...new Map(events.map((e) => [e.message, e.provider])).entries()];
    for (const [index, [message, provider]] of messages.entries()) {
      await upsertAttributionMap(
        {
          workspace_id: ws,
          provider,
          provider_object_id: message,
          circuit_execution_id: 'circuit-engagement',
          ab_test_id: TEST,
          variant_id: VARIANTS[index % 2]!,
          channel: 'email',
        },
        { db: t.db },
      );
    }
    // Another test's message, and one never mapped (its events wait, uncounted): neither is read.
    await upsertAttributionMap(
      {
        workspace_id: ws,
        provider: 'sendgrid',
        provider_object_id: 'sg-other-test',
        circuit_execution_id: 'circuit-engagement',
        ab_test_id: OTHER_TEST,
        variant_id: VARIANTS[0],
        channel: 'email',
      },
      { db: t.db },
    );
    const noise = [
      event({ provider: 'sendgrid', message: 'sg-other-test', kind: 'email_open', cls: 'machine', hour: 1 }),
      event({ provider: 'sendgrid', message: 'sg-unmapped', kind: 'email_open', cls: 'machine', hour: 1 }),
    ];
    for (const provider of ['sendgrid', 'resend', 'mailgun'] as const) {
      const batch = events.filter((e) => e.provider === provider).map(event);
      await ingestNormalizedEvents(ws, provider, provider === 'sendgrid' ? [...batch, ...noise] : batch, true, { db: t.db });
      // A redelivery of the same events is a duplicate and changes nothing.
      await ingestNormalizedEvents(ws, provider, batch, true, { db: t.db });
    }
  });

  afterAll(async () => {
    await t.drop();
  });

  it('counts the seeded opens and clicks per provider and class, Resend opens unknown and its machine share not told', async () => {
    const rows = await getEngagementByProvider({ workspace_id: ws, ab_test_id: TEST }, { db: t.db });
    expect(rows).toEqual(expected(events));
    const resend = rows.find((r) => r.provider === 'resend')!;
    expect(resend.opens.unknown).toBe(resend.opens.total);
    expect(resend.machine_open_share).toBeNull();
    expect(rows.find((r) => r.provider === 'sendgrid')!.opens.unknown).toBeGreaterThan(0);
  });

  it('adds up to the variant comparison: all opens, machine opens, all clicks, bot clicks', async () => {
    const rows = await getEngagementByProvider({ workspace_id: ws, ab_test_id: TEST }, { db: t.db });
    const comparison = await getVariantComparison({ workspace_id: ws, ab_test_id: TEST }, { db: t.db });
    const total = (key: 'email_opened' | 'email_machine_opened' | 'email_clicked' | 'email_bot_clicked') =>
      comparison.variants.reduce((n, v) => n + v.totals[key], 0);
    const sum = (f: (r: (typeof rows)[number]) => number) => rows.reduce((n, r) => n + f(r), 0);
    expect(sum((r) => r.opens.total)).toBe(total('email_opened'));
    expect(sum((r) => r.opens.machine)).toBe(total('email_machine_opened'));
    expect(sum((r) => r.clicks.total)).toBe(total('email_clicked'));
    expect(sum((r) => r.clicks.bot)).toBe(total('email_bot_clicked'));
  });

  it('reads the range as the rollups do: hour buckets, both ends inclusive', async () => {
    const from = new Date(BASE_MS + 1 * HOUR_MS).toISOString();
    const to = new Date(BASE_MS + 3 * HOUR_MS).toISOString();
    const rows = await getEngagementByProvider({ workspace_id: ws, ab_test_id: TEST, time_start: from, time_end: to }, { db: t.db });
    expect(rows).toEqual(expected(events, 1, 3));
    const comparison = await getVariantComparison({ workspace_id: ws, ab_test_id: TEST, time_start: from, time_end: to }, { db: t.db });
    expect(rows.reduce((n, r) => n + r.opens.total, 0)).toBe(comparison.variants.reduce((n, v) => n + v.totals.email_opened, 0));
  });

  it('gives a member the same rows under RLS, and another workspace’s member nothing', async () => {
    const service = await getEngagementByProvider({ workspace_id: ws, ab_test_id: TEST }, { db: t.db });
    const asMember = await getEngagementByProvider({ workspace_id: ws, ab_test_id: TEST }, { db: t.db, claims: claimsFor(member) });
    expect(asMember).toEqual(service);

    // Claims of a member of another workspace, asking for this one: RLS hides every row...
    expect(await getEngagementByProvider({ workspace_id: ws, ab_test_id: TEST }, { db: t.db, claims: claimsFor(outsider) })).toEqual([]);
    // ...and a route's checked access refuses them outright.
    await expect(
      getEngagementByProvider({ workspace_id: ws, ab_test_id: TEST }, { db: t.db, access: new WorkspaceAccess(ws, claimsFor(outsider)) }),
    ).rejects.toBeInstanceOf(ForbiddenWorkspaceError);
    // The function itself, called as them with SQL, returns nothing of this workspace.
    const rows = await withUserContext(t.db, { claims: claimsFor(outsider), workspaceId: ws }, (q) =>
      q.query('select * from metrics_ab_test_engagement_by_provider($1, $2)', [ws, TEST]),
    );
    expect(rows).toEqual([]);
    // Anonymous callers may not run it at all.
    const [anon] = await t.db.query<{ ok: boolean }>(
      `select has_function_privilege('anon', 'metrics_ab_test_engagement_by_provider(uuid, uuid, timestamptz, timestamptz)', 'EXECUTE') as ok`,
    );
    expect(anon?.ok).toBe(false);
  });

  it('refuses a malformed test id before any query', async () => {
    await expect(getEngagementByProvider({ workspace_id: ws, ab_test_id: 'not-a-uuid' }, { db: t.db })).rejects.toThrow();
  });
});
