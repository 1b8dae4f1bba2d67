// npm run webhook:send -- --provider <name> --event <kind>: posts one realistic provider webhook,
// signed as the provider signs it, on either routing form: single-workspace (the app's own
// variables) or a connection's URL with its own secret (docs/try-it.md).
import { z } from 'zod';
import { DEV_WORKSPACE_ID } from '../src/lib/db/dev-seed';
import { METRICS_PROVIDERS, isMetricsProvider, type MetricsProvider } from '../src/lib/decision-circuits/metrics/providers/registry';
import {
  SAMPLE_KINDS,
  buildSampleDelivery,
  createRng,
  handshakeRequest,
  loadAppEnv,
  localSigningKeys,
  type LocalSigning,
  resolveSampleKind,
  signedWebhookRequest,
  signingKeysFromEnv,
} from '../tooling/simulator';
import { parseCommandLine, usageError } from './lib/cli';

const USAGE = `Usage: npm run webhook:send -- --provider <${METRICS_PROVIDERS.join('|')}> --event <kind> [options]
       npm run webhook:send -- --provider <facebook|instagram|linkedin> --handshake

Two routing forms, as the app has them:
  single-workspace   …/api/webhooks/metrics?provider=<p>&workspace_id=<uuid>, signed with the
                     app's own variables (.env.local): the default (--workspace picks the workspace)
  connection         --webhook-url "<the connection's webhook_url>": email providers carry the
                     connection's token and are signed with its own secret (--secret-env);
                     Facebook, Instagram and LinkedIn are routed by the account in the payload
                     (--account) and signed with the deployment's app secret

  --url <url>           the app (default http://localhost:3000)
  --workspace <uuid>    workspace_id in the single-workspace URL (default: the seeded dev workspace)
  --webhook-url <url>   post to this URL instead: a connection's webhook_url
  --secret-env <NAME>   sign with the secret in environment variable NAME (not echoed): a
                        connection's whsec_ secret (Resend), its signing key (Mailgun), the app
                        secret (Facebook, Instagram), the client secret (LinkedIn), or for SendGrid
                        the PEM private key whose public half the connection verifies with
  --account <id>        Facebook page id, Instagram account id or LinkedIn organization id (or
                        urn:li:organization:<id>) the event is from: what routes it to a connection
  --object-id <id>      reuse a message / post id (to send several events for one object)
  --circuit <id>        carry circuit_execution_id as the provider's own custom fields (SendGrid
                        custom args, Resend tags, Mailgun user-variables)
  --ab-test <uuid>      … with ab_test_id;  --variant <uuid>  … with variant_id
  --unsigned            send without a signature (to see the 401 when a secret is set)
  --dry-run             print the request instead of sending it
  --list                list the event kinds per provider`;

const { values } = parseCommandLine(USAGE, {
  provider: { type: 'string' },
  event: { type: 'string' },
  url: { type: 'string', default: 'http://localhost:3000' },
  workspace: { type: 'string', default: DEV_WORKSPACE_ID },
  'webhook-url': { type: 'string' },
  'secret-env': { type: 'string' },
  account: { type: 'string' },
  'object-id': { type: 'string' },
  circuit: { type: 'string' },
  'ab-test': { type: 'string' },
  variant: { type: 'string' },
  unsigned: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  handshake: { type: 'boolean', default: false },
  list: { type: 'boolean', default: false },
});
function fail(message: string): never {
  return usageError(USAGE, message);
}

if (values.list) {
  for (const provider of METRICS_PROVIDERS) console.log(`${provider.padEnd(10)} ${SAMPLE_KINDS[provider].join(', ')}`);
  process.exit(0);
}
const provider = values.provider;
if (!isMetricsProvider(provider)) fail(`--provider must be one of: ${METRICS_PROVIDERS.join(', ')}`);
const env = loadAppEnv();

const ACCOUNT_NOUN = { facebook: 'Facebook page', instagram: 'Instagram account', linkedin: 'LinkedIn organization' } as const;

/** LinkedIn names organizations by URN in its payloads; a bare id is accepted here too. */
function accountIdFor(target: MetricsProvider, account: string): string {
  return target === 'linkedin' && /^\d+$/.test(account) ? `urn:li:organization:${account}` : account;
}

// The 202 body's fields this tool reads (docs/api.md).
const acceptedAnswerSchema = z.object({
  workspace_id: z.string().nullable().optional(),
  events_stored: z.number().optional(),
  outcomes: z.record(z.string(), z.number()).optional(),
  unrouted_events: z.number().optional(),
});

/** The HTTP status and JSON body the app answered, or null when it could not be reached. */
async function send(url: string, init: RequestInit): Promise<{ status: number; body: unknown } | null> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
    const text = await response.text();
    let shown = text;
    let body: unknown = null;
    try {
      body = JSON.parse(text);
      shown = JSON.stringify(body, null, 2);
    } catch {
      // not JSON (a handshake answers plain text)
    }
    console.log(`← ${response.status} ${response.statusText}\n${shown}`);
    return { status: response.status, body };
  } catch (error) {
    console.error(`Could not reach ${url}: ${error instanceof Error ? error.message : String(error)}\nIs the app running (npm run dev)?`);
    return null;
  }
}

if (values.handshake) {
  if (provider !== 'facebook' && provider !== 'instagram' && provider !== 'linkedin')
    fail('--handshake is for facebook, instagram or linkedin');
  const handshake = handshakeRequest({
    baseUrl: values.url,
    workspaceId: values.workspace,
    provider,
    keys: signingKeysFromEnv(env),
    rng: createRng(String(Date.now())),
  });
  console.log(`${handshake.note}\nGET ${handshake.url}`);
  console.log(`expected: ${handshake.expectedStatus}${handshake.expectedBody ? ` ${handshake.expectedBody}` : ''}`);
  if (values['dry-run']) process.exit(0);
  const response = await fetch(handshake.url, { signal: AbortSignal.timeout(30_000) }).catch((error: unknown) => {
    console.error(`Could not reach ${handshake.url}: ${String(error)}`);
    return process.exit(1);
  });
  const body = await response.text();
  const ok = response.status === handshake.expectedStatus && (!handshake.expectedBody || body === handshake.expectedBody);
  const verdict = !ok
    ? '✗ not the answer expected for this configuration'
    : handshake.expectedStatus === 200
      ? '✓ answered as the provider expects'
      : '✓ answered as configured; the provider would reject it until the variable above is set';
  console.log(`← ${response.status} ${body}\n${verdict}`);
  process.exit(0);
}

const kind = values.event ? resolveSampleKind(provider, values.event) : null;
if (!kind) fail(`--event must be one of (${provider}): ${SAMPLE_KINDS[provider].join(', ')}`);

const accountRouted = provider === 'facebook' || provider === 'instagram' || provider === 'linkedin';
let connectionUrl: URL | null = null;
if (values['webhook-url']) {
  try {
    connectionUrl = new URL(values['webhook-url']);
  } catch {
    fail('--webhook-url must be a full URL, e.g. https://metrics.example.com/api/webhooks/metrics?connection=…');
  }
}
if (values.account && !accountRouted) fail('--account is for facebook, instagram or linkedin (email is routed by its URL)');
if (connectionUrl && accountRouted && !values.account) {
  fail(
    `--account is required with --webhook-url for ${provider}: the ${ACCOUNT_NOUN[provider]} your connection claims; ` +
      'without it the sample names a random account that no connection routes',
  );
}
const attribution = values.circuit
  ? { circuit_execution_id: values.circuit, ab_test_id: values['ab-test'], variant_id: values.variant }
  : undefined;
if (attribution && accountRouted) console.log(`(--circuit: ${provider} events carry no circuit context; map the post instead)`);
const sample = buildSampleDelivery(provider, kind, {
  objectId: values['object-id'],
  attribution,
  ...(values.account ? { accountId: accountIdFor(provider, values.account) } : {}),
});

const signing = signingFor(provider);
for (const note of signing.notes) console.log(note);
const request = signedWebhookRequest({
  baseUrl: values.url,
  workspaceId: values.workspace,
  provider,
  body: sample.body,
  keys: signing.keys,
  deliveryId: sample.deliveryId,
});
if (connectionUrl) request.url = connectionUrl.toString();

console.log(`${provider} ${kind}: ${values.unsigned ? 'unsigned (--unsigned)' : request.signature}`);
if (values['dry-run']) {
  console.log(`\n${request.method} ${request.url}`);
  for (const [name, value] of Object.entries(request.headers)) console.log(`${name}: ${value}`);
  console.log(`\n${request.body}`);
  process.exit(0);
}
console.log(`→ POST ${request.url}`);
const answer = await send(request.url, { method: request.method, headers: request.headers, body: request.body });
if (answer === null || answer.status < 200 || answer.status >= 300) {
  // Only an accepted delivery counts; saying what it would have counted misleads.
  console.error(`\n✗ Not recorded${answer === null ? '' : `: the app answered ${answer.status}`}. Nothing was counted.`);
  process.exit(1);
}
const outcome = describeOutcome(answer.body);
if (outcome.failed) {
  console.error(`\n✗ ${outcome.text}`);
  process.exit(1);
}
console.log(`\n${outcome.text}`);
process.exit(0);

/** What the 202 says actually happened: counted, stored until mapped, a duplicate, or not routed. */
function describeOutcome(body: unknown): { text: string; failed: boolean } {
  const parsed = acceptedAnswerSchema.safeParse(body);
  if (!parsed.success) return { text: 'Accepted, but the answer did not say what was stored.', failed: false };
  const { outcomes, unrouted_events: unrouted, events_stored: stored, workspace_id: workspaceId } = parsed.data;
  if ((unrouted ?? 0) > 0 && stored === 0) {
    const account = values.account ?? 'named in the sample';
    return {
      text:
        `Acknowledged (providers get a 2xx so they do not retry) but not stored: no verified connection in this ` +
        `deployment routes ${ACCOUNT_NOUN[provider as 'facebook']} ${account}. Nothing was counted. ` +
        'Connect that account (docs/providers.md), or pass --account with the id your connection claims.',
      failed: true,
    };
  }
  if ((outcomes?.duplicate ?? 0) > 0 && stored === 0) {
    return { text: 'Already recorded (the same event id was delivered before): nothing was added, as designed.', failed: false };
  }
  const counters = sample.expected
    .map((e) => (e.counter ? `${e.event} → ${e.counter} ${e.quantity > 0 ? '+' : ''}${e.quantity}` : `${e.event} → counts nowhere`))
    .join('; ');
  const where = workspaceId ? ` in workspace ${workspaceId}` : '';
  if ((outcomes?.applied ?? 0) > 0) {
    return { text: `Stored and counted${where}: ${counters}.`, failed: false };
  }
  const mapHint = sample.objectId
    ? ` Map it with POST /api/circuits/metrics/attribution?workspaceId=${workspaceId ?? '<your workspace>'} ` +
      `{"provider":"${provider}","provider_object_id":"${sample.objectId}",…}; it is then counted once ` +
      `(rerun with --object-id ${sample.objectId} to add events to the same object).`
    : '';
  return { text: `Stored${where}, not counted yet: object ${sample.objectId ?? '?'} is not mapped to a circuit.${mapHint}`, failed: false };
}

/**
 * The keys to sign with: the secret from --secret-env for this provider (a connection's own), else
 * the app's variables, which is what the single-workspace form verifies with.
 */
function signingFor(target: MetricsProvider): LocalSigning {
  if (values.unsigned) return { keys: signingKeysFromEnv({}), notes: [] };
  const name = values['secret-env'];
  if (name) {
    const secret = process.env[name]?.trim();
    if (!secret) fail(`--secret-env ${name}: that environment variable is empty or not set`);
    if (target === 'sendgrid' && secret.startsWith('-----BEGIN')) {
      return { keys: signingKeysFromEnv({}, secret.replaceAll('\\n', '\n')), notes: [] };
    }
    const keys = signingKeysFromEnv({});
    keys.secrets[target] = secret;
    return { keys, notes: [] };
  }
  if (connectionUrl && !accountRouted) {
    return {
      keys: signingKeysFromEnv(env),
      notes: [`(no --secret-env: signed with this machine's ${target} variables; a connection verifies with its own secret)`],
    };
  }
  const local = localSigningKeys(env, { generateSendGridKey: target === 'sendgrid' });
  return { keys: local.keys, notes: target === 'sendgrid' ? local.notes : [] };
}
