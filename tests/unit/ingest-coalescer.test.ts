// The group-commit coalescer's own rules, with a controllable stand-in for the SQL call (the
// database side of the same behaviour is proven in tests/db/coalescing.test.ts).
import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError } from '../../src/lib/db';
import { IngestCoalescer, coalescerOptionsFrom } from '../../src/lib/decision-circuits/metrics/ingest/coalescer';
import { UnknownWorkspaceError } from '../../src/lib/decision-circuits/metrics/core/errors';

interface Event {
  provider_event_id: string;
}
interface Row {
  provider_event_id: string;
  outcome: string;
}

/** A call that records what it was given and finishes only when told to. */
function controllableCall(fail?: (events: Event[]) => Error | null) {
  const calls: { events: Event[]; finish(): void }[] = [];
  const call = (events: Event[]) =>
    new Promise<Row[]>((resolve, reject) => {
      calls.push({
        events,
        finish() {
          const error = fail?.(events) ?? null;
          if (error) reject(error);
          else resolve([...new Set(events.map((e) => e.provider_event_id))].map((id) => ({ provider_event_id: id, outcome: 'applied' })));
        },
      });
    });
  return { calls, call };
}

const LIMITS = { maxWaiting: 100, waitTimeoutMs: 60_000 };
const events = (...ids: string[]): Event[] => ids.map((provider_event_id) => ({ provider_event_id }));
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('IngestCoalescer', () => {
  it('sends a delivery at once when nothing is running, and combines the ones that wait', async () => {
    const coalescer = new IngestCoalescer<Event, Row>({ ...LIMITS, maxInFlight: 1, maxEventsPerCall: 1_000, maxCoalescedDelivery: 100 });
    const { calls, call } = controllableCall();
    const first = coalescer.submit('k', events('a'), call);
    await flush();
    expect(calls).toHaveLength(1);

    const waiting = [
      coalescer.submit('k', events('b'), call),
      coalescer.submit('k', events('c', 'd'), call),
      coalescer.submit('k', events('e'), call),
    ];
    await flush();
    expect(calls).toHaveLength(1);
    calls[0]!.finish();
    expect(await first).toEqual([{ provider_event_id: 'a', outcome: 'applied' }]);
    await flush();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.events.map((e) => e.provider_event_id)).toEqual(['b', 'c', 'd', 'e']);
    calls[1]!.finish();
    const [b, cd, e] = await Promise.all(waiting);
    expect(b!.map((r) => r.provider_event_id)).toEqual(['b']);
    expect(cd!.map((r) => r.provider_event_id)).toEqual(['c', 'd']);
    expect(e!.map((r) => r.provider_event_id)).toEqual(['e']);
  });

  it('keeps groups apart by key and large deliveries on their own call', async () => {
    const coalescer = new IngestCoalescer<Event, Row>({ ...LIMITS, maxInFlight: 1, maxEventsPerCall: 1_000, maxCoalescedDelivery: 2 });
    const { calls, call } = controllableCall();
    const pending = [
      coalescer.submit('one', events('a'), call),
      coalescer.submit('two', events('b'), call),
      coalescer.submit('one', events('x', 'y', 'z'), call),
    ];
    await flush();
    // 'one' and 'two' each run; the three-event delivery is over the limit and goes alone too.
    expect(calls.map((c) => c.events.length).sort()).toEqual([1, 1, 3]);
    for (const c of calls) c.finish();
    await Promise.all(pending);
  });

  it('never splits a delivery, and caps the events of one combined call', async () => {
    const coalescer = new IngestCoalescer<Event, Row>({ ...LIMITS, maxInFlight: 1, maxEventsPerCall: 3, maxCoalescedDelivery: 100 });
    const { calls, call } = controllableCall();
    const all = [
      coalescer.submit('k', events('a'), call),
      coalescer.submit('k', events('b', 'c'), call),
      coalescer.submit('k', events('d', 'e'), call),
      coalescer.submit('k', events('f'), call),
    ];
    await flush();
    calls[0]!.finish();
    await flush();
    expect(calls[1]!.events.map((e) => e.provider_event_id)).toEqual(['b', 'c']);
    calls[1]!.finish();
    await flush();
    expect(calls[2]!.events.map((e) => e.provider_event_id)).toEqual(['d', 'e', 'f']);
    calls[2]!.finish();
    await Promise.all(all);
  });

  it('an event in two deliveries of one call: the first gets its outcome, the later one a duplicate', async () => {
    const coalescer = new IngestCoalescer<Event, Row>({ ...LIMITS, maxInFlight: 1, maxEventsPerCall: 1_000, maxCoalescedDelivery: 100 });
    const { calls, call } = controllableCall();
    const blocker = coalescer.submit('k', events('z'), call);
    const first = coalescer.submit('k', events('same', 'p'), call);
    const second = coalescer.submit('k', events('same', 'same'), call);
    await flush();
    calls[0]!.finish();
    await blocker;
    await flush();
    calls[1]!.finish();
    expect(await first).toEqual([
      { provider_event_id: 'same', outcome: 'applied' },
      { provider_event_id: 'p', outcome: 'applied' },
    ]);
    expect(await second).toEqual([{ provider_event_id: 'same', outcome: 'duplicate' }]);
  });

  it('a delivery that breaks the shared call is retried alone: only it fails', async () => {
    const coalescer = new IngestCoalescer<Event, Row>({ ...LIMITS, maxInFlight: 1, maxEventsPerCall: 1_000, maxCoalescedDelivery: 100 });
    const { calls, call } = controllableCall((evs) =>
      evs.some((e) => e.provider_event_id === 'poison') ? new Error('check violation') : null,
    );
    const blocker = coalescer.submit('k', events('z'), call);
    const good = coalescer.submit('k', events('g1'), call);
    const bad = coalescer.submit('k', events('poison'), call);
    const good2 = coalescer.submit('k', events('g2'), call);
    await flush();
    calls[0]!.finish();
    await blocker;
    await flush();
    calls[1]!.finish();
    await flush();
    expect(calls.slice(2).map((c) => c.events.map((e) => e.provider_event_id))).toEqual([['g1'], ['poison'], ['g2']]);
    for (const c of calls.slice(2)) c.finish();
    expect(await good).toEqual([{ provider_event_id: 'g1', outcome: 'applied' }]);
    await expect(bad).rejects.toThrow('check violation');
    expect(await good2).toEqual([{ provider_event_id: 'g2', outcome: 'applied' }]);
  });

  it.each([
    ['the database is unavailable', new DatabaseUnavailableError('down')],
    ['the workspace is unknown', new UnknownWorkspaceError('99999999-9999-4999-8999-999999999999')],
  ])('when %s, every delivery of the call gets that error and nothing is retried', async (_label, error) => {
    const coalescer = new IngestCoalescer<Event, Row>({ ...LIMITS, maxInFlight: 1, maxEventsPerCall: 1_000, maxCoalescedDelivery: 100 });
    let failing = false;
    const { calls, call } = controllableCall(() => (failing ? error : null));
    const blocker = coalescer.submit('k', events('z'), call);
    const waiting = [coalescer.submit('k', events('a'), call), coalescer.submit('k', events('b'), call)];
    await flush();
    calls[0]!.finish();
    await blocker;
    failing = true;
    await flush();
    calls[1]!.finish();
    for (const delivery of waiting) await expect(delivery).rejects.toBe(error);
    expect(calls).toHaveLength(2);
  });

  it('waiting is bounded: past the limit a delivery is refused at once, and nobody waits past the timeout', async () => {
    const coalescer = new IngestCoalescer<Event, Row>({
      maxInFlight: 1,
      maxEventsPerCall: 1_000,
      maxCoalescedDelivery: 100,
      maxWaiting: 2,
      waitTimeoutMs: 50,
    });
    const { calls, call } = controllableCall();
    const running = coalescer.submit('k', events('a'), call);
    const queued = [coalescer.submit('k', events('b'), call), coalescer.submit('other', events('c'), call)];
    // 'other' had nothing running: it went at once and does not count as waiting.
    const queuedAgain = coalescer.submit('k', events('d'), call);
    const refused = coalescer.submit('k', events('e'), call);
    await expect(refused).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE', retryAfterSeconds: 1 });
    for (const waiting of [queued[0]!, queuedAgain]) await expect(waiting).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    // Those timed out and left the queue: room again, and the stuck call still answers its own caller.
    expect(calls.map((c) => c.events[0]!.provider_event_id)).toEqual(['a', 'c']);
    for (const c of calls) c.finish();
    expect(await running).toHaveLength(1);
    expect(await queued[1]!).toHaveLength(1);
    const later = coalescer.submit('k', events('f'), call);
    await flush();
    calls.at(-1)!.finish();
    expect(await later).toEqual([{ provider_event_id: 'f', outcome: 'applied' }]);
  });

  it('reads its limits from the environment, ignoring nonsense', () => {
    expect(coalescerOptionsFrom({ METRICS_INGEST_MAX_IN_FLIGHT: '4' }).maxInFlight).toBe(4);
    expect(coalescerOptionsFrom({ METRICS_INGEST_MAX_IN_FLIGHT: '0' }).maxInFlight).toBe(1);
    expect(coalescerOptionsFrom({ METRICS_INGEST_MAX_IN_FLIGHT: 'lots' }).maxInFlight).toBe(1);
    expect(coalescerOptionsFrom({}).maxInFlight).toBe(1);
    // Waiting follows the database queue's settings.
    expect(coalescerOptionsFrom({ DATABASE_POOL_MAX: '3' }).maxWaiting).toBe(24);
    expect(coalescerOptionsFrom({ METRICS_DB_QUEUE_MAX: '2', METRICS_DB_QUEUE_TIMEOUT_MS: '1000' })).toMatchObject({
      maxWaiting: 2,
      waitTimeoutMs: 1000,
    });
  });
});
