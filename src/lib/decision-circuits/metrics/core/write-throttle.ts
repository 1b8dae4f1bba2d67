// Bookkeeping writes that only need to be roughly current (last delivery, last activity): at most
// one per key per interval from this process, so a busy provider costs one small write a minute,
// not a database round trip per delivery.

export interface WriteThrottle {
  /** True when a write for this key is due now (and marks it written). */
  due(key: string): boolean;
  /** A write that failed: let the next delivery try again. */
  forget(key: string): void;
}

export function createWriteThrottle(everyMs: number, maxTracked = 10_000): WriteThrottle {
  const lastWritten = new Map<string, number>();
  return {
    due(key) {
      const now = Date.now();
      if (now - (lastWritten.get(key) ?? 0) < everyMs) return false;
      // Bounded memory: forgetting keys costs one extra write each, nothing else.
      if (lastWritten.size >= maxTracked) lastWritten.clear();
      lastWritten.set(key, now);
      return true;
    },
    forget(key) {
      lastWritten.delete(key);
    },
  };
}
