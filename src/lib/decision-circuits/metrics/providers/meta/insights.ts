// Meta insights for the poll: `GET /{object-id}/insights?metric=…` per Facebook Page post or
// Instagram media, lifetime values. Meta retired the "impressions" metrics in 2025 for "views":
// Facebook posts read post_media_view (reach: post_total_media_view_unique; post_impressions and
// post_impressions_unique are refused since 2025-11-15 and 2025-06-15), Instagram media read views
// (reach: reach; impressions is refused since v22). Meta refuses a whole request that names one
// metric it no longer serves ("(#100) The value must be a valid insights metric"), so the retired
// names are never asked for, and a request refused that way is asked again for the impressions
// metric alone (Meta has been retiring unique "reach" metrics too). An answer that still carries a
// retired name (an older Graph API version) is read under it. The names live here only.
import { z } from 'zod';
import { parseResponse, readCount } from '../kit/backfill-client';
import { ProviderApiError, type ProviderHttp } from '../kit/backfill-http';
import { InsightsTokenRejectedError, type InsightReading, type InsightsProviderClient } from '../kit/insights-client';
import { classifyGraphError, META_GRAPH_BASE_URL } from './backfill';

const LABEL = 'Meta Graph API';
const ENDPOINT = 'GET /{object-id}/insights';
/** Invalid or expired token (190) and its older session form (102). */
const TOKEN_CODES = new Set([102, 190]);
/** "Object with ID … does not exist": code 100 with this subcode. */
const MISSING_OBJECT_SUBCODE = 33;
/** "Not enough viewers" (10) and a metric the object does not support (100). */
const NO_FIGURE_CODES = new Set([10, 100]);

const insightsSchema = z
  .object({
    data: z.array(z.object({ name: z.string(), values: z.array(z.object({ value: z.unknown() }).loose()).optional() }).loose()),
  })
  .loose();

interface MetaInsightMetrics {
  impressions: string;
  reach: string;
  /** The names these replaced: read when an answer carries them instead, never asked for. */
  formerImpressions: string;
  formerReach: string;
}

/** Meta's answer to a request naming a metric it does not (or no longer) serve. */
const INVALID_METRIC = /valid insights metric/i;

const graphErrorSchema = z
  .object({
    error: z.object({ code: z.number().optional(), error_subcode: z.number().optional(), message: z.string().optional() }).loose(),
  })
  .loose();

async function readOne(
  http: ProviderHttp,
  base: string,
  token: string,
  metrics: MetaInsightMetrics,
  objectId: string,
  names: readonly string[] = [metrics.impressions, metrics.reach],
): Promise<InsightReading> {
  const url = new URL(`${base}/${encodeURIComponent(objectId)}/insights`);
  url.searchParams.set('metric', names.join(','));
  url.searchParams.set('period', 'lifetime');
  let body: unknown;
  try {
    body = await http.getJson(url, { authorization: `Bearer ${token}` }, ENDPOINT);
  } catch (error) {
    if (!(error instanceof ProviderApiError) || error.kind !== 'http') throw error;
    const graph = graphErrorSchema.safeParse(error.body);
    const code = graph.success ? graph.data.error.code : undefined;
    if (code === 100 && names.length > 1 && INVALID_METRIC.test(graph.success ? (graph.data.error.message ?? '') : '')) {
      return readOne(http, base, token, metrics, objectId, [metrics.impressions]);
    }
    if (code !== undefined && TOKEN_CODES.has(code)) throw new InsightsTokenRejectedError(error.message);
    if (code === 100 && graph.success && graph.data.error.error_subcode === MISSING_OBJECT_SUBCODE) {
      return { objectId, outcome: 'deleted', note: error.message };
    }
    if (code !== undefined && NO_FIGURE_CODES.has(code)) return { objectId, outcome: 'no_figure', note: error.message };
    throw error;
  }
  const values = new Map<string, number>();
  for (const metric of parseResponse(insightsSchema, body, LABEL, ENDPOINT).data) {
    const value = readCount(metric.values?.at(-1)?.value);
    if (value !== null) values.set(metric.name, value);
  }
  const metric = values.has(metrics.impressions) ? metrics.impressions : metrics.formerImpressions;
  const impressions = values.get(metric);
  // Meta answers an empty set, not 0, while it has nothing for the object.
  if (impressions === undefined) return { objectId, outcome: 'no_figure', note: `no ${metrics.impressions} value yet` };
  return {
    objectId,
    outcome: 'measured',
    metric,
    impressions,
    // (The current names are views; the former ones counted impressions.)
    views: metric === metrics.impressions ? impressions : null,
    reach: values.get(metrics.reach) ?? values.get(metrics.formerReach) ?? null,
  };
}

function metaInsightsClient(provider: 'facebook' | 'instagram', metrics: MetaInsightMetrics): InsightsProviderClient {
  return {
    provider,
    label: LABEL,
    classifyError: classifyGraphError,
    baseUrlVar: 'META_GRAPH_BASE_URL',
    defaultBaseUrl: META_GRAPH_BASE_URL,
    postsPerRequest: 1,
    async read(http, base, account, objectIds) {
      const readings: InsightReading[] = [];
      for (const objectId of objectIds) readings.push(await readOne(http, base, account.token, metrics, objectId));
      return readings;
    },
  };
}

export const facebookInsightsClient = metaInsightsClient('facebook', {
  impressions: 'post_media_view',
  reach: 'post_total_media_view_unique',
  formerImpressions: 'post_impressions',
  formerReach: 'post_impressions_unique',
});
export const instagramInsightsClient = metaInsightsClient('instagram', {
  impressions: 'views',
  reach: 'reach',
  formerImpressions: 'impressions',
  formerReach: 'reach',
});
