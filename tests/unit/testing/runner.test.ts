import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planCampaign, runCampaign, signingKeysFromEnv } from '../../../tooling/simulator';

interface Seen {
  path: string;
  provider: string | null;
  headers: IncomingMessage['headers'];
  body: string;
}

// A stand-in app: 503 on the first webhook, 401 for every Resend webhook, 2xx otherwise.
let server: Server;
let baseUrl: string;
const seen: Seen[] = [];
beforeAll(async () => {
  let webhooks = 0;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const provider = url.searchParams.get('provider');
      seen.push({ path: url.pathname, provider, headers: req.headers, body });
      if (url.pathname.endsWith('/ab-tests')) {
        res.writeHead(req.headers.authorization === 'Bearer t0k' ? 201 : 401).end('{}');
        return;
      }
      if (url.pathname.endsWith('/attribution')) {
        res.writeHead(req.headers.authorization === 'Bearer t0k' ? 200 : 401).end('{}');
        return;
      }
      webhooks += 1;
      if (webhooks === 1) res.writeHead(503, { 'retry-after': '0' }).end('{"error":"busy"}');
      else if (provider === 'resend') res.writeHead(401).end('{"error":"Signature verification failed"}');
      else res.writeHead(202).end('{"success":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('runCampaign', () => {
  it('posts mappings and signed webhooks, retries a 503 like a provider, and records what was not accepted', async () => {
    const plan = planCampaign({
      seed: 'runner',
      startMs: Date.UTC(2025, 0, 1),
      minutes: 10,
      recipients: 6,
      posts: 0,
      providers: ['sendgrid', 'resend'],
    });
    const progress: number[] = [];
    const outcome = await runCampaign(plan, {
      baseUrl,
      workspaceId: '00000000-0000-4000-8000-00000000d001',
      token: 't0k',
      keys: signingKeysFromEnv({ SENDGRID_WEBHOOK_SECRET: 's', RESEND_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
      speed: 1e9,
      onProgress: (p) => progress.push(p.done),
    });

    expect(outcome.acks.registrations.every(Boolean)).toBe(true);
    // The test is registered first, with the simulator's variant names and A as the control.
    expect(outcome.abTestRegistered).toBe(true);
    expect(seen[0]?.path).toBe('/api/circuits/metrics/ab-tests');
    const registration = JSON.parse(seen[0]?.body ?? '{}') as {
      ab_test_id: string;
      primary_metric: string;
      variants: { variant_id: string; name: string; is_control: boolean }[];
    };
    expect(registration.ab_test_id).toBe(plan.abTestId);
    expect(registration.primary_metric).toBe('unique_open_rate');
    expect(registration.variants).toEqual(
      plan.variants.map((v, i) => ({ variant_id: v.variantId, name: v.key, is_control: i === 0, weight: 1 })),
    );
    expect(outcome.transportRetries).toBe(1);
    const resend = plan.deliveries.map((d, i) => [d.provider, outcome.acks.deliveries[i]] as const);
    expect(resend.filter(([p]) => p === 'resend').every(([, ok]) => ok === false)).toBe(true);
    expect(resend.filter(([p]) => p === 'sendgrid').every(([, ok]) => ok === true)).toBe(true);
    // A 401 is final: one attempt per Resend delivery, one failure each.
    expect(outcome.failures.map((f) => f.status)).toEqual(plan.deliveries.filter((d) => d.provider === 'resend').map(() => 401));
    expect(seen.filter((s) => s.provider === 'resend')).toHaveLength(outcome.failures.length);

    const sendgrid = seen.find((s) => s.provider === 'sendgrid');
    expect(sendgrid?.headers['x-twilio-email-event-webhook-signature']).toMatch(/^[0-9a-f]{64}$/);
    expect(seen.find((s) => s.provider === 'resend')?.headers['svix-id']).toMatch(/^msg_/);
    const mappings = seen.filter((s) => s.path.endsWith('/attribution')).flatMap((s) => JSON.parse(s.body) as unknown[]);
    expect(mappings).toHaveLength(plan.registrations.reduce((n, r) => n + r.mappings.length, 0));
    expect(progress.at(-1)).toBe(plan.deliveries.length + plan.registrations.length);
  });
});
