// The insights contract: a social provider reads the lifetime impressions (and reach or views
// where it reports them) of some of an account's posts with the account's own token. Throttling
// and a rejected token concern the whole account and are thrown; the rest is per post.
import type { MetricsProvider } from '../../metrics-types';
import type { EnvBag } from './provider';
import type { ErrorClassifier, ProviderHttp } from './backfill-http';

export type InsightsProvider = Extract<MetricsProvider, 'facebook' | 'instagram' | 'linkedin'>;

export type InsightReading =
  | {
      objectId: string;
      outcome: 'measured';
      /** The platform's metric the impressions figure is (its current name). */
      metric: string;
      impressions: number;
      reach: number | null;
      views: number | null;
    }
  /** The platform has no figure for the post yet (too few viewers, not processed yet). */
  | { objectId: string; outcome: 'no_figure'; note: string }
  /** The platform says the post no longer exists. */
  | { objectId: string; outcome: 'deleted'; note: string };

export interface InsightsAccount {
  token: string;
  /** The connection's account (Page id, Instagram user id, organization URN), when it names one. */
  accountId: string | null;
}

export interface InsightsProviderClient {
  provider: InsightsProvider;
  label: string;
  classifyError?: ErrorClassifier;
  /** Env var that points the client at another host (tests, the simulator). */
  baseUrlVar: string;
  /** Posts per call the provider takes (1 where each post is its own request). */
  postsPerRequest: number;
  /** One reading per post asked for, in any order; posts the platform leaves out read as no_figure. */
  read(http: ProviderHttp, base: string, account: InsightsAccount, objectIds: readonly string[], env: EnvBag): Promise<InsightReading[]>;
  defaultBaseUrl: string;
}

/** Why an account-level call failed, when the provider says so: its token no longer works. */
export class InsightsTokenRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InsightsTokenRejectedError';
  }
}
