// The benchmarks' framework ceiling, POST and GET /api/bench/bare: reads the body, answers 202,
// touches nothing. Served only by the benchmarks' own build (bench/lib/cli.ts builds it into
// .next-bench with METRICS_BENCH_BUILD=true); the production build has no such route.
import { readRawBody } from '../../src/lib/http/body';
import { jsonResponse } from '../../src/lib/http/json-response';
import { MAX_PAYLOAD_BYTES } from '../../src/lib/decision-circuits/metrics/metrics-types';

const CEILING = 'benchmark ceiling: nothing stored';

export async function POST(request: Request): Promise<Response> {
  const body = await readRawBody(request, MAX_PAYLOAD_BYTES);
  return jsonResponse({ success: true, bytes: body.byteLength, note: CEILING }, { status: 202 });
}

export function GET(): Response {
  return jsonResponse({ success: true, note: CEILING });
}
