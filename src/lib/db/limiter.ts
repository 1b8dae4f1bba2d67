import { DatabaseUnavailableError } from './errors';
import type { Database, Queryable, ScriptQueryable, Statement } from './types';

/** The answer to work turned away by a bounded queue in front of the database: 503, retry in 1 s. */
export function databaseBusyError(): DatabaseUnavailableError {
  return new DatabaseUnavailableError('Database busy', { retryAfterSeconds: 1 });
}

export interface LimiterOptions {
  /** Database calls in flight at once (match the connection pool). */
  maxConcurrent: number;
  /** Calls allowed to wait for a slot; past this the caller gets 503 at once. */
  maxQueued: number;
  /** How long a queued call may wait before it gives up with 503. */
  queueTimeoutMs: number;
  /** Told how long each call waited for its slot and about each call turned away (metrics). */
  observer?: LimiterObserver;
}

export interface LimiterObserver {
  waited(ms: number): void;
  rejected(reason: 'queue_full' | 'queue_timeout'): void;
}

/**
 * Backpressure: at most maxConcurrent calls reach Postgres, at most maxQueued wait, and none
 * waits longer than queueTimeoutMs. Everything past that fails fast with 503 + Retry-After,
 * so a burst costs the providers a retry instead of costing this process unbounded memory.
 */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: { grant: () => void; timer: NodeJS.Timeout }[] = [];

  constructor(private readonly options: LimiterOptions) {}

  get stats(): { active: number; queued: number } {
    return { active: this.active, queued: this.waiting.length };
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    const observer = this.options.observer;
    if (this.active < this.options.maxConcurrent) {
      this.active += 1;
      observer?.waited(0);
      return Promise.resolve();
    }
    if (this.waiting.length >= this.options.maxQueued) {
      observer?.rejected('queue_full');
      return Promise.reject(databaseBusyError());
    }
    const queuedAt = performance.now();
    return new Promise<void>((resolve, reject) => {
      const entry = {
        grant: () => {
          clearTimeout(entry.timer);
          observer?.waited(performance.now() - queuedAt);
          resolve();
        },
        timer: setTimeout(() => {
          const index = this.waiting.indexOf(entry);
          if (index >= 0) this.waiting.splice(index, 1);
          observer?.rejected('queue_timeout');
          reject(databaseBusyError());
        }, this.options.queueTimeoutMs),
      };
      this.waiting.push(entry);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter, so `active` only drops when nobody waits.
    if (next) next.grant();
    else this.active -= 1;
  }
}

/** The same database, with every top-level call going through the limiter. */
export function withConcurrencyLimit(db: Database, limiter: ConcurrencyLimiter): Database {
  return {
    kind: db.kind,
    query: <T extends object>(text: string, params?: readonly unknown[]) => limiter.run(() => db.query<T>(text, params)),
    exec: (script: string) => limiter.run(() => db.exec(script)),
    transaction: <T>(fn: (tx: ScriptQueryable) => Promise<T>) => limiter.run(() => db.transaction(fn)),
    pipeline: (statements: readonly Statement[]) => limiter.run(() => db.pipeline(statements)),
    close: () => db.close(),
  } satisfies Database & Queryable;
}
