// Sample deliveries for any provider, through its definition: the CLI sender, the simulator's
// single sends and the connection's "send a test event" use these.
import type { SampleDelivery, SampleOptions } from './kit/definition';
import { getProvider, type MetricsProvider } from './registry';
import { resolveKind } from './kit/sample-builders';

export type { SampleDelivery, SampleOptions } from './kit/definition';

export { SAMPLE_KINDS } from './registry';

/** The provider's own kind for what a person typed (`opened`, `email.opened`, `open` …); null if unknown. */
export function resolveSampleKind(provider: MetricsProvider, input: string): string | null {
  return resolveKind(getProvider(provider).samples, input);
}

export function buildSampleDelivery(provider: MetricsProvider, kind: string, options: SampleOptions = {}): SampleDelivery {
  return getProvider(provider).samples.build(kind, options);
}
