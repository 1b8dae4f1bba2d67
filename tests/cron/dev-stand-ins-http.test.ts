// A production server (`next start`) never takes the simulator's stand-in announcement: with
// CRON_SECRET unset its cron routes refuse the announced secret. (That only a development server
// reads the announced base URLs and secret is in tests/unit/net/dev-stand-ins.test.ts.)
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_STAND_INS_FILE } from '../../src/lib/net/dev-stand-ins';
import { startApp, type AppUnderTest } from '../helpers/app';

describe('the simulator stand-in announcement on a production server', () => {
  let app: AppUnderTest;
  const file = path.join(process.cwd(), DEV_STAND_INS_FILE);
  const secret = randomBytes(24).toString('base64url');
  const text = JSON.stringify({
    base_urls: { META_GRAPH_BASE_URL: 'http://127.0.0.1:9/v23.0', LINKEDIN_API_BASE_URL: 'http://127.0.0.1:9/rest' },
    cron_secret: secret,
    expires_at: new Date(Date.now() + 10 * 60_000).toISOString(),
  });
  beforeAll(async () => {
    // The server runs in this directory, where the simulator would write it.
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    app = await startApp('pglite', { CRON_SECRET: '' });
  });
  afterAll(async () => {
    await app?.stop();
    try {
      if (readFileSync(file, 'utf8') === text) rmSync(file);
    } catch {
      // Already gone.
    }
  });

  it.each(['GET', 'POST'])('%s poll-insights with the announced secret: 401, cron not configured', async (method) => {
    const response = await fetch(`${app.url}/api/cron/metrics/poll-insights`, { method, headers: { authorization: `Bearer ${secret}` } });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'Cron is not configured: set CRON_SECRET' });
  });
});
