import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from '../../../src/lib/db/limiter';
import { isDatabaseUnavailable } from '../../../src/lib/db/errors';

function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('ConcurrencyLimiter', () => {
  it('runs at most maxConcurrent at once and hands slots to waiters in order', async () => {
    const limiter = new ConcurrencyLimiter({ maxConcurrent: 2, maxQueued: 10, queueTimeoutMs: 10_000 });
    const gates = [gate(), gate(), gate()];
    const order: number[] = [];
    const runs = gates.map((g, i) =>
      limiter.run(async () => {
        order.push(i);
        await g.promise;
        return i;
      }),
    );
    await Promise.resolve();
    expect(limiter.stats).toEqual({ active: 2, queued: 1 });
    gates[0]!.open();
    await runs[0];
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([0, 1, 2]);
    gates[1]!.open();
    gates[2]!.open();
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
    expect(limiter.stats).toEqual({ active: 0, queued: 0 });
  });

  it('refuses at once with a 503-class error when the queue is full', async () => {
    const limiter = new ConcurrencyLimiter({ maxConcurrent: 1, maxQueued: 1, queueTimeoutMs: 10_000 });
    const g = gate();
    const first = limiter.run(() => g.promise);
    const second = limiter.run(async () => 'queued');
    const third = limiter.run(async () => 'refused');
    await expect(third).rejects.toSatisfy(isDatabaseUnavailable);
    g.open();
    await first;
    expect(await second).toBe('queued');
  });

  it('gives up on a queued call after queueTimeoutMs and frees its place', async () => {
    const limiter = new ConcurrencyLimiter({ maxConcurrent: 1, maxQueued: 1, queueTimeoutMs: 20 });
    const g = gate();
    const first = limiter.run(() => g.promise);
    await expect(limiter.run(async () => 'late')).rejects.toMatchObject({ retryAfterSeconds: 1 });
    expect(limiter.stats).toEqual({ active: 1, queued: 0 });
    g.open();
    await first;
    expect(await limiter.run(async () => 'after')).toBe('after');
  });
});
