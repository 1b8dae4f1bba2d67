// metrics_social_insight_apply on both databases: lifetime totals read as snapshots add to the
// rollups exactly once, whatever order they arrive in, and a total that goes down is recorded.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRollups, upsertAttributionMap } from '../../src/lib/decision-circuits/metrics';
import { applySnapshot, type ClaimedPost } from '../../src/lib/decision-circuits/metrics/insights/store';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { createWorkspace } from '../helpers/factories';

const at = (iso: string) => new Date(iso);
const reading = (observedAt: string, impressions: number, reach: number | null = null) => ({
  observedAt: at(observedAt),
  metric: 'post_media_view',
  impressions,
  reach,
  views: impressions,
});

describe.each(DATABASE_KINDS)('insight snapshots on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await t.drop();
  });

  async function postUnderPoll(): Promise<{ post: ClaimedPost; variant: string }> {
    const ws = await createWorkspace(t.db);
    const variant = randomUUID();
    const objectId = `104857300000001_${randomUUID().slice(0, 8)}`;
    await upsertAttributionMap(
      {
        workspace_id: ws,
        provider: 'facebook',
        provider_object_id: objectId,
        circuit_execution_id: 'circuit-social',
        ab_test_id: randomUUID(),
        variant_id: variant,
        channel: 'social',
      },
      { db: t.db },
    );
    await t.db.query(
      `insert into metrics_social_insight_posts (workspace_id, provider, provider_object_id, posted_at) values ($1, 'facebook', $2, now())`,
      [ws, objectId],
    );
    const post: ClaimedPost = {
      workspace_id: ws,
      provider: 'facebook',
      provider_object_id: objectId,
      posted_at: new Date(),
      unchanged_polls: 0,
    };
    return { post, variant };
  }

  async function hourly(ws: string): Promise<Record<string, number>> {
    const rows = await getRollups({ workspace_id: ws }, { db: t.db });
    return Object.fromEntries(
      rows.filter((r) => Number(r.social_impressions) > 0).map((r) => [r.time_bucket, Number(r.social_impressions)]),
    );
  }

  it('a snapshot seen twice adds nothing the second time', async () => {
    const { post } = await postUnderPoll();
    expect(await applySnapshot(t.db, post, reading('2026-01-25T10:05:00Z', 100))).toEqual({
      added: 100,
      duplicate: false,
      decreased: false,
      changed: true,
    });
    expect(await applySnapshot(t.db, post, reading('2026-01-25T10:05:00Z', 100))).toEqual({
      added: 0,
      duplicate: true,
      decreased: false,
      changed: false,
    });
    expect(await hourly(post.workspace_id)).toEqual({ '2026-01-25T10:00:00.000Z': 100 });
  });

  it('a snapshot older than one already counted adds nothing, whatever its total', async () => {
    const { post } = await postUnderPoll();
    await applySnapshot(t.db, post, reading('2026-01-25T12:00:00Z', 100));
    expect(await applySnapshot(t.db, post, reading('2026-01-25T11:00:00Z', 60))).toMatchObject({
      added: 0,
      duplicate: false,
      decreased: false,
    });
    // Even an older one above the counted total: it is late, the newer one already stands.
    expect(await applySnapshot(t.db, post, reading('2026-01-25T11:30:00Z', 140))).toMatchObject({ added: 0, duplicate: false });
    expect(await applySnapshot(t.db, post, reading('2026-01-25T13:10:00Z', 150))).toMatchObject({ added: 50 });
    expect(await hourly(post.workspace_id)).toEqual({ '2026-01-25T12:00:00.000Z': 100, '2026-01-25T13:00:00.000Z': 50 });
    const snapshots = await t.db.query<{ observed_at: Date | string; added: string }>(
      `select observed_at, added from metrics_social_insight_snapshots where provider_object_id = $1 order by observed_at`,
      [post.provider_object_id],
    );
    expect(snapshots.map((s) => Number(s.added))).toEqual([0, 0, 100, 50]);
  });

  it('a total that goes down is recorded and flagged, never subtracted; counting resumes above the old high', async () => {
    const { post, variant } = await postUnderPoll();
    await applySnapshot(t.db, post, reading('2026-01-25T10:00:00Z', 100, 90));
    expect(await applySnapshot(t.db, post, reading('2026-01-25T11:00:00Z', 90, 85))).toEqual({
      added: 0,
      duplicate: false,
      decreased: true,
      changed: true,
    });
    expect(await applySnapshot(t.db, post, reading('2026-01-25T12:00:00Z', 95))).toMatchObject({ added: 0, decreased: true });
    expect(await applySnapshot(t.db, post, reading('2026-01-25T13:00:00Z', 120))).toMatchObject({ added: 20, decreased: false });
    expect(await hourly(post.workspace_id)).toEqual({ '2026-01-25T10:00:00.000Z': 100, '2026-01-25T13:00:00.000Z': 20 });
    const rows = await getRollups({ workspace_id: post.workspace_id }, { db: t.db });
    expect(new Set(rows.map((r) => r.variant_id))).toEqual(new Set([variant]));
    const [state] = await t.db.query<Record<string, unknown>>(
      `select counted_impressions, latest_impressions, decreased_from, decreased_to, decreased_at from metrics_social_insight_posts where provider_object_id = $1`,
      [post.provider_object_id],
    );
    expect([state!.counted_impressions, state!.latest_impressions, state!.decreased_from, state!.decreased_to].map(Number)).toEqual([
      120, 120, 100, 95,
    ]);
    expect(new Date(state!.decreased_at as string).toISOString()).toBe('2026-01-25T12:00:00.000Z');
  });

  it('the same snapshots applied concurrently in any order count the highest total once', async () => {
    const { post } = await postUnderPoll();
    const readings = [reading('2026-01-25T10:00:00Z', 10), reading('2026-01-25T11:00:00Z', 40), reading('2026-01-25T12:00:00Z', 70)];
    await Promise.all([...readings, ...readings.reverse(), ...readings].map((r) => applySnapshot(t.db, post, r)));
    const total = Object.values(await hourly(post.workspace_id)).reduce((n, v) => n + v, 0);
    expect(total).toBe(70);
  });

  it('refuses a negative total and a post that is not under poll', async () => {
    const { post } = await postUnderPoll();
    await expect(applySnapshot(t.db, post, reading('2026-01-25T10:00:00Z', -1))).rejects.toMatchObject({ code: '22023' });
    await expect(applySnapshot(t.db, { ...post, provider_object_id: 'nope' }, reading('2026-01-25T10:00:00Z', 1))).rejects.toMatchObject({
      code: '22023',
    });
  });
});
