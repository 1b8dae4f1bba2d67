// The product's state on the operator's scrape, read from the database: events of the last hour and
// the share attributed, the backlog waiting for a mapping and its age, each provider's last
// delivery. On PostgreSQL, two app instances on one database report the same values: what makes
// these the gauges to alert on where each scrape reaches another serverless instance.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSampleDelivery } from '../../src/lib/decision-circuits/metrics/providers/sample-deliveries';
import { signResend } from '../../tooling/signing';
import { DATABASE_KINDS } from '../helpers/db';
import { DEV_WORKSPACE_ID, TEST_SECRETS, startApp, type AppUnderTest } from '../helpers/app';
import { startServer, type TestServer } from '../helpers/server';

const SCRAPE_TOKEN = 'scrape-token-product-gauges';

function value(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
}

describe.each(DATABASE_KINDS)('product gauges on the scrape on %s', (kind) => {
  let app: AppUnderTest;
  let second: TestServer | null = null;

  const scrape = async (url = app.url): Promise<string> => {
    const response = await fetch(`${url}/api/metrics`, { headers: { authorization: `Bearer ${SCRAPE_TOKEN}` } });
    expect(response.status).toBe(200);
    return response.text();
  };
  const deliver = async (attributed: boolean): Promise<void> => {
    const sample = buildSampleDelivery('resend', 'email.delivered', {
      ...(attributed ? { attribution: { circuit_execution_id: `gauges-${randomUUID()}` } } : {}),
    });
    const headers = signResend({ secret: TEST_SECRETS.RESEND_WEBHOOK_SECRET, id: `msg_${randomUUID()}`, body: sample.body });
    const response = await fetch(`${app.url}/api/webhooks/metrics?provider=resend&workspace_id=${DEV_WORKSPACE_ID}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: sample.body,
    });
    expect(response.status).toBe(202);
  };

  beforeAll(async () => {
    app = await startApp(kind, { METRICS_SCRAPE_TOKEN: SCRAPE_TOKEN });
  });
  afterAll(async () => {
    await second?.stop();
    await app?.stop();
  });

  it('reports attribution, the backlog and its age, and the last delivery per provider', async () => {
    const before = await scrape();
    expect(value(before, 'metrics_engine_product_gauges_up')).toBe(1);
    expect(value(before, 'metrics_engine_recent_events{provider="resend"}')).toBe(0);
    // No recent events: no ratio at all, rather than a false 0 % or 100 %.
    expect(value(before, 'metrics_engine_attribution_ratio{provider="resend"}')).toBeNull();

    await deliver(true);
    await deliver(true);
    await deliver(true);
    await deliver(false);
    const after = await scrape();
    expect(value(after, 'metrics_engine_recent_events{provider="resend"}')).toBe(4);
    expect(value(after, 'metrics_engine_attribution_ratio{provider="resend"}')).toBe(0.75);
    expect(value(after, 'metrics_engine_unattributed_events{provider="resend"}')).toBe(1);
    const age = value(after, 'metrics_engine_unattributed_oldest_age_seconds{provider="resend"}');
    expect(age).not.toBeNull();
    expect(age!).toBeGreaterThanOrEqual(0);
    expect(age!).toBeLessThan(600);
    const lastSeen = value(after, 'metrics_engine_provider_last_event_age_seconds{provider="resend"}');
    expect(lastSeen).not.toBeNull();
    expect(lastSeen!).toBeLessThan(600);
    // A provider that never delivered has no last-seen series; every provider has a backlog gauge.
    expect(value(after, 'metrics_engine_provider_last_event_age_seconds{provider="linkedin"}')).toBeNull();
    expect(value(after, 'metrics_engine_unattributed_events{provider="linkedin"}')).toBe(0);
    // Deployment-wide by design: no workspace ever becomes a label.
    expect(after).not.toContain(DEV_WORKSPACE_ID);
  });

  it('reports the same values from a second instance on the same database', async ({ skip }) => {
    skip(kind !== 'postgres', 'the embedded database belongs to one process');
    second = await startServer({ DATABASE_URL: app.testDb!.url!, METRICS_SCRAPE_TOKEN: SCRAPE_TOKEN });
    const [one, two] = [await scrape(), await scrape(second.url)];
    for (const series of [
      'metrics_engine_recent_events{provider="resend"}',
      'metrics_engine_attribution_ratio{provider="resend"}',
      'metrics_engine_unattributed_events{provider="resend"}',
    ]) {
      expect(value(two, series), series).toBe(value(one, series));
    }
  });
});
