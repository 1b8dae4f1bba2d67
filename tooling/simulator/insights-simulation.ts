// The platforms' insights for a simulated campaign. A local stand-in speaks Meta's Graph API
// (`/me` for the proof of control, `/{object-id}/insights`) and LinkedIn's REST API
// (`/organizationAcls`, `/organizationalEntityShareStatistics`) in their real formats and serves
// each simulated post's lifetime impressions (the plan's ground truth). The app must reach it:
// where its META_GRAPH_BASE_URL and LINKEDIN_API_BASE_URL name this machine the stand-in listens
// there; where neither is set it listens on a free port and says so in .data/dev-stand-ins.json,
// which a development server (`npm run dev`) reads (src/lib/net/dev-stand-ins.ts), together with
// a cron secret of the simulator's own when CRON_SECRET is unset. Then: the simulated accounts are
// connected with their tokens and proven, the insights poll runs once, and what it counted is
// compared with the truth per variant.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { DEV_STAND_INS_FILE, type DevStandIns } from '../../src/lib/net/dev-stand-ins';
import type { EnvBag } from '../../src/lib/decision-circuits/metrics/providers/kit/provider';
import type { CampaignPlan, SocialInsightsTruth } from './campaign-model';
import type { ReportedRollup } from './ground-truth';

type Post = SocialInsightsTruth['posts'][number];
const REQUEST_TIMEOUT_MS = 30_000;

export interface InsightsRun {
  /** Why insights were not simulated (the run still counts everything else). */
  skipped: string | null;
  /** The poll route's summary. */
  poll: Record<string, unknown> | null;
  /** Impressions the poll should have counted, per variant key (mapped posts only). */
  expected: Map<string, number>;
}

function tokensFor(plan: CampaignPlan) {
  return { meta: `EAAsim${plan.runId}`, linkedin: `AQVsim${plan.runId}` };
}

/** Rest.li `List(a,b)` of URL-encoded URNs, as LinkedIn's statistics endpoint takes them. */
function restliList(rawQuery: string, name: string): string[] {
  const match = new RegExp(`(?:^|&)${name}=List\\(([^)]*)\\)`).exec(rawQuery);
  return match?.[1] ? match[1].split(',').map((urn) => decodeURIComponent(urn)) : [];
}

function standIn(truth: SocialInsightsTruth, tokens: ReturnType<typeof tokensFor>, paths: { graph: string; linkedin: string }): Server {
  const posts = new Map(truth.posts.map((p) => [p.objectId, p]));
  const graphError = (message: string, code: number, subcode?: number) => ({
    error: { message, type: 'OAuthException', code, ...(subcode ? { error_subcode: subcode } : {}), fbtrace_id: 'Sim' },
  });
  return createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, body: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? url.searchParams.get('access_token');
    if (url.pathname.startsWith(`${paths.graph}/`)) {
      if (bearer !== tokens.meta) return send(400, graphError('Invalid OAuth access token - Cannot parse access token', 190));
      const path = url.pathname.slice(paths.graph.length);
      if (path === '/me') return send(200, { id: truth.accounts.pageId, instagram_business_account: { id: truth.accounts.igAccountId } });
      const insight = /^\/([^/]+)\/insights$/.exec(path);
      const post = insight?.[1] ? posts.get(decodeURIComponent(insight[1])) : undefined;
      if (!post || post.provider === 'linkedin') {
        return send(400, graphError(`Unsupported get request. Object with ID '${insight?.[1] ?? path}' does not exist`, 100, 33));
      }
      const values: Record<string, number> =
        post.provider === 'facebook'
          ? { post_media_view: post.impressions, post_total_media_view_unique: post.reach }
          : { views: post.impressions, reach: post.reach };
      // Meta refuses a whole request naming a metric it does not serve (the retired impressions ones among them).
      const metrics = (url.searchParams.get('metric') ?? '').split(',');
      if (metrics.some((m) => !(m in values))) {
        return send(400, {
          error: { message: '(#100) The value must be a valid insights metric', type: 'OAuthException', code: 100, fbtrace_id: 'Sim' },
        });
      }
      return send(200, {
        data: metrics.map((name) => ({
          name,
          period: 'lifetime',
          values: [{ value: values[name] }],
          title: name,
          id: `${post.objectId}/insights/${name}/lifetime`,
        })),
      });
    }
    if (url.pathname.startsWith(`${paths.linkedin}/`)) {
      if (!request.headers['linkedin-version']) return send(400, { status: 400, message: 'A version must be present.' });
      if (bearer !== tokens.linkedin)
        return send(401, { status: 401, serviceErrorCode: 65600, code: 'INVALID_ACCESS_TOKEN', message: 'Invalid access token' });
      const path = url.pathname.slice(paths.linkedin.length);
      if (path === '/organizationAcls') {
        return send(200, {
          paging: { start: 0, count: 10, links: [] },
          elements: [
            { role: 'ADMINISTRATOR', state: 'APPROVED', roleAssignee: 'urn:li:person:sim', organization: truth.accounts.organization },
          ],
        });
      }
      if (path === '/organizationalEntityShareStatistics') {
        const raw = url.search.replace(/^\?/, '');
        const elements = [
          ...restliList(raw, 'shares').map((urn) => ['share', urn]),
          ...restliList(raw, 'ugcPosts').map((urn) => ['ugcPost', urn]),
        ]
          .map(([key, urn]) => [key, posts.get(urn ?? '')] as const)
          .filter((pair): pair is readonly [string, Post] => pair[1]?.provider === 'linkedin')
          .map(([key, post]) => ({
            [key]: post.objectId,
            organizationalEntity: truth.accounts.organization,
            totalShareStatistics: {
              impressionCount: post.impressions,
              uniqueImpressionsCount: post.reach,
              clickCount: 0,
              likeCount: 0,
              commentCount: 0,
              shareCount: 0,
              engagement: 0,
            },
          }));
        return send(200, { paging: { start: 0, count: 10, links: [] }, elements });
      }
    }
    return send(404, { message: 'not found' });
  });
}

interface StandInAddress {
  host: string;
  port: number;
  paths: { graph: string; linkedin: string };
  /** The app sets neither base URL: listen on a free port and announce it (a development server reads it). */
  announce: boolean;
}

const EXPLICIT_HINT =
  'unset both (a development server then finds the stand-in by itself), or set META_GRAPH_BASE_URL=http://127.0.0.1:4319/v23.0 and LINKEDIN_API_BASE_URL=http://127.0.0.1:4319/rest in .env.local, and restart the app';
const DEV_SERVER_HINT = `only a development server (npm run dev) reads the stand-in's address and the simulator's cron secret from ${DEV_STAND_INS_FILE}; for another server set CRON_SECRET, META_GRAPH_BASE_URL=http://127.0.0.1:4319/v23.0 and LINKEDIN_API_BASE_URL=http://127.0.0.1:4319/rest in .env.local and restart it`;
/** How long the announcement holds if the simulator dies before removing it. */
const ANNOUNCEMENT_TTL_MS = 10 * 60 * 1000;

/** Where the stand-in listens: where the app's base URLs point, or anywhere when it has none; or why it cannot. */
function standInAddress(env: EnvBag): StandInAddress | string {
  const graph = env.META_GRAPH_BASE_URL?.trim();
  const linkedin = env.LINKEDIN_API_BASE_URL?.trim();
  if (!graph && !linkedin) return { host: '127.0.0.1', port: 0, paths: { graph: '/v23.0', linkedin: '/rest' }, announce: true };
  if (!graph || !linkedin) return `the app sets only one of META_GRAPH_BASE_URL and LINKEDIN_API_BASE_URL: ${EXPLICIT_HINT}`;
  const [g, l] = [new URL(graph), new URL(linkedin)];
  const loopback = (u: URL) => u.protocol === 'http:' && ['127.0.0.1', 'localhost'].includes(u.hostname);
  if (!loopback(g) || !loopback(l) || g.port !== l.port || !g.port) {
    return `the app reads insights from ${g.origin} and ${l.origin}, not from one local stand-in: ${EXPLICIT_HINT}`;
  }
  return {
    host: g.hostname,
    port: Number(g.port),
    paths: { graph: g.pathname.replace(/\/+$/, ''), linkedin: l.pathname.replace(/\/+$/, '') },
    announce: false,
  };
}

/** Writes the announcement a development server reads; returns a function that removes it if it is still this one. */
function announce(cwd: string, content: DevStandIns): () => void {
  const file = path.join(cwd, DEV_STAND_INS_FILE);
  const text = `${JSON.stringify(content, null, 2)}\n`;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text, { mode: 0o600 });
  return () => {
    try {
      if (readFileSync(file, 'utf8') === text) rmSync(file);
    } catch {
      // Already gone.
    }
  };
}

async function call(url: string, init: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text: text.slice(0, 300) };
  }
  return { status: response.status, body };
}

/** Impressions of the mapped posts per variant: what the poll should count. */
export function expectedImpressions(plan: CampaignPlan, mappedObjectIds: ReadonlySet<string>): Map<string, number> {
  const expected = new Map(plan.variants.map((v) => [v.key, 0]));
  for (const post of plan.insights?.posts ?? []) {
    if (post.variantKey === null || !mappedObjectIds.has(post.objectId)) continue;
    expected.set(post.variantKey, (expected.get(post.variantKey) ?? 0) + post.impressions);
  }
  return expected;
}

/**
 * Connects the campaign's social accounts (with the stand-in's tokens, proven through it), runs
 * the insights poll once, and returns its summary. `mappedObjectIds`: the posts whose mapping the
 * app acknowledged.
 */
export async function simulateInsights(
  plan: CampaignPlan,
  options: {
    baseUrl: string;
    workspaceId: string;
    token: string;
    env: EnvBag;
    mappedObjectIds: ReadonlySet<string>;
    /** The project directory a development server runs in (default the current one). */
    cwd?: string;
  },
): Promise<InsightsRun> {
  const expected = expectedImpressions(plan, options.mappedObjectIds);
  const truth = plan.insights;
  if (!truth || truth.posts.length === 0) return { skipped: 'the campaign has no social posts', poll: null, expected };
  const address = standInAddress(options.env);
  if (typeof address === 'string') return { skipped: address, poll: null, expected };
  // The app's own secret where it has one; else one of ours, which only a development server takes.
  const configuredSecret = options.env.CRON_SECRET || null;
  const cronSecret = configuredSecret ?? randomBytes(24).toString('base64url');
  const viaDevServer = address.announce || configuredSecret === null;

  const tokens = tokensFor(plan);
  const server = standIn(truth, tokens, address.paths);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.port, address.host, resolve);
    });
  } catch (error) {
    return { skipped: `the insights stand-in cannot listen on ${address.host}:${address.port} (${String(error)})`, poll: null, expected };
  }
  const bound = server.address();
  const origin = `http://${address.host}:${typeof bound === 'object' && bound ? bound.port : address.port}`;
  const withdraw = viaDevServer
    ? announce(options.cwd ?? process.cwd(), {
        base_urls: address.announce
          ? { META_GRAPH_BASE_URL: `${origin}${address.paths.graph}`, LINKEDIN_API_BASE_URL: `${origin}${address.paths.linkedin}` }
          : {},
        cron_secret: configuredSecret === null ? cronSecret : null,
        expires_at: new Date(Date.now() + ANNOUNCEMENT_TTL_MS).toISOString(),
      })
    : () => undefined;
  const hint = viaDevServer ? ` (${DEV_SERVER_HINT})` : '';
  try {
    const member = { 'content-type': 'application/json', authorization: `Bearer ${options.token}` };
    const connections = `${options.baseUrl}/api/circuits/metrics/connections`;
    const accounts = {
      facebook: { account: truth.accounts.pageId, token: tokens.meta },
      instagram: { account: truth.accounts.igAccountId, token: tokens.meta },
      linkedin: { account: truth.accounts.organization, token: tokens.linkedin },
    } as const;
    for (const provider of [...new Set(truth.posts.map((p) => p.provider))]) {
      const { account, token } = accounts[provider];
      const created = await call(`${connections}?workspaceId=${options.workspaceId}`, {
        method: 'POST',
        headers: member,
        body: JSON.stringify({ provider, external_account_id: account, api_key: token }),
      });
      const id = created.body.connection_id;
      if (created.status !== 201 || typeof id !== 'string') {
        return {
          skipped: `connecting the ${provider} account answered ${created.status}: ${JSON.stringify(created.body).slice(0, 200)}${hint}`,
          poll: null,
          expected,
        };
      }
      const proven = await call(`${connections}/${id}/verify?workspaceId=${options.workspaceId}`, {
        method: 'POST',
        headers: member,
        body: JSON.stringify({ access_token: token }),
      });
      if (proven.status !== 200) {
        return {
          skipped: `proving the ${provider} account answered ${proven.status}: ${JSON.stringify(proven.body).slice(0, 200)}${hint}`,
          poll: null,
          expected,
        };
      }
    }
    const poll = await call(`${options.baseUrl}/api/cron/metrics/poll-insights`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cronSecret}` },
    });
    if (poll.status !== 200)
      return { skipped: `the poll route answered ${poll.status}: ${JSON.stringify(poll.body).slice(0, 200)}${hint}`, poll: null, expected };
    return { skipped: null, poll: poll.body, expected };
  } finally {
    withdraw();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Per variant: impressions counted, the engagement rate they give, and the truth. */
export function insightsReport(
  plan: CampaignPlan,
  run: InsightsRun,
  rollups: readonly ReportedRollup[],
): { lines: string[]; mismatches: { variant: string; expected: number; actual: number }[] } {
  const lines: string[] = [];
  const mismatches: { variant: string; expected: number; actual: number }[] = [];
  for (const variant of plan.variants) {
    const rows = rollups.filter((r) => r.variant_id === variant.variantId && r.channel === 'social');
    const sum = (key: 'social_impressions' | 'social_likes' | 'social_comments' | 'social_shares' | 'social_clicks') =>
      rows.reduce((n, r) => n + Number(r[key] ?? 0), 0);
    const impressions = sum('social_impressions');
    const engagements = sum('social_likes') + sum('social_comments') + sum('social_shares') + sum('social_clicks');
    const rate = impressions === 0 ? 'unknown' : `${((100 * engagements) / impressions).toFixed(2)} %`;
    const expected = run.expected.get(variant.key) ?? 0;
    lines.push(`  ${variant.key}: ${impressions} impressions (truth ${expected}), ${engagements} engagements, engagement rate ${rate}`);
    if (!run.skipped && impressions !== expected) mismatches.push({ variant: variant.key, expected, actual: impressions });
  }
  return { lines, mismatches };
}
