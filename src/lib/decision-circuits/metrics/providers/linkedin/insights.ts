// LinkedIn insights for the poll: organizationalEntityShareStatistics without timeIntervals
// (lifetime totals) for up to LINKEDIN_URNS_PER_REQUEST share / ugcPost URNs per call. The
// impressions figure is impressionCount, reach is uniqueImpressionsCount.
import { parseResponse, readCount, readEnv } from '../kit/backfill-client';
import { ProviderApiError } from '../kit/backfill-http';
import { InsightsTokenRejectedError, type InsightReading, type InsightsProviderClient } from '../kit/insights-client';
import {
  LINKEDIN_API_BASE_URL,
  LINKEDIN_DEFAULT_API_VERSION,
  LINKEDIN_LABEL,
  LINKEDIN_STATISTICS_ENDPOINT,
  LINKEDIN_URNS_PER_REQUEST,
  linkedinStatisticsResponseSchema,
  statisticsUrl,
} from './backfill';

const ORGANIZATION_URN = /^urn:li:organization:\d+$/;

export const linkedinInsightsClient: InsightsProviderClient = {
  provider: 'linkedin',
  label: LINKEDIN_LABEL,
  baseUrlVar: 'LINKEDIN_API_BASE_URL',
  defaultBaseUrl: LINKEDIN_API_BASE_URL,
  postsPerRequest: LINKEDIN_URNS_PER_REQUEST,
  async read(http, base, account, objectIds, env) {
    const organization = account.accountId;
    if (organization === null || !ORGANIZATION_URN.test(organization)) {
      throw new InsightsTokenRejectedError('LinkedIn insights need the connection to name its organization (urn:li:organization:123)');
    }
    const readings = new Map<string, InsightReading>(
      objectIds.map((id) => [id, { objectId: id, outcome: 'no_figure', note: 'not a share or ugcPost URN' }]),
    );
    const shares = objectIds.filter((urn) => urn.startsWith('urn:li:share:'));
    const ugcPosts = objectIds.filter((urn) => urn.startsWith('urn:li:ugcPost:'));
    if (shares.length + ugcPosts.length === 0) return [...readings.values()];
    for (const urn of [...shares, ...ugcPosts]) readings.set(urn, { objectId: urn, outcome: 'no_figure', note: 'no statistics reported' });

    const headers = {
      authorization: `Bearer ${account.token}`,
      'linkedin-version': readEnv(env, 'LINKEDIN_API_VERSION') ?? LINKEDIN_DEFAULT_API_VERSION,
      'x-restli-protocol-version': '2.0.0',
    };
    let body: unknown;
    try {
      body = await http.getJson(statisticsUrl(base, organization, shares, ugcPosts), headers, LINKEDIN_STATISTICS_ENDPOINT);
    } catch (error) {
      // 401: the token is invalid or revoked; 403: it lost the organization's admin permission.
      if (error instanceof ProviderApiError && (error.status === 401 || error.status === 403)) {
        throw new InsightsTokenRejectedError(error.message);
      }
      throw error;
    }
    for (const element of parseResponse(linkedinStatisticsResponseSchema, body, LINKEDIN_LABEL, LINKEDIN_STATISTICS_ENDPOINT).elements) {
      const urn = element.share ?? element.ugcPost;
      // Only the URNs asked for: an element for anything else is not ours to count.
      if (urn === undefined || !readings.has(urn)) continue;
      const impressions = readCount(element.totalShareStatistics.impressionCount);
      if (impressions === null) continue;
      readings.set(urn, {
        objectId: urn,
        outcome: 'measured',
        metric: 'impressionCount',
        impressions,
        reach: readCount(element.totalShareStatistics.uniqueImpressionsCount),
        views: null,
      });
    }
    return [...readings.values()];
  },
};
