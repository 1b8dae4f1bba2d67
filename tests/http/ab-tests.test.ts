// The test registry over HTTP: named variants, a control, weights and the primary metric; roles
// decide who may register (member or above); unregistered tests still list, by short id.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestNormalizedEvents, upsertAttributionMap } from '../../src/lib/decision-circuits/metrics';
import { DEV_USER_ID, DEV_WORKSPACE_ID, OTHER_USER_ID, startApp, tokenFor, type AppUnderTest } from '../helpers/app';
import { DATABASE_KINDS } from '../helpers/db';
import { addMember, makeEvent } from '../helpers/factories';

type Json = Record<string, unknown>;

function registration(abTestId = randomUUID()) {
  return {
    ab_test_id: abTestId,
    name: 'Subject line: question vs statement',
    primary_metric: 'unique_click_rate',
    started_at: '2026-11-01T09:00:00Z',
    variants: [
      { variant_id: randomUUID(), name: 'Statement (control)', is_control: true, weight: 1 },
      { variant_id: randomUUID(), name: 'Question', is_control: false, weight: 1 },
    ],
  };
}

describe.each(DATABASE_KINDS)('/api/circuits/metrics/ab-tests on %s', (kind) => {
  let app: AppUnderTest;
  let owner: string;
  const url = (workspace = DEV_WORKSPACE_ID) => `${app.url}/api/circuits/metrics/ab-tests?workspaceId=${workspace}`;

  async function call(method: 'GET' | 'POST', token: string, body?: unknown, workspace = DEV_WORKSPACE_ID) {
    const response = await fetch(url(workspace), {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as Json };
  }

  beforeAll(async () => {
    app = await startApp(kind);
    owner = await tokenFor(DEV_USER_ID);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('registers a test (201) and lists it with its named variants, control first', async () => {
    const body = registration();
    const created = await call('POST', owner, body);
    expect(created.status).toBe(201);
    expect(created.json.test).toMatchObject({
      ab_test_id: body.ab_test_id,
      name: body.name,
      registered: true,
      primary_metric: 'unique_click_rate',
      channel: 'email',
      // Not given: the default per-message window.
      window_hours: 24,
      variants: [
        { variant_id: body.variants[0]!.variant_id, name: 'Statement (control)', is_control: true, weight: 1 },
        { variant_id: body.variants[1]!.variant_id, name: 'Question', is_control: false, weight: 1 },
      ],
    });
    // Registering again replaces the definition: renamed variant, the control moved, a weight changed.
    const again = {
      ...body,
      window_hours: 48,
      variants: [
        { ...body.variants[0]!, is_control: false },
        { ...body.variants[1]!, name: 'Question?', is_control: true, weight: 3 },
      ],
    };
    expect((await call('POST', owner, again)).status).toBe(201);
    const listed = await call('GET', owner);
    expect(listed.status).toBe(200);
    const test = (listed.json.tests as Json[]).find((t) => t.ab_test_id === body.ab_test_id);
    expect(test?.window_hours).toBe(48);
    expect(test?.variants).toEqual([
      { variant_id: body.variants[1]!.variant_id, name: 'Question?', is_control: true, weight: 3, first_bucket: null },
      { variant_id: body.variants[0]!.variant_id, name: 'Statement (control)', is_control: false, weight: 1, first_bucket: null },
    ]);
  });

  it.each([
    [
      'two controls',
      (b: ReturnType<typeof registration>) => ({ ...b, variants: b.variants.map((v) => ({ ...v, is_control: true })) }),
      'exactly one variant must be the control',
    ],
    [
      'no control',
      (b: ReturnType<typeof registration>) => ({ ...b, variants: b.variants.map((v) => ({ ...v, is_control: false })) }),
      'exactly one variant must be the control',
    ],
    ['one variant', (b: ReturnType<typeof registration>) => ({ ...b, variants: [b.variants[0]] }), 'a test needs at least two variants'],
    [
      'the same variant twice',
      (b: ReturnType<typeof registration>) => ({ ...b, variants: [b.variants[0], { ...b.variants[0]!, is_control: false }] }),
      'variant_id must be unique',
    ],
    ['an unknown metric', (b: ReturnType<typeof registration>) => ({ ...b, primary_metric: 'open_rate' }), 'primary_metric'],
    [
      'a zero weight',
      (b: ReturnType<typeof registration>) => ({ ...b, variants: [b.variants[0], { ...b.variants[1]!, weight: 0 }] }),
      'weight',
    ],
    ['an extra field', (b: ReturnType<typeof registration>) => ({ ...b, owner: 'me' }), 'owner'],
    ['a window of 0 hours', (b: ReturnType<typeof registration>) => ({ ...b, window_hours: 0 }), 'window_hours'],
    ['a window longer than a week', (b: ReturnType<typeof registration>) => ({ ...b, window_hours: 169 }), 'must be at most 168'],
    ['a window in part hours', (b: ReturnType<typeof registration>) => ({ ...b, window_hours: 1.5 }), 'must be a whole number of hours'],
    ['a window as text', (b: ReturnType<typeof registration>) => ({ ...b, window_hours: '24' }), 'window_hours'],
  ])('refuses %s with 400 and stores nothing', async (_name, mutate, message) => {
    const body = mutate(registration());
    const answer = await call('POST', owner, body);
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.json)).toContain(message);
    const listed = await call('GET', owner);
    expect((listed.json.tests as Json[]).some((t) => t.ab_test_id === body.ab_test_id)).toBe(false);
  });

  it('GET /decision answers the verdict for a member, 400 for bad parameters, 403 for a non-member, 404 for an unknown test', async () => {
    const body = registration();
    expect((await call('POST', owner, body)).status).toBe(201);
    const decision = (query: string, token = owner) =>
      fetch(`${app.url}/api/circuits/metrics/decision?workspaceId=${DEV_WORKSPACE_ID}&${query}`, {
        headers: { authorization: `Bearer ${token}` },
      });
    const ok = await decision(`abTestId=${body.ab_test_id}`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      ab_test_id: body.ab_test_id,
      decision: 'insufficient_data',
      method: 'sequential',
      metric: {
        key: 'unique_click_rate',
        choice: { code: 'metric_choice', choice: 'metric_registered' },
        why: 'Unique click rate: the metric registered for this test.',
      },
      test: { name: body.name, registered: true },
      variants: [
        { name: 'Statement (control)', isControl: true, trials: 0 },
        { name: 'Question', isControl: false, trials: 0 },
      ],
    });
    const bad = await decision(`abTestId=${body.ab_test_id}&method=peeking`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Json).error).toContain('method');
    const asked = await decision(`abTestId=${body.ab_test_id}&metric=unique_human_open_rate`);
    expect(await asked.json()).toMatchObject({ metric: { key: 'unique_human_open_rate', choice: { choice: 'metric_requested' } } });
    expect((await decision(`abTestId=${body.ab_test_id}`, await tokenFor(OTHER_USER_ID))).status).toBe(403);
    expect((await decision(`abTestId=${randomUUID()}`)).status).toBe(404);
  });

  it('GET /ab-tests/export/decision answers a CSV for a member; 400 for a bad method, 403 for a non-member, 404 for an unknown test', async () => {
    const body = registration();
    expect((await call('POST', owner, body)).status).toBe(201);
    const exportUrl = (query: string, workspace = DEV_WORKSPACE_ID) =>
      `${app.url}/api/circuits/metrics/ab-tests/export/decision?workspaceId=${workspace}&${query}`;
    const get = (query: string, token = owner, workspace = DEV_WORKSPACE_ID) =>
      fetch(exportUrl(query, workspace), { headers: { authorization: `Bearer ${token}` } });
    const ok = await get(`abTestId=${body.ab_test_id}&method=fixed_horizon`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const [header, ...rows] = (await ok.text()).trim().split('\r\n');
    expect(header).toMatch(/^ab_test_id,test_name,decision,winner_variant_id,method,metric,unit,window_hours,window_source,/);
    // One row per variant: no data yet, the registered 24-hour window, the method asked for.
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toContain(',insufficient_data,,fixed_horizon,unique_click_rate,message,24,registered,0,0,0,');
    const bad = await get(`abTestId=${body.ab_test_id}&method=peeking`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('method');
    expect((await get(`abTestId=${body.ab_test_id}`, await tokenFor(OTHER_USER_ID))).status).toBe(403);
    expect((await get(`abTestId=${randomUUID()}`)).status).toBe(404);
  });

  it('refuses a non-member with 403 for both reading and registering', async () => {
    const stranger = await tokenFor(OTHER_USER_ID);
    expect((await call('GET', stranger)).status).toBe(403);
    const body = registration();
    expect((await call('POST', stranger, body)).status).toBe(403);
    expect(((await call('GET', owner)).json.tests as Json[]).some((t) => t.ab_test_id === body.ab_test_id)).toBe(false);
  });

  it('lets a viewer read but not register (403, nothing written); a member may register', async ({ skip }) => {
    skip(
      kind !== 'postgres',
      "PostgreSQL only: the test adds members straight into the server's database, which PGlite keeps to its own process",
    );
    const db = app.testDb!.db;
    const viewer = await tokenFor(await addMember(db, DEV_WORKSPACE_ID, randomUUID(), 'viewer'));
    const member = await tokenFor(await addMember(db, DEV_WORKSPACE_ID, randomUUID(), 'member'));
    expect((await call('GET', viewer)).status).toBe(200);
    const refused = registration();
    const answer = await call('POST', viewer, refused);
    expect(answer.status).toBe(403);
    expect(answer.json.error).toBe('This needs the member role or above in this workspace');
    const [row] = await db.query<{ n: number }>('select count(*)::int as n from metrics_ab_tests where ab_test_id = $1', [
      refused.ab_test_id,
    ]);
    expect(row?.n).toBe(0);
    expect((await call('POST', member, registration())).status).toBe(201);
  });

  it('registers a test on the unique human click rate and decides it on that metric', async () => {
    const body = { ...registration(), primary_metric: 'unique_human_click_rate' };
    const created = await call('POST', owner, body);
    expect(created.status).toBe(201);
    expect(created.json.test).toMatchObject({ primary_metric: 'unique_human_click_rate', primary_metric_choice: 'metric_registered' });
    const response = await fetch(`${app.url}/api/circuits/metrics/decision?workspaceId=${DEV_WORKSPACE_ID}&abTestId=${body.ab_test_id}`, {
      headers: { authorization: `Bearer ${owner}` },
    });
    expect(await response.json()).toMatchObject({
      metric: { key: 'unique_human_click_rate', label: 'Unique human click rate', successes: 'messages a person clicked within 24 h' },
    });
  });

  it('lists an unregistered test by short ids, with the variant that sent first as control', async ({ skip }) => {
    skip(
      kind !== 'postgres',
      "PostgreSQL only: the test writes rollups straight into the server's database, which PGlite keeps to its own process",
    );
    const db = app.testDb!.db;
    const abTestId = randomUUID();
    const [early, late] = [randomUUID(), randomUUID()];
    for (const [variant, hour] of [
      [late, 11],
      [early, 9],
    ] as const) {
      const at = `2026-11-02T${String(hour).padStart(2, '0')}:00:00.000Z`;
      const objectId = `msg-${variant}`;
      await upsertAttributionMap(
        {
          workspace_id: DEV_WORKSPACE_ID,
          provider: 'sendgrid',
          provider_object_id: objectId,
          circuit_execution_id: 'c',
          ab_test_id: abTestId,
          variant_id: variant,
          channel: 'email',
        },
        { db },
      );
      await ingestNormalizedEvents(
        DEV_WORKSPACE_ID,
        'sendgrid',
        [makeEvent({ provider_object_id: objectId, event_type: 'email_sent', occurred_at: at })],
        true,
        { db },
      );
    }
    const test = ((await call('GET', owner)).json.tests as Json[]).find((t) => t.ab_test_id === abTestId);
    expect(test).toMatchObject({
      name: `Test ${abTestId.slice(0, 8)}`,
      registered: false,
      // SendGrid flags machine opens: the default reads people's opens.
      primary_metric: 'unique_human_open_rate',
      primary_metric_choice: 'default_human_opens',
      providers: ['sendgrid'],
      control_rule: 'Not registered: the control is the variant that sent first, and the split is assumed even.',
      variants: [
        { variant_id: early, name: early.slice(0, 8), is_control: true, weight: 1 },
        { variant_id: late, name: late.slice(0, 8), is_control: false, weight: 1 },
      ],
    });
    const decision = await fetch(`${app.url}/api/circuits/metrics/decision?workspaceId=${DEV_WORKSPACE_ID}&abTestId=${abTestId}`, {
      headers: { authorization: `Bearer ${owner}` },
    });
    expect(await decision.json()).toMatchObject({
      metric: {
        key: 'unique_human_open_rate',
        why: expect.stringMatching(/^Unique human open rate: every provider in this test \(SendGrid\) flags machine opens/),
      },
    });
  });
});
