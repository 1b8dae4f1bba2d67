// The simulated platforms' insights against the real server: the campaign's social accounts are
// connected and proven through the local stand-in, the poll route reads every mapped post's
// lifetime impressions, and each variant ends with exactly the impressions the stand-in reported
// and a non-zero engagement rate, while every other counter still matches the ground truth.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  campaignStartFor,
  fetchRollups,
  insightsReport,
  mappedObjectIds,
  planCampaign,
  runCampaign,
  signingKeysFromEnv,
  simulateInsights,
  verifyCampaign,
} from '../../tooling/simulator';
import { DEV_USER_ID, DEV_WORKSPACE_ID, TEST_SECRETS, startApp, tokenFor, type AppUnderTest } from '../helpers/app';

const MINUTES = 60;
const SPEED = 600;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

describe('simulated insights against the real server', () => {
  let app: AppUnderTest;
  let insightsEnv: Record<string, string>;
  beforeAll(async () => {
    const port = await freePort();
    insightsEnv = { META_GRAPH_BASE_URL: `http://127.0.0.1:${port}/v23.0`, LINKEDIN_API_BASE_URL: `http://127.0.0.1:${port}/rest` };
    app = await startApp('pglite', insightsEnv);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('ends with every social variant holding the impressions its posts reported and a non-zero engagement rate', async () => {
    const plan = planCampaign({
      seed: 'insights-simulation',
      startMs: campaignStartFor(Date.now(), MINUTES, SPEED),
      minutes: MINUTES,
      variants: 2,
      recipients: 5,
      posts: 2,
      lateMappedShare: 0.1,
      unmappedShare: 0.2,
    });
    const api = { baseUrl: app.url, workspaceId: DEV_WORKSPACE_ID, token: await tokenFor(DEV_USER_ID) };
    const outcome = await runCampaign(plan, { ...api, keys: signingKeysFromEnv(TEST_SECRETS), speed: SPEED, concurrency: 4 });
    expect(outcome.failures).toEqual([]);

    const mapped = mappedObjectIds(plan, outcome.acks);
    const run = await simulateInsights(plan, { ...api, env: { ...TEST_SECRETS, ...insightsEnv }, mappedObjectIds: mapped });
    expect(run.skipped).toBeNull();
    const truth = [...run.expected.values()].reduce((n, v) => n + v, 0);
    // Organic posts (never mapped) report impressions too; they must count nowhere.
    expect(plan.insights!.posts.some((p) => p.variantKey === null)).toBe(true);
    expect(run.poll).toMatchObject({ impressions_added: truth, budget_exhausted: false });
    expect(run.poll!.posts_read).toBe(plan.insights!.posts.filter((p) => mapped.has(p.objectId)).length);

    const report = insightsReport(plan, run, await fetchRollups(plan, api));
    expect(report.mismatches).toEqual([]);
    for (const variant of plan.variants) expect(run.expected.get(variant.key)).toBeGreaterThan(0);
    for (const line of report.lines) expect(line).toMatch(/engagement rate [1-9]\d*\.\d\d %|engagement rate 0\.(?!00)\d\d %/);

    const verification = await verifyCampaign(plan, outcome, { ...api, impressionsApart: true });
    expect(verification.mismatches).toEqual([]);

    // A second poll right away reads nothing new (no post is due) and adds nothing.
    const again = await fetch(`${app.url}/api/cron/metrics/poll-insights`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_SECRETS.CRON_SECRET}` },
    });
    expect(await again.json()).toMatchObject({ posts_read: 0, impressions_added: 0 });
  });

  it('says why insights were not simulated when the app reads them from elsewhere', async () => {
    const plan = planCampaign({ seed: 'insights-skip', startMs: Date.now() - 3_600_000, minutes: 30, variants: 2, posts: 1 });
    const run = await simulateInsights(plan, {
      baseUrl: app.url,
      workspaceId: DEV_WORKSPACE_ID,
      token: await tokenFor(DEV_USER_ID),
      env: {
        ...TEST_SECRETS,
        META_GRAPH_BASE_URL: 'https://graph.facebook.com/v23.0',
        LINKEDIN_API_BASE_URL: 'https://api.linkedin.com/rest',
      },
      mappedObjectIds: new Set(),
    });
    expect(run.skipped).toMatch(/not from one local stand-in: unset both .*, or set META_GRAPH_BASE_URL=/);
    expect(run.poll).toBeNull();
  });
});
