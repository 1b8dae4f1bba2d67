// Signature blocks this process has accepted, each bound to the event-data it arrived with.
//
// Mailgun signs `timestamp + token` only: the event-data beside it is not covered by the MAC, so
// a signature block seen once could carry any other event-data. Remembering which event-data each
// accepted block came with refuses exactly that, while the identical delivery sent again (Mailgun
// retrying after a failed answer, or the same event posted to a second URL) still passes: the
// ledger's dedup by event id makes storing it again a no-op.
//
// The memory is per process and bounded: another instance, or a block evicted under load, is not
// protected here. What protects every instance is the ledger (one row per event id), so a
// replay can never count twice; what it cannot stop is new event-data under a block another
// instance accepted, within the signature's age limit.

export type Admission = 'new' | 'same' | 'conflict';

export interface SeenSignatures {
  /**
   * Records `key` (an accepted signature) with the digest of its event-data until `expiresAtMs`.
   * `conflict`: the key is known with other event-data (refuse); `same`: known with this one.
   */
  admit(key: string, digest: string, expiresAtMs: number, nowMs: number): Admission;
  readonly size: number;
}

interface Entry {
  digest: string;
  expiresAtMs: number;
}

export function createSeenSignatures(maxEntries: number): SeenSignatures {
  const entries = new Map<string, Entry>();

  function prune(nowMs: number): void {
    // Insertion order is close to expiry order (one age limit for all): expired entries sit at the
    // front, and when full the oldest go first.
    for (const [key, entry] of entries) {
      if (entries.size < maxEntries && entry.expiresAtMs > nowMs) break;
      entries.delete(key);
    }
  }

  return {
    admit(key, digest, expiresAtMs, nowMs) {
      const known = entries.get(key);
      if (known !== undefined && known.expiresAtMs > nowMs) return known.digest === digest ? 'same' : 'conflict';
      if (known !== undefined) entries.delete(key);
      prune(nowMs);
      entries.set(key, { digest, expiresAtMs });
      return 'new';
    },
    get size() {
      return entries.size;
    },
  };
}
