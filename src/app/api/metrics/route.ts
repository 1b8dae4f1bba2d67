// GET /api/metrics: Prometheus text exposition of this process's counters and of the product's
// state read from the database (the same on every instance). Needs
// `Authorization: Bearer $METRICS_SCRAPE_TOKEN`; 404 while the token is unset (the endpoint does
// not exist until an operator turns it on), 401 with a wrong or missing token.
import { AppError } from '@/lib/http/errors';
import { bearerMatches, withRequestLog } from '@/lib/http/handlers';
import { refreshProductGauges } from '@/lib/decision-circuits/metrics/ops';
import { getMetrics } from '@/lib/observability/metrics';

export const dynamic = 'force-dynamic';

export const GET = withRequestLog(async (request) => {
  const token = process.env.METRICS_SCRAPE_TOKEN?.trim();
  if (!token) throw new AppError('not_found', 'Not found');
  if (!bearerMatches(request, token)) {
    throw new AppError('unauthorized', 'Invalid scrape credentials', {}, { 'www-authenticate': 'Bearer' });
  }
  const { registry, product } = getMetrics();
  await refreshProductGauges(product);
  return new Response(await registry.metrics(), {
    headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' },
  });
});
