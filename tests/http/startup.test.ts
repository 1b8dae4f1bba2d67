// What `next start` does with a database configuration that cannot work in production: it stops
// at once with a named error, instead of counting into an embedded database nobody keeps.
import { describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server';

describe('next start without a usable database configuration', () => {
  it('exits with DatabaseConfigurationError when DATABASE_URL is unset and the embedded database not opted into', async () => {
    const start = startServer({ DATABASE_URL: '', METRICS_EMBEDDED_DATABASE: '' });
    await expect(start).rejects.toThrow(/server exited early[\s\S]*DatabaseConfigurationError: DATABASE_URL is not set/);
  });

  it('exits with DatabaseConfigurationError on Vercel even when the embedded database is opted into', async () => {
    const start = startServer({ DATABASE_URL: '', METRICS_EMBEDDED_DATABASE: 'true', VERCEL: '1' });
    await expect(start).rejects.toThrow(/server exited early[\s\S]*DatabaseConfigurationError: METRICS_EMBEDDED_DATABASE=true on Vercel/);
  });

  it('rejects an unknown DATABASE_POOL_MODE before opening anything', async () => {
    const start = startServer({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', DATABASE_POOL_MODE: 'statement' });
    await expect(start).rejects.toThrow(/server exited early[\s\S]*DatabaseConfigurationError: DATABASE_POOL_MODE must be/);
  });

  it('says why in one JSON line, with no stack trace', async () => {
    const start = startServer({ DATABASE_URL: '', METRICS_EMBEDDED_DATABASE: '' });
    const error = (await start.catch((e: unknown) => e)) as Error;
    const lines = error.message.split('\n').filter((line) => line.includes('DatabaseConfigurationError'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const parsed = JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>;
      expect(parsed).toMatchObject({ level: 'fatal', event: 'startup', err: { name: 'DatabaseConfigurationError' } });
    }
    expect(error.message).not.toMatch(/^\s+at .+[:(]\d+/m);
  });
});
