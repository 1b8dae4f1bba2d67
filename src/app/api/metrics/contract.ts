// GET /api/metrics: the Prometheus scrape.
import { defineOperation, defineRoute } from '@/lib/http/contract';

export const contract = defineRoute({
  GET: defineOperation({
    summary: "Prometheus text exposition of this process's counters and the product's state",
    description: 'Needs `Authorization: Bearer $METRICS_SCRAPE_TOKEN`; 404 while the token is unset.',
    auth: 'scrape',
    responses: { 200: { description: 'Prometheus text format', contentType: 'text/plain; version=0.0.4' } },
    errors: [401, 404, 503],
  }),
});
