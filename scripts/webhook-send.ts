// npm run webhook:send -- --provider <name> --event <kind>: posts one realistic provider webhook,
// signed as the provider signs it with the secret the app is configured with (docs/try-it.md).
import { DEV_WORKSPACE_ID } from '../src/lib/db/dev-seed';
import { METRICS_PROVIDERS, isMetricsProvider } from '../src/lib/decision-circuits/metrics/providers/registry';
import {
  SAMPLE_KINDS,
  buildSampleDelivery,
  createRng,
  handshakeRequest,
  loadAppEnv,
  localSigningKeys,
  resolveSampleKind,
  signedWebhookRequest,
  signingKeysFromEnv,
} from '../tooling/simulator';
import { parseCommandLine, usageError } from './lib/cli';

const USAGE = `Usage: npm run webhook:send -- --provider <${METRICS_PROVIDERS.join('|')}> --event <kind> [options]
       npm run webhook:send -- --provider <facebook|instagram|linkedin> --handshake

  --url <url>          the app (default http://localhost:3000)
  --workspace <uuid>   workspace_id in the webhook URL (default: the seeded dev workspace)
  --webhook-url <url>  post to this URL instead, e.g. a connection's own webhook_url
                       (…/api/webhooks/metrics?connection=…)
  --secret <whsec_…>   Resend: sign with this secret (a connection's) instead of RESEND_WEBHOOK_SECRET
  --object-id <id>     reuse a message / post id (to send several events for one object)
  --circuit <id>       carry circuit_execution_id as SendGrid custom args / Resend tags
  --ab-test <uuid>     … with ab_test_id;  --variant <uuid>  … with variant_id
  --unsigned           send without a signature (to see the 401 when a secret is set)
  --dry-run            print the request instead of sending it
  --list               list the event kinds per provider`;

const { values } = parseCommandLine(USAGE, {
  provider: { type: 'string' },
  event: { type: 'string' },
  url: { type: 'string', default: 'http://localhost:3000' },
  workspace: { type: 'string', default: DEV_WORKSPACE_ID },
  'webhook-url': { type: 'string' },
  secret: { type: 'string' },
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

/** The HTTP status the app answered, or null when it could not be reached. */
async function send(url: string, init: RequestInit): Promise<number | null> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
    const text = await response.text();
    let shown = text;
    try {
      shown = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // not JSON (a handshake answers plain text)
    }
    console.log(`← ${response.status} ${response.statusText}\n${shown}`);
    return response.status;
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
const attribution = values.circuit
  ? { circuit_execution_id: values.circuit, ab_test_id: values['ab-test'], variant_id: values.variant }
  : undefined;
if (attribution && provider !== 'sendgrid' && provider !== 'resend')
  console.log('(--circuit is carried by SendGrid and Resend only; ignored)');
const sample = buildSampleDelivery(provider, kind, { objectId: values['object-id'], attribution });
if (values.secret && provider !== 'resend') fail("--secret is for resend (a connection's whsec_ secret)");
const signingEnv = values.secret ? { ...env, RESEND_WEBHOOK_SECRET: values.secret } : env;
const signing = values.unsigned
  ? { keys: signingKeysFromEnv({}), notes: [] }
  : localSigningKeys(signingEnv, { generateSendGridKey: provider === 'sendgrid' });
for (const note of provider === 'sendgrid' ? signing.notes : []) console.log(note);
const request = signedWebhookRequest({
  baseUrl: values.url,
  workspaceId: values.workspace,
  provider,
  body: sample.body,
  keys: signing.keys,
  deliveryId: sample.deliveryId,
});

if (values['webhook-url']) {
  try {
    request.url = new URL(values['webhook-url']).toString();
  } catch {
    fail('--webhook-url must be a full URL, e.g. https://metrics.example.com/api/webhooks/metrics?connection=…');
  }
}
console.log(`${provider} ${kind}: ${values.unsigned ? 'unsigned (--unsigned)' : request.signature}`);
if (values['dry-run']) {
  console.log(`\n${request.method} ${request.url}`);
  for (const [name, value] of Object.entries(request.headers)) console.log(`${name}: ${value}`);
  console.log(`\n${request.body}`);
  process.exit(0);
}
console.log(`→ POST ${request.url}`);
const status = await send(request.url, { method: request.method, headers: request.headers, body: request.body });
if (status === null || status < 200 || status >= 300) {
  // Only an accepted delivery counts; saying what it would have counted misleads.
  console.error(`\n✗ Not recorded${status === null ? '' : `: the app answered ${status}`}. Nothing was counted.`);
  process.exit(1);
}
const counts = sample.expected
  .map((e) => (e.counter ? `${e.event} → ${e.counter} ${e.quantity > 0 ? '+' : ''}${e.quantity}` : `${e.event} → counts nowhere`))
  .join('; ');
console.log(`\n${counts}`);
if (sample.objectId && sample.expected.some((e) => e.counter)) {
  const selfMapped = attribution && (provider === 'sendgrid' || provider === 'resend');
  console.log(
    selfMapped
      ? `Object ${sample.objectId} is mapped by the event's own circuit context (${values.circuit}): counted now.`
      : `Counted once object ${sample.objectId} is mapped: POST /api/circuits/metrics/attribution?workspaceId=${values.workspace}` +
          ` {"provider":"${provider}","provider_object_id":"${sample.objectId}",…} (rerun with --object-id ${sample.objectId} to add events to it).`,
  );
}
process.exit(0);
