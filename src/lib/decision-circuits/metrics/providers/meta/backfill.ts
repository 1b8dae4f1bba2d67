// Meta Graph API backfill: Facebook Page posts and Instagram media of the window, newest first,
// with their lifetime totals (post fields) and per-object insights. Paging follows the
// response's cursors; only a time position is saved between runs (Meta cursors expire).
import { z } from 'zod';
import type { MetricsProvider } from '../../metrics-types';
import { parseTimestamp, type EnvBag } from '../kit/provider';
import {
  baseUrl,
  fractionFromNewest,
  missingConfig,
  parseResponse,
  readCount,
  readCursor,
  readEnv,
  type BackfillContext,
  type BackfillPage,
  type BackfillProviderClient,
  type BackfillRecord,
  type CountedEventType,
} from '../kit/backfill-client';
import { ProviderApiError, type ErrorClassifier, type ProviderHttp } from '../kit/backfill-http';

export const META_GRAPH_BASE_URL = 'https://graph.facebook.com/v23.0';
/** Objects per listing page. Each needs its own insights call, so pages stay small: one page
 * (and its checkpoint) always fits well inside a run's time budget. */
export const META_PAGE_LIMIT = 10;
const LABEL = 'Meta Graph API';

// Graph reports throttling as error codes in the body, often with HTTP 400/403.
const THROTTLE_CODES = new Set([4, 17, 32, 613]);
// "Not enough viewers" (10) and unsupported metric for this media (100): no insight, not a failure.
const NO_INSIGHT_CODES = new Set([10, 100]);

function graphError(body: unknown): { code: number | null; transient: boolean; message: string } | null {
  if (typeof body !== 'object' || body === null) return null;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return null;
  const e = error as { code?: unknown; is_transient?: unknown; message?: unknown };
  return {
    code: typeof e.code === 'number' ? e.code : null,
    transient: e.is_transient === true,
    message: typeof e.message === 'string' ? e.message : '',
  };
}

export const classifyGraphError: ErrorClassifier = (status, body) => {
  if (status < 400) return null;
  const error = graphError(body);
  if (error?.code !== null && error?.code !== undefined && THROTTLE_CODES.has(error.code)) return 'rate_limited';
  return error?.transient ? 'retry' : null;
};

const countSummary = z.object({ summary: z.object({ total_count: z.number() }).loose() }).loose();
const pagingSchema = z
  .object({ cursors: z.object({ after: z.string().optional() }).loose().optional(), next: z.string().optional() })
  .loose()
  .optional();
const facebookPostSchema = z
  .object({
    id: z.string().min(1).max(512),
    created_time: z.string(),
    shares: z.object({ count: z.number() }).loose().optional(),
    comments: countSummary.optional(),
    reactions: countSummary.optional(),
  })
  .loose();
const instagramMediaSchema = z
  .object({
    id: z.string().min(1).max(512),
    timestamp: z.string(),
    like_count: z.number().optional(),
    comments_count: z.number().optional(),
  })
  .loose();
const insightsSchema = z
  .object({
    data: z.array(z.object({ name: z.string(), values: z.array(z.object({ value: z.unknown() }).loose()).optional() }).loose()),
  })
  .loose();

/** `until` (epoch s, inclusive) of the next listing: the oldest object reached so far. */
const cursorSchema = z.object({ until: z.number().int() });

interface MetaSurface {
  provider: 'facebook' | 'instagram';
  listPath(ownerId: string): string;
  fields: string;
  itemSchema: z.ZodType<{ id: string } & Record<string, unknown>>;
  createdAt(item: Record<string, unknown>): string | null;
  baseTotals(item: Record<string, unknown>): BackfillRecord['totals'];
  /** Insight metric name → counter it feeds. */
  insights: Readonly<Record<string, CountedEventType>>;
}

function count(value: unknown, field: string): { value: number; field: string } | undefined {
  const n = readCount(value);
  return n === null ? undefined : { value: n, field };
}

const FACEBOOK: MetaSurface = {
  provider: 'facebook',
  listPath: (pageId) => `/${encodeURIComponent(pageId)}/published_posts`,
  // filter(stream) counts replies too, as comment webhooks do.
  fields: 'id,created_time,shares,comments.filter(stream).summary(true).limit(0),reactions.summary(true).limit(0)',
  itemSchema: facebookPostSchema,
  createdAt: (item) => parseTimestamp(item.created_time),
  baseTotals: (item) => {
    const post = item as z.output<typeof facebookPostSchema>;
    return {
      social_like: count(post.reactions?.summary.total_count, 'reactions.summary.total_count'),
      social_comment: count(post.comments?.summary.total_count, 'comments.summary.total_count'),
      social_share: count(post.shares?.count ?? 0, 'shares.count'),
    };
  },
  // Impression metrics are being renamed by Meta (docs/operations.md); clicks are stable.
  insights: { post_clicks: 'social_click' },
};

const INSTAGRAM: MetaSurface = {
  provider: 'instagram',
  listPath: (userId) => `/${encodeURIComponent(userId)}/media`,
  fields: 'id,timestamp,like_count,comments_count,media_product_type',
  itemSchema: instagramMediaSchema,
  createdAt: (item) => parseTimestamp(item.timestamp),
  baseTotals: (item) => {
    const media = item as z.output<typeof instagramMediaSchema>;
    return {
      social_like: count(media.like_count, 'like_count'),
      social_comment: count(media.comments_count, 'comments_count'),
    };
  },
  // No views: impressions are the insights poll's (providers/meta/insights.ts), counted straight
  // into the rollups; a top-up through the ledger would count them twice.
  insights: { shares: 'social_share' },
};

async function fetchInsights(
  http: ProviderHttp,
  base: string,
  token: string,
  surface: MetaSurface,
  objectId: string,
  warnings: string[],
): Promise<BackfillRecord['totals']> {
  const endpoint = 'GET /{object-id}/insights';
  const url = new URL(`${base}/${encodeURIComponent(objectId)}/insights`);
  url.searchParams.set('metric', Object.keys(surface.insights).join(','));
  let body: unknown;
  try {
    body = await http.getJson(url, { authorization: `Bearer ${token}` }, endpoint);
  } catch (error) {
    const code = error instanceof ProviderApiError && error.status === 400 ? graphError(error.body)?.code : null;
    if (code !== null && code !== undefined && NO_INSIGHT_CODES.has(code)) {
      warnings.push(`No insights for ${surface.provider} object ${objectId}: ${error instanceof Error ? error.message : ''}`);
      return {};
    }
    throw error;
  }
  const totals: BackfillRecord['totals'] = {};
  for (const metric of parseResponse(insightsSchema, body, LABEL, endpoint).data) {
    const kind = Object.hasOwn(surface.insights, metric.name) ? surface.insights[metric.name] : undefined;
    const value = count(metric.values?.at(-1)?.value, `insights.${metric.name}`);
    if (kind && value) totals[kind] = value;
  }
  return totals;
}

async function* pages(
  surface: MetaSurface,
  token: string,
  ownerId: string,
  base: string,
  ctx: BackfillContext,
  saved: unknown,
): AsyncGenerator<BackfillPage, void, undefined> {
  const endpoint = `GET ${surface.provider === 'facebook' ? '/{page-id}/published_posts' : '/{ig-user-id}/media'}`;
  const startSeconds = Math.floor(ctx.window.start.getTime() / 1000);
  const windowUntil = Math.floor(ctx.window.end.getTime() / 1000) - 1;
  const resumeUntil = readCursor(cursorSchema, saved)?.until ?? windowUntil;
  const listSchema = z.object({ data: z.array(surface.itemSchema), paging: pagingSchema }).loose();
  let after: string | null = null;
  let oldestMs = ctx.window.end.getTime();

  for (;;) {
    const url = new URL(`${base}${surface.listPath(ownerId)}`);
    url.searchParams.set('fields', surface.fields);
    url.searchParams.set('since', String(startSeconds));
    url.searchParams.set('until', String(Math.min(resumeUntil, windowUntil)));
    url.searchParams.set('limit', String(META_PAGE_LIMIT));
    // The next page is built from the cursor, never from paging.next: that URL could point
    // anywhere, and our token must only go to the configured host.
    if (after !== null) url.searchParams.set('after', after);
    const body = await ctx.http.getJson(url, { authorization: `Bearer ${token}` }, endpoint);
    const page = parseResponse(listSchema, body, LABEL, endpoint);

    const records: BackfillRecord[] = [];
    const warnings: string[] = [];
    for (const item of page.data) {
      const createdAt = surface.createdAt(item);
      if (createdAt === null) {
        warnings.push(`${surface.provider} object ${item.id} has an unreadable time; skipped`);
        continue;
      }
      const ms = Date.parse(createdAt);
      // since/until already bound the listing; this guards against a provider ignoring them.
      if (ms < ctx.window.start.getTime() || ms >= ctx.window.end.getTime()) continue;
      oldestMs = Math.min(oldestMs, ms);
      const insights = await fetchInsights(ctx.http, base, token, surface, item.id, warnings);
      records.push({
        recordId: item.id,
        objectId: item.id,
        recipientHash: null,
        occurredAt: createdAt,
        totals: { ...surface.baseTotals(item), ...insights },
        source: { id: item.id, created: createdAt },
      });
    }
    const nextCursor = page.paging?.next ? (page.paging.cursors?.after ?? null) : null;
    const done = nextCursor === null || page.data.length === 0;
    after = nextCursor;
    yield {
      records,
      // Resuming re-lists from the oldest object reached (inclusive): repeats are harmless.
      cursor: done ? null : { until: Math.floor(oldestMs / 1000) },
      fraction: done ? 1 : fractionFromNewest(ctx.window, oldestMs),
      warnings,
    };
    if (done) return;
  }
}

function metaClient(surface: MetaSurface, ownerVar: string): BackfillProviderClient {
  const provider: MetricsProvider = surface.provider;
  return {
    provider,
    label: LABEL,
    classifyError: classifyGraphError,
    envVars: ['META_ACCESS_TOKEN', ownerVar, 'META_GRAPH_BASE_URL'],
    accountVar: ownerVar,
    open(env: EnvBag) {
      const token = readEnv(env, 'META_ACCESS_TOKEN');
      const ownerId = readEnv(env, ownerVar);
      if (token === null || ownerId === null) {
        return missingConfig(provider === 'facebook' ? 'Facebook' : 'Instagram', ['META_ACCESS_TOKEN', ownerVar]);
      }
      const base = baseUrl(env, 'META_GRAPH_BASE_URL', META_GRAPH_BASE_URL);
      return { pages: (ctx, cursor) => pages(surface, token, ownerId, base, ctx, cursor) };
    },
  };
}

export const facebookBackfillClient = metaClient(FACEBOOK, 'META_PAGE_ID');
export const instagramBackfillClient = metaClient(INSTAGRAM, 'INSTAGRAM_USER_ID');
