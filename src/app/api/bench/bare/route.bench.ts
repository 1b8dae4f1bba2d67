// Compiled only into the benchmarks' build: METRICS_BENCH_BUILD=true adds `bench.ts` to the page
// extensions (next.config.ts), so `next build` for production never reads this file.
export { GET, POST } from '../../../../../tooling/bench/bare-route';

export const dynamic = 'force-dynamic';
