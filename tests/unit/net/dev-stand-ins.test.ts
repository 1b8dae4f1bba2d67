// The simulator's stand-in announcement: read by a development server only, never by a
// production one (`next start`), and never over what is configured.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { baseUrl } from '../../../src/lib/decision-circuits/metrics/providers/kit/backfill-client';
import { DEV_STAND_INS_FILE, cronSecret, devStandInBaseUrl, devStandIns } from '../../../src/lib/net/dev-stand-ins';

const SECRET = 'a-simulator-secret-of-32-characters-at-least';
const DEV = { NODE_ENV: 'development' };

describe('dev stand-ins', () => {
  let cwd: string;
  const write = (content: unknown) => {
    mkdirSync(path.join(cwd, '.data'), { recursive: true });
    writeFileSync(path.join(cwd, DEV_STAND_INS_FILE), typeof content === 'string' ? content : JSON.stringify(content));
  };
  const announcement = (over: Record<string, unknown> = {}) => ({
    base_urls: { META_GRAPH_BASE_URL: 'http://127.0.0.1:40001/v23.0', LINKEDIN_API_BASE_URL: 'http://127.0.0.1:40001/rest' },
    cron_secret: SECRET,
    expires_at: new Date(Date.now() + 60_000).toISOString(),
    ...over,
  });
  beforeEach(() => {
    cwd = mkdtempSync(path.join(tmpdir(), 'dev-stand-ins-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('a development server takes the base URLs it has no variable for, and the cron secret while CRON_SECRET is unset', () => {
    write(announcement());
    expect(devStandInBaseUrl(DEV, 'META_GRAPH_BASE_URL', cwd)).toBe('http://127.0.0.1:40001/v23.0');
    expect(devStandInBaseUrl(DEV, 'LINKEDIN_API_BASE_URL', cwd)).toBe('http://127.0.0.1:40001/rest');
    expect(cronSecret(DEV, cwd)).toBe(SECRET);
    // What is configured wins.
    expect(devStandInBaseUrl({ ...DEV, META_GRAPH_BASE_URL: 'https://graph.facebook.com/v23.0' }, 'META_GRAPH_BASE_URL', cwd)).toBeNull();
    expect(cronSecret({ ...DEV, CRON_SECRET: 'configured' }, cwd)).toBe('configured');
    // Only the social platforms' variables: nothing else is redirected.
    expect(devStandInBaseUrl(DEV, 'SENDGRID_API_BASE_URL', cwd)).toBeNull();
  });

  it.each(['production', 'test', undefined])('NODE_ENV=%s (next start, tests) never reads it', (nodeEnv) => {
    write(announcement());
    const env = { NODE_ENV: nodeEnv };
    expect(devStandIns(env, cwd)).toBeNull();
    expect(devStandInBaseUrl(env, 'META_GRAPH_BASE_URL', cwd)).toBeNull();
    expect(cronSecret(env, cwd)).toBeNull();
  });

  it('ignores an expired, malformed or non-loopback announcement, and a short secret', () => {
    expect(cronSecret(DEV, cwd)).toBeNull();
    write(announcement({ expires_at: new Date(Date.now() - 1).toISOString() }));
    expect(cronSecret(DEV, cwd)).toBeNull();
    write('{"base_urls":');
    expect(devStandIns(DEV, cwd)).toBeNull();
    write(announcement({ base_urls: { META_GRAPH_BASE_URL: 'http://graph.example.com/v23.0' } }));
    expect(devStandIns(DEV, cwd)).toBeNull();
    write(announcement({ base_urls: { META_GRAPH_BASE_URL: 'https://127.0.0.1:1/v23.0' } }));
    expect(devStandIns(DEV, cwd)).toBeNull();
    write(announcement({ cron_secret: 'short' }));
    expect(devStandIns(DEV, cwd)).toBeNull();
    write(announcement({ extra: true }));
    expect(devStandIns(DEV, cwd)).toBeNull();
    write(announcement({ cron_secret: null }));
    expect(cronSecret(DEV, cwd)).toBeNull();
    expect(devStandInBaseUrl(DEV, 'META_GRAPH_BASE_URL', cwd)).toBe('http://127.0.0.1:40001/v23.0');
  });

  it("the providers' base URL follows it on a development server only (this process's directory)", () => {
    const previous = process.cwd();
    write(announcement());
    process.chdir(cwd);
    try {
      expect(baseUrl(DEV, 'META_GRAPH_BASE_URL', 'https://graph.facebook.com/v23.0')).toBe('http://127.0.0.1:40001/v23.0');
      expect(baseUrl({ NODE_ENV: 'production' }, 'META_GRAPH_BASE_URL', 'https://graph.facebook.com/v23.0')).toBe(
        'https://graph.facebook.com/v23.0',
      );
    } finally {
      process.chdir(previous);
    }
  });
});
