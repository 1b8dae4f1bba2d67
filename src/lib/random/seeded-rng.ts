// A seeded random source (sfc32) for the payload generators: the same seed gives the same bytes.
import { createHash } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks by weight; weights need not sum to 1. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T;
  /** Exponentially distributed with the given mean. */
  exponential(mean: number): number;
  shuffle<T>(items: readonly T[]): T[];
  /** `length` characters of `alphabet`. */
  chars(alphabet: string, length: number): string;
  digits(length: number): string;
  hex(length: number): string;
  base62(length: number): string;
  base64url(length: number): string;
  /** A random (version 4 layout) UUID. */
  uuid(): string;
  /** An independent stream: changing how much one part draws never shifts another part's values. */
  fork(label: string): Rng;
}

function seedWords(seed: string): [number, number, number, number] {
  const digest = createHash('sha256').update(seed).digest();
  return [digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12)];
}

export function createRng(seed: string | number): Rng {
  const label = String(seed);
  let [a, b, c, d] = seedWords(label);
  const next = (): number => {
    // sfc32: small, fast, and good enough for test data (not for secrets).
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i += 1) next();

  const rng: Rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    between: (min, max) => min + next() * (max - min),
    chance: (probability) => next() < probability,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    weighted: (entries) => {
      const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
      let roll = next() * total;
      for (const [value, weight] of entries) {
        roll -= weight;
        if (roll < 0) return value;
      }
      const last = entries[entries.length - 1];
      if (last === undefined) throw new Error('weighted pick from an empty list');
      return last[0];
    },
    exponential: (mean) => -Math.log(1 - next()) * mean,
    shuffle: (items) => {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i -= 1) {
        const j = Math.floor(next() * (i + 1));
        [copy[i], copy[j]] = [copy[j] as (typeof copy)[number], copy[i] as (typeof copy)[number]];
      }
      return copy;
    },
    chars: (alphabet, length) => {
      let out = '';
      for (let i = 0; i < length; i += 1) out += alphabet[Math.floor(next() * alphabet.length)];
      return out;
    },
    digits: (length) => rng.chars('123456789', 1) + rng.chars('0123456789', length - 1),
    hex: (length) => rng.chars('0123456789abcdef', length),
    base62: (length) => rng.chars(BASE62, length),
    base64url: (length) => rng.chars(BASE64URL, length),
    uuid: () => {
      const hex = rng.hex(32);
      const variant = '89ab'[Math.floor(next() * 4)] ?? '8';
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    },
    fork: (child) => createRng(`${label}/${child}`),
  };
  return rng;
}

/** Hour bucket (ISO, UTC) of an instant: what `date_trunc('hour', occurred_at)` gives in UTC. */
export function hourBucket(epochMs: number): string {
  return new Date(Math.floor(epochMs / 3_600_000) * 3_600_000).toISOString();
}
