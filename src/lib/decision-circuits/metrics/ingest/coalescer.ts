// Group commit for small deliveries. Providers post many tiny deliveries at once (Resend, Meta and
// LinkedIn send one event per request); each used to pay for its own metrics_ingest_events call,
// transaction and commit, and all of them queued on the same hot rollup rows. Here, deliveries for
// the same workspace and provider that arrive while earlier calls are running wait for a free slot
// and then share one call: one transaction holding every waiting delivery whole. A delivery is
// never split, each is acknowledged only after that transaction commits, and each gets back the
// outcomes of its own events, so "one delivery, one transaction, all or nothing" still holds; a
// transaction may simply hold several deliveries. When nothing is running a delivery goes at
// once, so a quiet server adds no latency. Waiting is bounded like the database limiter's queue
// (same settings): past maxWaiting, or after waitTimeoutMs, a delivery gets 503 + Retry-After
// instead of waiting in memory.
import { databaseBusyError, databaseQueueSettings, isDatabaseUnavailable, poolMaxSetting, positiveIntSetting } from '../../../db';
import { isDomainError } from '../core/errors';

export interface CoalescedEvent {
  provider_event_id: string;
}

export interface CoalescedOutcome {
  provider_event_id: string;
  outcome: string;
}

export interface CoalescerOptions {
  /** Calls running at once per group; more wait and are combined. */
  maxInFlight: number;
  /** Events in one combined call (a delivery larger than this still goes whole, alone). */
  maxEventsPerCall: number;
  /** Deliveries larger than this are batches already and always get their own call. */
  maxCoalescedDelivery: number;
  /** Deliveries waiting at once (all groups); more are refused at once. */
  maxWaiting: number;
  /** Longest wait for a call before the delivery is refused. */
  waitTimeoutMs: number;
}

/**
 * METRICS_INGEST_MAX_IN_FLIGHT (default 1: the largest groups, see docs/performance.md); waiting bounded by the database queue's settings:
 * METRICS_DB_QUEUE_MAX (default 8 x DATABASE_POOL_MAX) and METRICS_DB_QUEUE_TIMEOUT_MS (5 s).
 */
export function coalescerOptionsFrom(env: Readonly<Record<string, string | undefined>>): CoalescerOptions {
  const queue = databaseQueueSettings(env, poolMaxSetting(env));
  return {
    maxInFlight: positiveIntSetting(env.METRICS_INGEST_MAX_IN_FLIGHT, 1),
    maxEventsPerCall: 1_000,
    maxCoalescedDelivery: 100,
    maxWaiting: queue.maxQueued,
    waitTimeoutMs: queue.queueTimeoutMs,
  };
}

export const DEFAULT_COALESCER_OPTIONS: CoalescerOptions = coalescerOptionsFrom({});

interface Waiting<E, R> {
  events: E[];
  resolve(rows: R[]): void;
  reject(error: unknown): void;
  timer?: NodeJS.Timeout;
}

interface Group<E, R> {
  inFlight: number;
  waiting: Waiting<E, R>[];
  call: (events: E[]) => Promise<R[]>;
}

/**
 * Errors about the whole group, which every delivery would get alone too: the database is
 * unavailable, or an answer about the shared workspace (unknown workspace, 404).
 */
function failsEveryDelivery(error: unknown): boolean {
  return isDatabaseUnavailable(error) || isDomainError(error);
}

export class IngestCoalescer<E extends CoalescedEvent, R extends CoalescedOutcome> {
  private readonly groups = new Map<string, Group<E, R>>();
  private waitingCount = 0;

  constructor(private readonly options: CoalescerOptions = DEFAULT_COALESCER_OPTIONS) {}

  /**
   * Runs `call` for these events, possibly together with other deliveries of the same `key`
   * (the key must name everything `call` depends on besides the events).
   */
  submit(key: string, events: E[], call: (events: E[]) => Promise<R[]>): Promise<R[]> {
    if (events.length > this.options.maxCoalescedDelivery) return call(events);
    let group = this.groups.get(key);
    if (!group) {
      group = { inFlight: 0, waiting: [], call };
      this.groups.set(key, group);
    }
    const target = group;
    return new Promise<R[]>((resolve, reject) => {
      const waiting: Waiting<E, R> = { events, resolve, reject };
      if (target.inFlight >= this.options.maxInFlight) {
        // It has to wait: bounded in number and time, like the database queue.
        if (this.waitingCount >= this.options.maxWaiting) {
          reject(databaseBusyError());
          return;
        }
        this.waitingCount += 1;
        waiting.timer = setTimeout(() => {
          const index = target.waiting.indexOf(waiting);
          if (index < 0) return;
          target.waiting.splice(index, 1);
          this.waitingCount -= 1;
          reject(databaseBusyError());
        }, this.options.waitTimeoutMs);
      }
      target.waiting.push(waiting);
      this.pump(key, target);
    });
  }

  private pump(key: string, group: Group<E, R>): void {
    while (group.inFlight < this.options.maxInFlight && group.waiting.length > 0) {
      const batch: Waiting<E, R>[] = [];
      let size = 0;
      while (group.waiting.length > 0) {
        const next = group.waiting[0]!;
        if (batch.length > 0 && size + next.events.length > this.options.maxEventsPerCall) break;
        batch.push(next);
        size += next.events.length;
        group.waiting.shift();
        if (next.timer) {
          clearTimeout(next.timer);
          this.waitingCount -= 1;
        }
      }
      group.inFlight += 1;
      void this.run(group.call, batch).finally(() => {
        group.inFlight -= 1;
        if (group.inFlight === 0 && group.waiting.length === 0) this.groups.delete(key);
        else this.pump(key, group);
      });
    }
  }

  private async run(call: (events: E[]) => Promise<R[]>, batch: Waiting<E, R>[]): Promise<void> {
    if (batch.length === 1) {
      const only = batch[0]!;
      await call(only.events).then(only.resolve, only.reject);
      return;
    }
    try {
      distribute(batch, await call(batch.flatMap((waiting) => waiting.events)));
    } catch (error) {
      if (failsEveryDelivery(error)) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
      // Something in one delivery broke the shared transaction (nothing of it was kept):
      // run each alone, so only that delivery fails.
      await Promise.all(batch.map((waiting) => call(waiting.events).then(waiting.resolve, waiting.reject)));
    }
  }
}

/**
 * Hands each delivery the rows of its own events. An event in two deliveries of one call was
 * stored once: the first delivery gets its outcome, later ones see a duplicate, exactly as if
 * they had been sent one after the other.
 */
function distribute<E extends CoalescedEvent, R extends CoalescedOutcome>(batch: Waiting<E, R>[], rows: R[]): void {
  const byEventId = new Map(rows.map((row) => [row.provider_event_id, row]));
  const answered = new Set<string>();
  for (const waiting of batch) {
    const own: R[] = [];
    const seen = new Set<string>();
    for (const event of waiting.events) {
      const id = event.provider_event_id;
      const row = byEventId.get(id);
      if (!row || seen.has(id)) continue;
      seen.add(id);
      own.push(answered.has(id) ? { ...row, outcome: 'duplicate' } : row);
      answered.add(id);
    }
    waiting.resolve(own);
  }
}
