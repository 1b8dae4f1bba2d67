// A short simulated campaign against the real server (next start): the rollups API must equal
// the simulator's ground truth exactly, and replaying every delivery must change nothing.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseKind } from '../../src/lib/db';
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

const kinds: DatabaseKind[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
// 90 campaign minutes in 6 s: the campaign always spans at least two hourly buckets.
const MINUTES = 90;
const SPEED = 900;

describe.each(kinds)('simulated campaign against the real server (%s)', (kind) => {
  let app: AppUnderTest;
  let outDir: string;
  beforeAll(async () => {
    app = await startApp(kind);
    outDir = mkdtempSync(path.join(tmpdir(), 'sim-ground-truth-'));
  });
  afterAll(async () => {
    await app?.stop();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('ends with rollups equal to the ground truth file, retries, duplicates, late and missing mappings included', async () => {
    const plan = planCampaign({
      seed: `simulator-test-${kind}`,
      startMs: campaignStartFor(Date.now(), MINUTES, SPEED),
      minutes: MINUTES,
      variants: 2,
      recipients: 30,
      engagement: 0.5,
      retryRate: 0.1,
      duplicateRate: 0.05,
      lateMappedShare: 0.1,
      unmappedShare: 0.05,
    });
    const api = { baseUrl: app.url, workspaceId: DEV_WORKSPACE_ID, token: await tokenFor(DEV_USER_ID) };
    const outcome = await runCampaign(plan, { ...api, keys: signingKeysFromEnv(TEST_SECRETS), speed: SPEED, concurrency: 4 });
    expect(outcome.failures).toEqual([]);
    expect(outcome.abTestRegistered).toBe(true);

    const file = path.join(outDir, 'ground-truth.json');
    writeFileSync(file, JSON.stringify(groundTruthDocument(plan, { ...api, speed: SPEED, outcome })));
    const truth = JSON.parse(readFileSync(file, 'utf8')) as { expected_rollups: ExpectedRollup[]; ab_test_id: string };
    expect(truth.ab_test_id).toBe(plan.abTestId);
    // The campaign is not trivial: both channels, several hours, every kind of counter moved.
    const rows = truth.expected_rollups;
    expect(new Set(rows.map((r) => r.channel))).toEqual(new Set(['email', 'social']));
    expect(new Set(rows.map((r) => r.time_bucket)).size).toBeGreaterThanOrEqual(2);
    const sum = (counter: keyof ExpectedRollup) => rows.reduce((n, r) => n + Number(r[counter]), 0);
    for (const counter of [
      'email_sent',
      'email_delivered',
      'email_opened',
      'email_clicked',
      'social_likes',
      'social_comments',
      'social_shares',
    ] as const) {
      expect(sum(counter), counter).toBeGreaterThan(0);
    }

    const actual = await fetchRollups(plan, api);
    expect(diffRollups(truth.expected_rollups, actual)).toEqual([]);
    expect(plan.deliveries.filter((d) => d.kind !== 'first').length).toBeGreaterThan(0);
    expect(plan.objects.filter((o) => o.fate === 'late').length).toBeGreaterThan(0);
    expect(plan.objects.filter((o) => o.fate === 'never').length).toBeGreaterThan(0);

    // A provider replaying the whole campaign (every body, every svix-id) changes no counter.
    const replay = await runCampaign(plan, { ...api, keys: signingKeysFromEnv(TEST_SECRETS), speed: 1e9, concurrency: 4 });
    expect(replay.failures).toEqual([]);
    expect((await verifyCampaign(plan, outcome, api)).mismatches).toEqual([]);
  }, 90_000);
});
