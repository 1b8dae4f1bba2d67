// A short simulated Mailgun campaign against the real server (next start), played through the
// simulation Mailgun's folder provides: one event per request, signature blocks in the body,
// provider-style retries. The rollups API must equal the simulator's ground truth exactly, and
// replaying every delivery must change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  campaignStartFor,
  diffRollups,
  fetchRollups,
  groundTruthDocument,
  planCampaign,
  runCampaign,
  signingKeysFromEnv,
  verifyCampaign,
  type ExpectedRollup,
} from '../../tooling/simulator';
import { DEV_USER_ID, DEV_WORKSPACE_ID, TEST_SECRETS, startApp, tokenFor, type AppUnderTest } from '../helpers/app';

const MINUTES = 90;
const SPEED = 900;

describe('simulated Mailgun campaign against the real server (pglite)', () => {
  let app: AppUnderTest;
  beforeAll(async () => {
    app = await startApp('pglite');
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('ends with rollups equal to the ground truth, retries and duplicates included, and a full replay changes nothing', async () => {
    const plan = planCampaign({
      seed: 'mailgun-simulator-test',
      startMs: campaignStartFor(Date.now(), MINUTES, SPEED),
      minutes: MINUTES,
      variants: 2,
      recipients: 40,
      engagement: 0.5,
      retryRate: 0.2,
      duplicateRate: 0.05,
      lateMappedShare: 0.1,
      unmappedShare: 0.05,
      providers: ['mailgun'],
    });
    expect(plan.deliveries.every((d) => d.provider === 'mailgun')).toBe(true);
    expect(plan.deliveries.filter((d) => d.kind === 'retry').length).toBeGreaterThan(0);
    const api = { baseUrl: app.url, workspaceId: DEV_WORKSPACE_ID, token: await tokenFor(DEV_USER_ID) };
    const keys = signingKeysFromEnv(TEST_SECRETS);
    expect(keys.secrets.mailgun).toBe(TEST_SECRETS.MAILGUN_WEBHOOK_SIGNING_KEY);
    const outcome = await runCampaign(plan, { ...api, keys, speed: SPEED, concurrency: 4 });
    expect(outcome.failures).toEqual([]);

    const expected = groundTruthDocument(plan, { ...api, speed: SPEED, outcome }).expected_rollups as ExpectedRollup[];
    const sum = (counter: 'email_sent' | 'email_delivered' | 'email_opened' | 'email_clicked') =>
      expected.reduce((n, r) => n + Number(r[counter]), 0);
    for (const counter of ['email_sent', 'email_delivered', 'email_opened', 'email_clicked'] as const) {
      expect(sum(counter), counter).toBeGreaterThan(0);
    }
    expect(diffRollups(expected, await fetchRollups(plan, api))).toEqual([]);

    const replay = await runCampaign(plan, { ...api, keys, speed: 1e9, concurrency: 4 });
    expect(replay.failures).toEqual([]);
    expect((await verifyCampaign(plan, outcome, api)).mismatches).toEqual([]);
  }, 90_000);
});
