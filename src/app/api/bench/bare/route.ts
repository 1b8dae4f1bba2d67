// POST /api/bench/bare: the benchmarks' framework ceiling (reads the body, answers 202, touches
// nothing). Off unless METRICS_BENCH_ROUTES=true, so production deployments answer 404.
import { readRawBody } from '@/lib/http/body';
import { errorResponse } from '@/lib/http/errors';
import { MAX_PAYLOAD_BYTES } from '@/lib/decision-circuits/metrics/metrics-types';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

export async function POST(request: Request): Promise<Response> {
  if (process.env.METRICS_BENCH_ROUTES !== 'true') return errorResponse('not_found', 'Not found');
  const body = await readRawBody(request, MAX_PAYLOAD_BYTES);
  return jsonResponse({ success: true, bytes: body.byteLength }, { status: 202 });
}

export async function GET(): Promise<Response> {
  if (process.env.METRICS_BENCH_ROUTES !== 'true') return errorResponse('not_found', 'Not found');
  return jsonResponse({ success: true });
}
