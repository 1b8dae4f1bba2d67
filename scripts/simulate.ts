// npm run simulate -- [--minutes 60 --variants 2 --speed 120 --verify …]: plays a whole A/B campaign
// against a running app (mappings via the attribution route, webhooks signed as each provider
// signs them), writes the ground truth to JSON, and can compare it with the rollups API.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEV_WORKSPACE_ID } from '../src/lib/db/dev-seed';
import { METRICS_PROVIDERS, isMetricsProvider, type MetricsProvider } from '../src/lib/decision-circuits/metrics/providers/registry';
import {
  DEFAULT_CAMPAIGN_OPTIONS as D,
  accessToken,
  campaignStartFor,
  fetchRollups,
  groundTruthDocument,
  insightsReport,
  loadAppEnv,
  localSigningKeys,
  mappedObjectIds,
  mismatchText,
  planCampaign,
  progressLine,
  runCampaign,
  simulateInsights,
  summaryText,
  verifyCampaign,
} from '../tooling/simulator';
import { parseCommandLine, usageError } from './lib/cli';

const RUN_SECONDS_BY_DEFAULT = 30;
const USAGE = `Usage: npm run simulate -- [options]

  --url <url>            the app (default http://localhost:3000)
  --workspace <uuid>     default: the seeded dev workspace
  --token <jwt>          access token of a workspace member (default: minted like npm run token)
  --minutes <n>          campaign length (default ${D.minutes})
  --speed <x>            campaign seconds per real second (default: the campaign takes ${RUN_SECONDS_BY_DEFAULT} s)
  --variants <n>         A/B variants, 1..8 (default ${D.variants})
  --recipients <n>       email recipients per variant (default ${D.recipients})
  --posts <n>            posts per social platform per variant (default ${D.posts})
  --engagement <x>       multiplies social engagement (default ${D.engagement})
  --providers <list>     comma-separated (default: every provider)
  --protected-share <x>  share of inboxes whose privacy proxy opens every message (default ${D.protectedShare})
  --scanner-share <x>    share of recipients whose security scanner clicks every link (default ${D.scannerShare})
  --seed <text>          same seed + same start = same campaign
  --concurrency <n>      requests in flight (default 4)
  --out <file>           ground-truth JSON (default .data/simulations/<run>.json)
  --verify               compare the rollups API with the ground truth at the end
  --dry-run              plan and write the ground truth, send nothing`;

const { values } = parseCommandLine(USAGE, {
  url: { type: 'string', default: 'http://localhost:3000' },
  workspace: { type: 'string', default: DEV_WORKSPACE_ID },
  token: { type: 'string' },
  minutes: { type: 'string', default: String(D.minutes) },
  speed: { type: 'string' },
  variants: { type: 'string', default: String(D.variants) },
  recipients: { type: 'string', default: String(D.recipients) },
  posts: { type: 'string', default: String(D.posts) },
  engagement: { type: 'string', default: String(D.engagement) },
  providers: { type: 'string', default: METRICS_PROVIDERS.join(',') },
  'protected-share': { type: 'string', default: String(D.protectedShare) },
  'scanner-share': { type: 'string', default: String(D.scannerShare) },
  seed: { type: 'string' },
  concurrency: { type: 'string', default: '4' },
  out: { type: 'string' },
  verify: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
});

function numberOption(name: keyof typeof values, raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    usageError(USAGE, `--${name} must be a non-negative number`);
  }
  return n;
}

function shareOption(name: 'protected-share' | 'scanner-share'): number {
  const n = numberOption(name, values[name]);
  if (n > 1) usageError(USAGE, `--${name} must be between 0 and 1`);
  return n;
}

const minutes = numberOption('minutes', values.minutes);
const speed = values.speed ? numberOption('speed', values.speed) : Math.max(1, (minutes * 60) / RUN_SECONDS_BY_DEFAULT);
const providers = values.providers.split(',').map((p) => p.trim());
const unknown = providers.filter((p) => !isMetricsProvider(p));
if (unknown.length > 0 || speed <= 0) {
  usageError(USAGE, unknown.length ? `Unknown provider(s): ${unknown.join(', ')}` : '--speed must be > 0');
}

const env = loadAppEnv();
const baseUrl = values.url;
const workspaceId = values.workspace;
const plan = planCampaign({
  seed: values.seed ?? String(Date.now()),
  startMs: campaignStartFor(Date.now(), minutes, speed),
  minutes,
  variants: numberOption('variants', values.variants),
  recipients: numberOption('recipients', values.recipients),
  posts: numberOption('posts', values.posts),
  engagement: numberOption('engagement', values.engagement),
  providers: providers.filter(isMetricsProvider),
  protectedShare: shareOption('protected-share'),
  scannerShare: shareOption('scanner-share'),
});
const outFile = values.out ?? path.join('.data', 'simulations', `${plan.runId}.json`);
const writeGroundTruth = (outcome?: Awaited<ReturnType<typeof runCampaign>>) => {
  mkdirSync(path.dirname(path.resolve(outFile)), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(groundTruthDocument(plan, { workspaceId, baseUrl, speed, outcome }), null, 2)}\n`);
};

if (values['dry-run']) {
  writeGroundTruth();
  console.log(`${summaryText(plan)}\n\nGround truth (planned, nothing sent): ${outFile}`);
  process.exit(0);
}

const health = await fetch(new URL('/api/webhooks/metrics', baseUrl), { signal: AbortSignal.timeout(10_000) }).catch(() => null);
if (!health?.ok) {
  console.error(`The app does not answer at ${baseUrl}. Start it first (npm run dev), or pass --url.`);
  process.exit(1);
}
const signing = localSigningKeys(env);
const token = await accessToken(env, { token: values.token });
const keys = signing.keys;
const signedWith = (provider: MetricsProvider) =>
  `${provider} ${keys.secrets[provider] || (provider === 'sendgrid' && keys.sendgridPrivateKey) ? 'signed' : 'unsigned'}`;
console.log(
  `Simulating ${plan.options.minutes} campaign minutes at ${speed}× against ${baseUrl} (workspace ${workspaceId}).\n` +
    `Signatures: ${plan.options.providers.map(signedWith).join(', ')}.` +
    (signing.notes.length ? `\n${signing.notes.join('\n')}` : ''),
);

const abort = new AbortController();
process.once('SIGINT', () => abort.abort());
const tty = process.stderr.isTTY;
let lastShare = -1;
const outcome = await runCampaign(plan, {
  baseUrl,
  workspaceId,
  token,
  keys,
  speed,
  concurrency: numberOption('concurrency', values.concurrency),
  signal: abort.signal,
  onProgress: (p) => {
    if (tty) process.stderr.write(`\r${progressLine(p)}\u001b[K`);
    else if (Math.floor((p.done / Math.max(p.total, 1)) * 10) > lastShare) {
      lastShare = Math.floor((p.done / Math.max(p.total, 1)) * 10);
      console.error(progressLine(p));
    }
  },
});
if (tty) process.stderr.write('\n');
writeGroundTruth(outcome);
if (outcome.abTestRegistered)
  console.log(
    `Registered A/B test "Simulated campaign ${plan.runId}": variants ${plan.variants.map((v, i) => (i === 0 ? `${v.key} (control)` : v.key)).join(', ')}.`,
  );

console.log(`\n${summaryText(plan, outcome.acks)}`);
for (const failure of outcome.failures.slice(0, 5))
  console.log(`  failed: ${failure.what}: ${failure.status} ${failure.body.slice(0, 200)}`);
if (outcome.failures.some((f) => f.status === 401 && f.what.startsWith('attribution'))) {
  console.log("  The attribution route refused the token: pass --token (a workspace member's access token) or set SUPABASE_JWT_SECRET.");
}
const rollupsUrl = `${baseUrl}/api/circuits/metrics/rollups?workspaceId=${workspaceId}&abTestId=${plan.abTestId}&limit=500`;
const dashboardUrl = `${baseUrl}/dashboard/ab-tests?workspaceId=${workspaceId}&abTestId=${plan.abTestId}`;
console.log(
  `\nGround truth: ${outFile}\nDashboard:    ${dashboardUrl}\nRollups API:  curl -H "Authorization: Bearer $(npm run -s token)" "${rollupsUrl}"`,
);

let ok = outcome.failures.length === 0 && !abort.signal.aborted;
// Impressions are in no webhook: the platforms' insights (a local stand-in) are read by the poll.
const insights = await simulateInsights(plan, { baseUrl, workspaceId, token, env, mappedObjectIds: mappedObjectIds(plan, outcome.acks) });
if (insights.skipped)
  console.log(`\nInsights not simulated: ${insights.skipped}. Social variants have no impressions (engagement rate unknown).`);
else console.log(`\nInsights poll: ${insights.poll?.posts_read} posts read, ${insights.poll?.impressions_added} impressions added.`);
const impressions = insightsReport(plan, insights, await fetchRollups(plan, { baseUrl, workspaceId, token }));
console.log(impressions.lines.join('\n'));
if (values.verify) {
  const verification = await verifyCampaign(plan, outcome, { baseUrl, workspaceId, token, impressionsApart: insights.skipped === null });
  console.log(`\n${mismatchText(plan, verification.mismatches, verification.expected.length)}`);
  for (const m of impressions.mismatches)
    console.log(`✗ variant ${m.variant}: ${m.actual} impressions, the insights' truth is ${m.expected}`);
  if (insights.skipped === null && impressions.mismatches.length === 0)
    console.log('✓ impressions per variant match the insights the platforms reported.');
  ok &&= verification.mismatches.length === 0 && impressions.mismatches.length === 0;
}
process.exit(ok ? 0 : 1);
