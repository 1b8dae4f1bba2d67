// The shared request budgets (metrics_rate_limit_hit), the workspace cap and the mapping of
// PostgreSQL's data exceptions, on each real database.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace } from '../../src/lib/decision-circuits/metrics/tenancy/members';
import { DomainError } from '../../src/lib/decision-circuits/metrics/core/errors';
import { isAppError, toErrorResponse } from '../../src/lib/http/errors';
import { enforceRateLimits } from '../../src/lib/http/rate-limit';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';

describe.each(DATABASE_KINDS)('request budgets and caps on %s', (kind) => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await t?.drop();
  });

  async function hit(key: string, limit: number, windowSeconds: number): Promise<number> {
    const [row] = await t.db.query<{ wait: number }>('select metrics_rate_limit_hit($1, $2, $3) as wait', [key, limit, windowSeconds]);
    return Number(row!.wait);
  }

  it('lets `limit` attempts through per window, then answers the seconds left', async () => {
    const key = `test:${randomUUID()}`;
    const waits = [];
    for (let i = 0; i < 5; i += 1) waits.push(await hit(key, 3, 60));
    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    for (const wait of waits.slice(3)) {
      expect(wait).toBeGreaterThanOrEqual(59);
      expect(wait).toBeLessThanOrEqual(60);
    }
    // Another key has its own budget.
    expect(await hit(`test:${randomUUID()}`, 3, 60)).toBe(0);
  });

  it('opens a new window once the old one ended', async () => {
    const key = `test:${randomUUID()}`;
    expect(await hit(key, 1, 1)).toBe(0);
    expect(await hit(key, 1, 1)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await hit(key, 1, 1)).toBe(0);
  });

  it('counts parallel attempts exactly (no instance can overshoot)', async () => {
    const key = `test:${randomUUID()}`;
    const waits = await Promise.all(Array.from({ length: 20 }, () => hit(key, 5, 60)));
    expect(waits.filter((w) => w === 0)).toHaveLength(5);
  });

  it('refuses a bad budget as invalid input', async () => {
    await expect(hit('test:x', 0, 60)).rejects.toMatchObject({ code: '22023' });
  });

  it('sweeps expired windows as it goes', async () => {
    await t.db.query(`insert into metrics_rate_limits (key, window_start, window_end, hits)
                      select 'stale:' || g, now() - interval '2 hours', now() - interval '1 hour', 1 from generate_series(1, 30) g`);
    await hit(`test:${randomUUID()}`, 1, 60);
    const [row] = await t.db.query<{ n: number }>(`select count(*)::int as n from metrics_rate_limits where key like 'stale:%'`);
    expect(row!.n).toBe(0);
  });

  it('enforceRateLimits throws a 429 naming the spent budget, with Retry-After, and stores no raw subject', async () => {
    const email = `${randomUUID()}@example.com`;
    const limits = [{ name: 'test:email', subject: email, limit: 2, windowSeconds: 120 }];
    await enforceRateLimits(limits, { db: t.db });
    await enforceRateLimits(limits, { db: t.db });
    const refusal = await enforceRateLimits(limits, { db: t.db }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(isAppError(refusal)).toBe(true);
    const response = toErrorResponse(refusal);
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(100);
    expect(await response.json()).toMatchObject({ code: 'too_many_requests', limit: 'test:email' });
    const stored = await t.db.query<{ key: string }>(`select key from metrics_rate_limits where key like 'test:email:%'`);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.key).not.toContain(email);
  });

  it('caps the workspaces one user owns, even when the requests race', async () => {
    const actor = randomUUID();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => createWorkspace(actor, `W${i}`, { db: t.db, maxOwned: 3 })),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    for (const o of outcomes.filter((o) => o.status === 'rejected')) {
      const reason = (o as PromiseRejectedResult).reason as DomainError;
      expect(reason).toBeInstanceOf(DomainError);
      expect(reason.code).toBe('conflict');
      expect(reason.context).toEqual({ max_workspaces: 3 });
    }
    const [row] = await t.db.query<{ n: number }>(
      `select count(*)::int as n from workspace_members where user_id = $1 and role = 'owner'`,
      [actor],
    );
    expect(row!.n).toBe(3);
  });

  it("maps the database's data exceptions (class 22) to a 400 with the SQLSTATE, not a 500", async () => {
    for (const [sql, state] of [
      [`select '0000-01-01T00:00:00Z'::timestamptz`, '22008'],
      [`select 'not-a-uuid'::uuid`, '22P02'],
      [`select 1 / 0`, '22012'],
    ] as const) {
      const error = await t.db.query(sql).then(
        () => null,
        (e: unknown) => e,
      );
      const response = toErrorResponse(error);
      expect(response.status, sql).toBe(400);
      const body = (await response.json()) as { error: string; sqlstate: string };
      expect(body.sqlstate.slice(0, 2), sql).toBe('22');
      expect([state, '22007'], sql).toContain(body.sqlstate);
      expect(body.error).toMatch(/^Invalid value: /);
    }
  });
});
