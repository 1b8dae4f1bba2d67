// LinkedIn backfill: organizationalEntityShareStatistics for the organization's posts that the
// workspace knows (attribution rows first seen in the window). The API takes explicit share /
// ugcPost URNs and has no listing by date, so the attribution map is the listing.
import { z } from 'zod';
import type { EnvBag } from '../kit/provider';
import {
  baseUrl,
  missingConfig,
  parseResponse,
  readCount,
  readCursor,
  readEnv,
  type BackfillContext,
  type BackfillPage,
  type BackfillProviderClient,
  type BackfillRecord,
} from '../kit/backfill-client';

export const LINKEDIN_API_BASE_URL = 'https://api.linkedin.com/rest';
/** LinkedIn-Version header (YYYYMM); versions are retired about a year after release. */
export const LINKEDIN_DEFAULT_API_VERSION = '202509';
/** URNs per statistics request (keeps the URL well under common 8 KB limits). */
export const LINKEDIN_URNS_PER_REQUEST = 20;
export const LINKEDIN_LABEL = 'LinkedIn API';
export const LINKEDIN_STATISTICS_ENDPOINT = 'GET /organizationalEntityShareStatistics';

export const linkedinStatsSchema = z
  .object({
    impressionCount: z.number().optional(),
    uniqueImpressionsCount: z.number().optional(),
    clickCount: z.number().optional(),
    likeCount: z.number().optional(),
    commentCount: z.number().optional(),
    shareCount: z.number().optional(),
  })
  .loose();
export const linkedinStatisticsResponseSchema = z
  .object({
    elements: z.array(
      z.object({ share: z.string().optional(), ugcPost: z.string().optional(), totalShareStatistics: linkedinStatsSchema }).loose(),
    ),
  })
  .loose();

const cursorSchema = z.object({ after: z.string().min(1) });

/** Rest.li 2.0 list syntax: the URNs are URL-encoded, the List(...) around them is not. */
export function restliList(urns: readonly string[]): string {
  return `List(${urns.map((urn) => encodeURIComponent(urn)).join(',')})`;
}

export function statisticsUrl(base: string, organization: string, shares: string[], ugcPosts: string[]): URL {
  const parts = ['q=organizationalEntity', `organizationalEntity=${encodeURIComponent(organization)}`];
  if (shares.length > 0) parts.push(`shares=${restliList(shares)}`);
  if (ugcPosts.length > 0) parts.push(`ugcPosts=${restliList(ugcPosts)}`);
  // No timeIntervals: lifetime totals, the same span the ledger's per-object sums cover.
  return new URL(`${base}/organizationalEntityShareStatistics?${parts.join('&')}`);
}

function toTotals(stats: z.output<typeof linkedinStatsSchema>): BackfillRecord['totals'] {
  const totals: BackfillRecord['totals'] = {};
  // No impressionCount: impressions are the insights poll's (counted straight into the rollups,
  // not through the ledger this top-up compares against), so backfill adding them would count twice.
  const pairs = [
    ['social_click', stats.clickCount, 'clickCount'],
    ['social_like', stats.likeCount, 'likeCount'],
    ['social_comment', stats.commentCount, 'commentCount'],
    ['social_share', stats.shareCount, 'shareCount'],
  ] as const;
  for (const [kind, value, field] of pairs) {
    const n = readCount(value);
    if (n !== null) totals[kind] = { value: n, field };
  }
  return totals;
}

interface LinkedInConfig {
  token: string;
  organization: string;
  version: string;
  base: string;
}

async function* pages(config: LinkedInConfig, ctx: BackfillContext, saved: unknown): AsyncGenerator<BackfillPage, void, undefined> {
  let after = readCursor(cursorSchema, saved)?.after ?? null;
  const headers = {
    authorization: `Bearer ${config.token}`,
    'linkedin-version': config.version,
    'x-restli-protocol-version': '2.0.0',
  };
  for (;;) {
    const known = await ctx.knownObjects(after, LINKEDIN_URNS_PER_REQUEST);
    const last = known.at(-1);
    if (last === undefined) return;
    after = last.provider_object_id;
    const createdAt = new Map(known.map((k) => [k.provider_object_id, k.created_at.toISOString()]));
    const shares = known.map((k) => k.provider_object_id).filter((urn) => urn.startsWith('urn:li:share:'));
    const ugcPosts = known.map((k) => k.provider_object_id).filter((urn) => urn.startsWith('urn:li:ugcPost:'));
    const skipped = known.length - shares.length - ugcPosts.length;
    const warnings =
      skipped > 0 ? [`${skipped} LinkedIn object(s) are not share/ugcPost URNs (e.g. activity URNs) and have no statistics`] : [];

    const records: BackfillRecord[] = [];
    if (shares.length + ugcPosts.length > 0) {
      const body = await ctx.http.getJson(
        statisticsUrl(config.base, config.organization, shares, ugcPosts),
        headers,
        LINKEDIN_STATISTICS_ENDPOINT,
      );
      for (const element of parseResponse(linkedinStatisticsResponseSchema, body, LINKEDIN_LABEL, LINKEDIN_STATISTICS_ENDPOINT).elements) {
        const urn = element.share ?? element.ugcPost;
        const firstSeen = urn === undefined ? undefined : createdAt.get(urn);
        // Only the URNs asked for: an element for anything else is not ours to count.
        if (urn === undefined || firstSeen === undefined) continue;
        records.push({
          recordId: urn,
          objectId: urn,
          recipientHash: null,
          occurredAt: firstSeen,
          totals: toTotals(element.totalShareStatistics),
          source: { urn },
        });
      }
    }
    const done = known.length < LINKEDIN_URNS_PER_REQUEST;
    yield { records, cursor: done ? null : { after }, fraction: done ? 1 : null, warnings };
    if (done) return;
  }
}

export const linkedinBackfillClient: BackfillProviderClient = {
  provider: 'linkedin',
  label: LINKEDIN_LABEL,
  envVars: ['LINKEDIN_ACCESS_TOKEN', 'LINKEDIN_ORGANIZATION_URN', 'LINKEDIN_API_BASE_URL', 'LINKEDIN_API_VERSION'],
  accountVar: 'LINKEDIN_ORGANIZATION_URN',
  open(env: EnvBag) {
    const token = readEnv(env, 'LINKEDIN_ACCESS_TOKEN');
    const organization = readEnv(env, 'LINKEDIN_ORGANIZATION_URN');
    if (token === null || organization === null) {
      return missingConfig('LinkedIn', ['LINKEDIN_ACCESS_TOKEN', 'LINKEDIN_ORGANIZATION_URN']);
    }
    if (!/^urn:li:organization:\d+$/.test(organization)) {
      return `LinkedIn backfill is misconfigured: LINKEDIN_ORGANIZATION_URN must look like urn:li:organization:123`;
    }
    return {
      pages: (ctx, cursor) =>
        pages(
          {
            token,
            organization,
            version: readEnv(env, 'LINKEDIN_API_VERSION') ?? LINKEDIN_DEFAULT_API_VERSION,
            base: baseUrl(env, 'LINKEDIN_API_BASE_URL', LINKEDIN_API_BASE_URL),
          },
          ctx,
          cursor,
        ),
    };
  },
};
