// What every provider's sample builder shares: the seeded source, the attribution it carries, and
// the lookup from what a person types to the provider's own event name.
import { createRng, type Rng } from '../../../../random/seeded-rng';
import type { ProviderSamples, SampleOptions } from './definition';

export interface SampleStart {
  rng: Rng;
  nowMs: number;
  /** Circuit context as the provider's custom fields, or null. */
  custom: Record<string, string> | null;
}

export function startSample(options: SampleOptions): SampleStart {
  const nowMs = options.nowMs ?? Date.now();
  const rng = createRng(options.seed ?? `sample|${nowMs}`);
  const custom = options.attribution
    ? (Object.fromEntries(Object.entries(options.attribution).filter(([, v]) => v)) as Record<string, string>)
    : null;
  return { rng, nowMs, custom };
}

/** The provider's own kind for what a person typed (`opened`, `email.opened`, `open` …); null if unknown. */
export function resolveKind(samples: Pick<ProviderSamples, 'kinds' | 'aliases'>, input: string): string | null {
  const wanted = input.trim().toLowerCase();
  const direct = samples.kinds.find((kind) => kind.toLowerCase() === wanted);
  if (direct) return direct;
  const alias = Object.hasOwn(samples.aliases, wanted) ? samples.aliases[wanted] : undefined;
  return alias && samples.kinds.includes(alias) ? alias : null;
}
