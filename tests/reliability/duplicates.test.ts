// Redelivery at its worst: every event of all five providers delivered up to 46 times (SendGrid
// users report the same event 46 times), in different batches, concurrently and out of order —
// including 46 copies of one event at the same instant. The counts must come out exact, on the
// embedded database and on PostgreSQL. Verified through the read API (both) and SQL (PostgreSQL).
//
//   NEXT_DIST_DIR=.next-rel TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//     npx vitest run tests/reliability/duplicates.test.ts
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ROLLUP_COUNTERS,
  UNIQUE_COUNTER_OF,
  type EventCounter,
  type MetricsProvider,
  type RollupCounter,
} from '../../src/lib/decision-circuits/metrics/metrics-types';
import { generateSendGridKeyPair } from '../../tooling/signing';
import {
  RESEND_COUNTER,
  SENDGRID_COUNTER,
  newResendMessage,
  newSendGridMessage,
  resendEmailEvent,
  sendGridBatchBody,
  sendGridEvent,
  svixMessageId,
  type SendGridEventKind,
} from '../../tooling/simulator/provider-payloads';
import { createRng, type Rng } from '../../src/lib/random/seeded-rng';
import { signedWebhookRequest, signingKeysFromEnv } from '../../tooling/simulator/request-signing';
import { instagramStoryInsights } from '../../src/lib/decision-circuits/metrics/providers/meta/payloads';
import { SCANNER_USER_AGENTS, type SimulatedEngagement } from '../../src/lib/decision-circuits/metrics/providers/kit/sample-payloads';
import {
  facebookComment,
  facebookReaction,
  idSequence,
  instagramComment,
  linkedInEnvelope,
  linkedInNotification,
  metaEnvelope,
  newFacebookPost,
  newInstagramMedia,
  newLinkedInPost,
  newSocialActor,
  type Expected,
} from '../../tooling/simulator/provider-payloads';
import { DATABASE_KINDS } from '../helpers/db';
import { DEV_USER_ID, DEV_WORKSPACE_ID, TEST_SECRETS, startApp, tokenFor, type AppUnderTest } from '../helpers/app';

const MAX_COPIES = 46;
const keys = generateSendGridKeyPair();
const signing = signingKeysFromEnv(TEST_SECRETS, keys.privateKey);

/** One provider event: its payload fragment, what it must add, and how often it is delivered. */
interface UniqueEvent {
  provider: MetricsProvider;
  payload: Record<string, unknown>;
  variant: string;
  counter: EventCounter | null;
  quantity: number;
  copies: number;
  /** Email: the message, for the unique open/click counters. */
  objectId?: string;
  /** Opens and clicks: the class the payload shows (SendGrid's flag and scanner agent; Resend opens tell nothing). */
  engagement?: 'human' | 'machine' | 'bot' | 'unknown';
  /** Resend: the svix-id every copy carries. */
  deliveryId?: string;
  /** Meta: the entry the change belongs to. */
  entryId?: string;
  /** Delivered as 46 simultaneous requests. */
  burst?: boolean;
}

interface Request {
  provider: MetricsProvider;
  body: string;
  deliveryId: string | null;
}

interface Plan {
  abTestId: string;
  variants: string[];
  events: UniqueEvent[];
  mappings: Record<string, unknown>[];
}

function copies(rng: Rng): number {
  // A fifth of the events get the full 46; the rest anything from 1 to 46.
  return rng.chance(0.2) ? MAX_COPIES : rng.int(1, MAX_COPIES);
}

function plan(seed: string): Plan {
  const rng = createRng(seed);
  const abTestId = rng.uuid();
  const variants = [rng.uuid(), rng.uuid()];
  const at = (minutes: number) => Date.UTC(2025, 5, 3, 9) + minutes * 60_000;
  const events: UniqueEvent[] = [];
  const mappings: Record<string, unknown>[] = [];
  const social = (provider: MetricsProvider, variant: string, built: Expected<Record<string, unknown>>, entryId?: string) => {
    events.push({
      provider,
      payload: built.payload,
      variant,
      counter: built.counter,
      quantity: built.quantity,
      copies: copies(rng),
      ...(entryId ? { entryId } : {}),
    });
  };

  variants.forEach((variant, v) => {
    const context = { circuit_execution_id: `exec-dup-${v}`, ab_test_id: abTestId, variant_id: variant };
    // SendGrid: self-attributed messages, each with its lifecycle.
    for (let m = 0; m < 8; m += 1) {
      const message = newSendGridMessage(rng, `dup${v}-${m}@example.com`, context);
      const kinds: SendGridEventKind[] = [
        'processed',
        'delivered',
        'open',
        'open',
        ...(m % 2 ? (['click'] as const) : []),
        ...(m === 3 ? (['deferred'] as const) : []),
      ];
      kinds.forEach((kind, i) => {
        // Some first opens are Apple's proxy (sg_machine_open), some clicks a scanner announcing itself.
        const who: SimulatedEngagement | undefined =
          kind === 'open' && i === 2 && m % 3 === 0
            ? { actor: 'apple_proxy' }
            : kind === 'click' && m % 4 === 1
              ? { actor: 'scanner', link: 0, userAgent: SCANNER_USER_AGENTS[m % SCANNER_USER_AGENTS.length] }
              : undefined;
        const payload = sendGridEvent(rng, message, kind, at(m * 5 + i), who);
        events.push({
          provider: 'sendgrid',
          payload,
          variant,
          counter: SENDGRID_COUNTER[kind],
          quantity: 1,
          copies: copies(rng),
          objectId: message.xMessageId,
          ...(kind === 'open' || kind === 'click'
            ? { engagement: who?.actor === 'apple_proxy' ? 'machine' : who?.actor === 'scanner' ? 'bot' : 'human' }
            : {}),
        });
      });
    }
    // Resend: one event per request, a retry keeps its svix-id.
    for (let m = 0; m < 3; m += 1) {
      const message = newResendMessage(rng, `rs${v}-${m}@example.org`, at(0), context);
      for (const type of ['email.sent', 'email.delivered', 'email.opened'] as const) {
        events.push({
          provider: 'resend',
          payload: resendEmailEvent(rng, message, type, at(m + 1)),
          variant,
          counter: RESEND_COUNTER[type],
          quantity: 1,
          copies: copies(rng),
          deliveryId: svixMessageId(rng),
          objectId: message.emailId,
          ...(type === 'email.opened' ? { engagement: 'unknown' as const } : {}),
        });
      }
    }
    // Facebook: reactions (one removed again), comments (one edited: counts nowhere).
    const nextFbId = idSequence(rng, 13);
    const post = newFacebookPost(rng, rng.digits(15));
    mappings.push({ provider: 'facebook', provider_object_id: post.postId, channel: 'social', ...context });
    for (let r = 0; r < 6; r += 1)
      social(
        'facebook',
        variant,
        facebookReaction(post, newSocialActor(rng, nextFbId), at(10 + r), { verb: 'add', reactionType: 'like' }),
        post.pageId,
      );
    social(
      'facebook',
      variant,
      facebookReaction(post, newSocialActor(rng, nextFbId), at(30), { verb: 'remove', reactionType: 'love' }),
      post.pageId,
    );
    for (let c = 0; c < 3; c += 1) {
      const commentId = `${post.postId.split('_')[1]}_${rng.digits(15)}`;
      social(
        'facebook',
        variant,
        facebookComment(post, newSocialActor(rng, nextFbId), at(20 + c), { verb: 'add', commentId, message: `nice ${c}` }),
        post.pageId,
      );
      if (c === 0)
        social(
          'facebook',
          variant,
          facebookComment(post, newSocialActor(rng, nextFbId), at(40), { verb: 'edited', commentId, message: 'edited' }),
          post.pageId,
        );
    }
    // Instagram: comments and a story-insights snapshot.
    const media = newInstagramMedia(rng, `178414${rng.digits(11)}`);
    mappings.push({ provider: 'instagram', provider_object_id: media.mediaId, channel: 'social', ...context });
    const nextIgId = idSequence(rng, 13);
    for (let c = 0; c < 4; c += 1)
      social(
        'instagram',
        variant,
        instagramComment(media, newSocialActor(rng, nextIgId), { commentId: `178${rng.digits(14)}`, text: `wow ${c}` }),
        media.accountId,
      );
    social('instagram', variant, instagramStoryInsights(media.mediaId, 120 + v), media.accountId);
    // LinkedIn: notifications with their notificationId (the documented dedup key).
    const share = newLinkedInPost(rng, `urn:li:organization:${rng.digits(8)}`, 'Launch');
    mappings.push({ provider: 'linkedin', provider_object_id: share.shareUrn, channel: 'social', ...context });
    const nextNotification = idSequence(rng, 10);
    const nextLiActor = idSequence(rng, 13);
    for (const action of ['LIKE', 'LIKE', 'LIKE', 'COMMENT', 'COMMENT', 'SHARE', 'COMMENT_DELETE', 'COMMENT_EDIT'] as const) {
      social(
        'linkedin',
        variant,
        linkedInNotification(rng, share, action, at(50), { notificationId: nextNotification(), actor: newSocialActor(rng, nextLiActor) }),
      );
    }
  });
  // The worst case: these arrive as 46 simultaneous single-event deliveries.
  for (const provider of ['sendgrid', 'resend', 'linkedin', 'facebook'] as const) {
    const event = events.find((e) => e.provider === provider && e.counter !== null && !e.burst);
    if (event) Object.assign(event, { copies: MAX_COPIES, burst: true });
  }
  return { abTestId, variants, events, mappings };
}

/** The deliveries: every copy of every event, packed into shuffled batches as each provider sends them. */
function pack(rng: Rng, events: readonly UniqueEvent[]): { bursts: Request[][]; requests: Request[] } {
  const bursts: Request[][] = [];
  const requests: Request[] = [];
  const body = (provider: MetricsProvider, items: readonly UniqueEvent[]): string => {
    if (provider === 'sendgrid') return sendGridBatchBody(items.map((e) => e.payload));
    if (provider === 'linkedin') return JSON.stringify(linkedInEnvelope(items.map((e) => e.payload)));
    // Meta: one entry per object; each envelope gets its own entry.time, as a redelivery would.
    const entries = new Map<string, Record<string, unknown>[]>();
    for (const item of items) entries.set(item.entryId ?? '0', [...(entries.get(item.entryId ?? '0') ?? []), item.payload]);
    const time = Math.floor(Date.UTC(2025, 5, 3, 9, 55) / 1000) + rng.int(0, 240);
    return JSON.stringify(
      metaEnvelope(
        provider === 'facebook' ? 'page' : 'instagram',
        [...entries].map(([id, changes]) => ({ id, time, changes })),
      ),
    );
  };
  for (const event of events.filter((e) => e.burst)) {
    bursts.push(
      Array.from({ length: event.copies }, () => ({
        provider: event.provider,
        body: event.provider === 'resend' ? JSON.stringify(event.payload) : body(event.provider, [event]),
        deliveryId: event.deliveryId ?? null,
      })),
    );
  }
  const maxBatch: Record<MetricsProvider, number> = { sendgrid: 30, resend: 1, mailgun: 1, facebook: 12, instagram: 12, linkedin: 10 };
  for (const provider of ['sendgrid', 'resend', 'facebook', 'instagram', 'linkedin'] as const) {
    const pool = rng.shuffle(
      events.filter((e) => e.provider === provider && !e.burst).flatMap((e) => Array.from({ length: e.copies }, () => e)),
    );
    for (let i = 0; i < pool.length;) {
      const size = rng.int(1, maxBatch[provider]);
      const items = pool.slice(i, i + size);
      i += size;
      const first = items[0]!;
      requests.push({
        provider,
        body: provider === 'resend' ? JSON.stringify(first.payload) : body(provider, items),
        deliveryId: first.deliveryId ?? null,
      });
    }
  }
  return { bursts, requests: rng.shuffle(requests) };
}

describe.each(DATABASE_KINDS)('every event delivered up to 46 times, concurrently and out of order, on %s', (kind) => {
  let app: AppUnderTest;
  let token: string;

  beforeAll(async () => {
    app = await startApp(kind, { SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicKey });
    token = await tokenFor(DEV_USER_ID);
  });
  afterAll(async () => {
    await app?.stop();
  });

  /** Posts like a provider: re-signed per attempt, every non-2xx retried, bounded in time. */
  async function deliver(request: Request, deadline: number): Promise<{ status: number; attempts: number }> {
    for (let attempts = 1; ; attempts += 1) {
      const signed = signedWebhookRequest({
        baseUrl: app.url,
        workspaceId: DEV_WORKSPACE_ID,
        provider: request.provider,
        body: request.body,
        keys: signing,
        deliveryId: request.deliveryId,
      });
      let status = 0;
      try {
        const response = await fetch(signed.url, {
          method: 'POST',
          headers: signed.headers,
          body: signed.body,
          signal: AbortSignal.timeout(30_000),
        });
        status = response.status;
        await response.arrayBuffer();
      } catch {
        status = 0;
      }
      if ((status >= 200 && status < 300) || Date.now() > deadline) return { status, attempts };
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.floor(Math.random() * 150)));
    }
  }

  it('counts every event exactly once: ledger per provider and rollups per variant', { timeout: 240_000 }, async () => {
    const p = plan(`duplicates-${kind}`);
    const rng = createRng(`duplicates-pack-${kind}`);
    const { bursts, requests } = pack(rng, p.events);
    const deadline = Date.now() + 180_000;

    const mapped = await fetch(`${app.url}/api/circuits/metrics/attribution?workspaceId=${DEV_WORKSPACE_ID}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(p.mappings),
    });
    expect(mapped.status).toBe(200);

    const statuses: Record<number, number> = {};
    let attempts = 0;
    const record = (answer: { status: number; attempts: number }) => {
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      attempts += answer.attempts;
    };
    // Bursts first, all 46 copies of an event at the same instant, alongside the shuffled stream.
    const concurrency = kind === 'pglite' ? 4 : 8;
    let next = 0;
    const stream = Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (;;) {
          const i = next++;
          if (i >= requests.length) return;
          record(await deliver(requests[i]!, deadline));
        }
      }),
    );
    for (const burst of bursts) (await Promise.all(burst.map((r) => deliver(r, deadline)))).forEach(record);
    await stream;

    const totalCopies = p.events.reduce((n, e) => n + e.copies, 0);
    console.info(
      `[duplicates:${kind}] ${p.events.length} unique events, ${totalCopies} copies (max ${Math.max(...p.events.map((e) => e.copies))} of one) in ${requests.length + bursts.flat().length} requests, ${attempts} attempts: ${JSON.stringify(statuses)}`,
    );
    expect(Object.keys(statuses)).toEqual(['202']);

    // Ledger: exactly the unique events, per provider.
    const health = await fetch(`${app.url}/api/circuits/metrics/health?workspaceId=${DEV_WORKSPACE_ID}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const ingestion = (
      (await health.json()) as { ingestion: { by_provider: { provider: string; total_events: number; unprocessed_events: number }[] } }
    ).ingestion;
    const expectedLedger: Record<string, number> = {};
    for (const e of p.events) expectedLedger[e.provider] = (expectedLedger[e.provider] ?? 0) + 1;
    expect(Object.fromEntries(ingestion.by_provider.map((row) => [row.provider, row.total_events]))).toEqual(expectedLedger);
    for (const row of ingestion.by_provider) expect(row.unprocessed_events).toBe(0);

    // Rollups: the ground truth per variant, every counter.
    for (const variant of p.variants) {
      const expected = Object.fromEntries(ROLLUP_COUNTERS.map((c) => [c, 0])) as Record<RollupCounter, number>;
      const uniques = new Set<string>();
      for (const e of p.events) {
        if (e.variant !== variant || !e.counter) continue;
        expected[e.counter] += e.quantity;
        const once = (unique: RollupCounter) => {
          if (uniques.has(`${unique}|${e.objectId}`)) return;
          uniques.add(`${unique}|${e.objectId}`);
          expected[unique] += 1;
        };
        const unique = UNIQUE_COUNTER_OF[e.counter];
        if (unique) once(unique);
        const isOpen = e.counter === 'email_opened';
        if (e.engagement === 'human') once(isOpen ? 'email_unique_human_opened' : 'email_unique_human_clicked');
        if (e.engagement === (isOpen ? 'machine' : 'bot')) expected[isOpen ? 'email_machine_opened' : 'email_bot_clicked'] += e.quantity;
      }
      const summary = await fetch(
        `${app.url}/api/circuits/metrics/summary?workspaceId=${DEV_WORKSPACE_ID}&abTestId=${p.abTestId}&variantId=${variant}`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      expect(summary.status).toBe(200);
      const { totals } = (await summary.json()) as { totals: Record<RollupCounter, number> };
      expect(totals).toEqual(expected);
    }

    if (app.testDb) {
      // PostgreSQL: one ledger row per event id, each applied or provider-only; nothing else written.
      const [row] = await app.testDb.db.query<{ n: number; distinct_ids: number; unapplied: number }>(
        `select count(*)::int as n, count(distinct (provider, provider_event_id))::int as distinct_ids,
                count(*) filter (where applied_at is null and event_type <> 'provider_only')::int as unapplied
         from metrics_webhook_events where workspace_id = $1`,
        [DEV_WORKSPACE_ID],
      );
      expect(row).toEqual({ n: p.events.length, distinct_ids: p.events.length, unapplied: 0 });
    }
  });
});
