// The contracts beside the routes against the real server: every answer this suite provokes is
// checked against the schema its contract declares for that status (the error shape for a declared
// error status; any other status fails), and every GET whose contract declares a JSON answer is
// called with data behind it, so a handler that drifts from its contract fails here.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorBodySchema, type HttpMethod, type OperationContract } from '../../src/lib/http/contract';
import { signSendGridHmac } from '../../tooling/signing';
import { loadContracts, type LoadedContract } from '../../tooling/openapi/document';
import { DATABASE_KINDS } from '../helpers/db';
import { DEV_USER_ID, DEV_WORKSPACE_ID, TEST_SECRETS, startApp, tokenFor, type AppUnderTest } from '../helpers/app';

const AB_TEST = randomUUID();
const VARIANTS = [randomUUID(), randomUUID()] as const;
const WS = DEV_WORKSPACE_ID;

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

interface Route {
  path: string;
  pattern: RegExp;
  contract: LoadedContract['contract'];
}

function routeTable(contracts: LoadedContract[]): Route[] {
  return contracts.map(({ path, contract }) => ({
    path,
    pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    contract,
  }));
}

/** A GET whose contract declares a JSON 200: the ones this suite must call. */
function jsonGets(routes: Route[]): string[] {
  return routes.filter((r) => r.contract.GET?.responses[200]?.schema).map((r) => r.path);
}

describe.each(DATABASE_KINDS)('route contracts on %s', (kind) => {
  let app: AppUnderTest;
  let routes: Route[];
  let owner: string;
  const validatedGets = new Set<string>();

  function operationOf(method: HttpMethod, pathname: string): { route: Route; operation: OperationContract } {
    const route = routes.find((r) => r.pattern.test(pathname));
    const operation = route?.contract[method];
    if (!route || !operation) throw new Error(`no contract describes ${method} ${pathname}`);
    return { route, operation };
  }

  /** Calls the server and holds the answer to the contract; answers the JSON body. */
  async function call(
    method: HttpMethod,
    target: string,
    options: { token?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const token = options.token === undefined ? owner : options.token;
    const hasBody = options.body !== undefined || options.raw !== undefined;
    const response = await fetch(`${app.url}${target}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(hasBody ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      ...(hasBody ? { body: options.raw ?? JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    const json = (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
    const { route, operation } = operationOf(method, new URL(target, app.url).pathname);
    const declared = operation.responses[response.status];
    const where = `${method} ${target} answered ${response.status}`;
    if (declared) {
      // A declared answer without a schema has no body (a redirect, a 304).
      const parsed = (declared.schema ?? z.literal('')).safeParse(declared.schema ? json : text);
      expect(parsed.success ? [] : parsed.error.issues, `${where}: not the declared answer`).toEqual([]);
      if (method === 'GET' && response.status === 200) validatedGets.add(route.path);
    } else {
      expect(operation.errors as readonly number[], `${where}, which its contract does not declare: ${JSON.stringify(json)}`).toContain(
        response.status,
      );
      const parsed = errorBodySchema.safeParse(json);
      expect(parsed.success ? [] : parsed.error.issues, `${where}: not the error shape`).toEqual([]);
    }
    return { status: response.status, json };
  }

  const expectStatus = async (expected: number, answer: Promise<{ status: number; json: Record<string, unknown> }>) => {
    const { status, json } = await answer;
    expect(status, JSON.stringify(json)).toBe(expected);
    return json;
  };

  const cron = (job: string) => call('GET', `/api/cron/metrics/${job}`, { token: TEST_SECRETS.CRON_SECRET });

  beforeAll(async () => {
    routes = routeTable(await loadContracts());
    // Backfill jobs reach a port nothing listens on: the worker's run fails at once, and says so.
    app = await startApp(kind, {
      METRICS_OUTBOUND_ALLOWLIST: '127.0.0.1',
      RESEND_API_KEY: 're_test',
      RESEND_API_BASE_URL: 'http://127.0.0.1:9',
    });
    owner = await tokenFor(DEV_USER_ID);
    const events = [
      ...Array.from({ length: 12 }, (_, i) => ({ kind: 'delivered', message: `a${i}`, variant: VARIANTS[0] })),
      ...Array.from({ length: 5 }, (_, i) => ({ kind: 'open', message: `a${i}`, variant: VARIANTS[0] })),
      ...Array.from({ length: 12 }, (_, i) => ({ kind: 'delivered', message: `b${i}`, variant: VARIANTS[1] })),
      ...Array.from({ length: 2 }, (_, i) => ({ kind: 'click', message: `b${i}`, variant: VARIANTS[1] })),
    ].map(({ kind: event, message, variant }, i) => ({
      email: 'x@example.com',
      timestamp: Math.floor(Date.now() / 1000) - 7200 + i,
      event,
      sg_event_id: randomUUID(),
      sg_message_id: `${message}-${AB_TEST}.filter0001`,
      circuit_execution_id: 'exec-contracts',
      ab_test_id: AB_TEST,
      variant_id: variant,
    }));
    const raw = `${JSON.stringify(events)}\r\n`;
    await expectStatus(
      202,
      call('POST', `/api/webhooks/metrics?provider=sendgrid&workspace_id=${WS}`, {
        token: null,
        raw,
        headers: signSendGridHmac({ secret: TEST_SECRETS.SENDGRID_WEBHOOK_SECRET, body: raw }),
      }),
    );
  }, 180_000);

  afterAll(async () => {
    await app?.stop();
  });

  it('answers the public and operator routes as declared', async () => {
    await expectStatus(200, call('GET', '/api/webhooks/metrics', { token: null }));
    await expectStatus(200, call('GET', '/api/ready', { token: null }));
    await expectStatus(401, call('GET', '/api/cron/metrics/retention', { token: 'wrong' }));
    for (const job of ['alerts', 'reprocess-unmapped', 'retention', 'poll-insights']) await expectStatus(200, cron(job));
  });

  it('answers the read API as declared', async () => {
    await expectStatus(
      201,
      call('POST', `/api/circuits/metrics/ab-tests?workspaceId=${WS}`, {
        body: {
          ab_test_id: AB_TEST,
          name: 'Subject line',
          primary_metric: 'unique_open_rate',
          started_at: new Date(Date.now() - 86_400_000).toISOString(),
          variants: [
            { variant_id: VARIANTS[0], name: 'A', is_control: true },
            { variant_id: VARIANTS[1], name: 'B', is_control: false },
          ],
        },
      }),
    );
    const mapped = await expectStatus(
      200,
      call('POST', `/api/circuits/metrics/attribution?workspaceId=${WS}`, {
        body: [{ provider: 'sendgrid', provider_object_id: `late-${AB_TEST}`, circuit_execution_id: 'exec-late', channel: 'email' }],
      }),
    );
    expect(mapped.count).toBe(1);
    await expectStatus(400, call('POST', `/api/circuits/metrics/attribution?workspaceId=${WS}`, { body: [{ provider: 'sendgrid' }] }));

    const rollups = await expectStatus(200, call('GET', `/api/circuits/metrics/rollups?workspaceId=${WS}&abTestId=${AB_TEST}`));
    expect((rollups.rollups as unknown[]).length).toBeGreaterThan(0);
    await expectStatus(200, call('GET', `/api/circuits/metrics/summary?workspaceId=${WS}&abTestId=${AB_TEST}`));
    const variants = await expectStatus(200, call('GET', `/api/circuits/metrics/variants?workspaceId=${WS}&abTestId=${AB_TEST}`));
    expect(variants.count).toBe(2);
    await expectStatus(200, call('GET', `/api/circuits/metrics/latest?workspaceId=${WS}&abTestId=${AB_TEST}`));
    await expectStatus(200, call('GET', `/api/circuits/metrics/health?workspaceId=${WS}`));
    const live = await expectStatus(200, call('GET', `/api/circuits/metrics/live?workspaceId=${WS}&abTestId=${AB_TEST}`));
    await expectStatus(
      304,
      call('GET', `/api/circuits/metrics/live?workspaceId=${WS}&abTestId=${AB_TEST}`, {
        headers: { 'if-none-match': `"${String(live.version)}"` },
      }),
    );
    for (const method of ['sequential', 'fixed_horizon', 'bayesian']) {
      const decision = await expectStatus(
        200,
        call('GET', `/api/circuits/metrics/decision?workspaceId=${WS}&abTestId=${AB_TEST}&method=${method}`),
      );
      expect((decision.variants as unknown[]).length).toBe(2);
    }
    await expectStatus(404, call('GET', `/api/circuits/metrics/decision?workspaceId=${WS}&abTestId=${randomUUID()}`));
    await expectStatus(400, call('GET', `/api/circuits/metrics/rollups?workspaceId=${WS}&limit=0`));
    const tests = await expectStatus(200, call('GET', `/api/circuits/metrics/ab-tests?workspaceId=${WS}`));
    expect(tests.count).toBeGreaterThan(0);
  });

  it('answers the connections, alerts and backfill routes as declared', async () => {
    const connection = await expectStatus(
      201,
      call('POST', `/api/circuits/metrics/connections?workspaceId=${WS}`, {
        body: { provider: 'sendgrid', secret: `hmac-${randomUUID()}` },
      }),
    );
    await expectStatus(200, call('GET', `/api/circuits/metrics/connections?workspaceId=${WS}`));
    const id = String(connection.connection_id);
    const tested = await expectStatus(200, call('POST', `/api/circuits/metrics/connections/${id}/test?workspaceId=${WS}`));
    expect(tested.delivered).toBe(true);

    const added = await expectStatus(
      201,
      call('POST', `/api/circuits/metrics/alerts/channels?workspaceId=${WS}`, {
        body: { kind: 'slack', name: 'ops', url: 'http://127.0.0.1:9/slack' },
      }),
    );
    // Nothing listens there: the test send fails, and says so in its declared answer.
    const channelId = (added.channel as { id: string }).id;
    const sent = await expectStatus(200, call('POST', `/api/circuits/metrics/alerts/channels/${channelId}/test?workspaceId=${WS}`));
    expect(sent.delivered).toBe(false);
    await expectStatus(
      409,
      call('POST', `/api/circuits/metrics/alerts/channels/${channelId}/rotate-secret?workspaceId=${WS}`, { body: {} }),
    );
    await expectStatus(
      200,
      call('PUT', `/api/circuits/metrics/alerts?workspaceId=${WS}`, {
        body: { rules: [{ rule: 'provider_silent', enabled: true, threshold: 12 }] },
      }),
    );
    const alerts = await expectStatus(200, call('GET', `/api/circuits/metrics/alerts?workspaceId=${WS}`));
    expect((alerts.channels as unknown[]).length).toBe(1);

    const job = await expectStatus(
      202,
      call('POST', `/api/circuits/metrics/backfill?workspaceId=${WS}`, {
        body: { provider: 'resend', channel: 'email', date_start: day(-3), date_end: day(0) },
      }),
    );
    await expectStatus(200, call('GET', `/api/circuits/metrics/backfill?workspaceId=${WS}&jobId=${String(job.job_id)}`));
    const run = await expectStatus(200, cron('process-backfill-jobs'));
    expect((run.jobs as unknown[]).length).toBe(1);
    await expectStatus(200, call('GET', `/api/circuits/metrics/backfill?workspaceId=${WS}`));
  });

  it('answers the workspace administration routes as declared', async () => {
    await expectStatus(200, call('GET', '/api/workspaces'));
    await expectStatus(200, call('GET', `/api/workspaces/${WS}/members`));
    await expectStatus(201, call('POST', `/api/workspaces/${WS}/api-keys`, { body: { name: 'exporter', scopes: ['read'] } }));
    await expectStatus(200, call('GET', `/api/workspaces/${WS}/api-keys`));
    const invitee = randomUUID();
    const email = `${invitee}@invitee.example.com`;
    const invited = await expectStatus(201, call('POST', `/api/workspaces/${WS}/invitations`, { body: { email, role: 'viewer' } }));
    await expectStatus(200, call('GET', `/api/workspaces/${WS}/invitations`));
    const inviteeToken = await tokenFor(invitee, { email });
    const received = await expectStatus(200, call('GET', '/api/invitations', { token: inviteeToken }));
    expect(received.count).toBe(1);
    const { invitation_id: invitationId } = invited.invitation as { invitation_id: string };
    await expectStatus(200, call('POST', `/api/invitations/${invitationId}/accept`, { token: inviteeToken }));
    await expectStatus(409, call('POST', `/api/invitations/${invitationId}/accept`, { token: inviteeToken }));
  });

  it('called every GET whose contract declares a JSON answer', () => {
    expect([...validatedGets].sort()).toEqual(jsonGets(routes).sort());
  });
});
