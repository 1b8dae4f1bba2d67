import { describe, expect, it } from 'vitest';
import { DatabaseConfigurationError, databaseTarget, poolModeOfUrl, withoutPoolerFlag } from '../../../src/lib/db/config';

describe('pool mode of a connection string', () => {
  it.each([
    ['postgresql://postgres.abc:pw@aws-0-eu-central-1.pooler.supabase.com:6543/postgres', 'transaction'],
    ['postgres://postgres@127.0.0.1:6432/postgres', 'transaction'],
    ['postgres://postgres@db.example.com:5432/postgres?pgbouncer=true', 'transaction'],
    ['postgresql://postgres.abc:pw@aws-0-eu-central-1.pooler.supabase.com:5432/postgres', 'session'],
    ['postgresql://postgres:pw@db.abc.supabase.co:5432/postgres', 'session'],
    ['postgres://postgres@127.0.0.1/postgres', 'session'],
  ])('%s is %s', (url, mode) => {
    expect(poolModeOfUrl(url)).toBe(mode);
  });

  it('drops the pgbouncer flag (postgres.js would send it to the server) and keeps the rest', () => {
    expect(withoutPoolerFlag('postgres://u@h:6432/db?pgbouncer=true&sslmode=require')).toBe('postgres://u@h:6432/db?sslmode=require');
    expect(withoutPoolerFlag('postgres://u@h:5432/db')).toBe('postgres://u@h:5432/db');
  });
});

describe('database target from the environment', () => {
  const url = 'postgres://postgres@127.0.0.1:5432/postgres';

  it('uses DATABASE_URL, with DATABASE_POOL_MODE overriding what the URL implies', () => {
    expect(databaseTarget({ DATABASE_URL: url, NODE_ENV: 'production' })).toMatchObject({
      kind: 'postgres',
      poolMode: 'session',
      poolMax: 10,
    });
    expect(databaseTarget({ DATABASE_URL: url, DATABASE_POOL_MODE: 'transaction' })).toMatchObject({ poolMode: 'transaction' });
    expect(() => databaseTarget({ DATABASE_URL: url, DATABASE_POOL_MODE: 'statement' })).toThrow(DatabaseConfigurationError);
  });

  it('keeps the pool small on Vercel unless DATABASE_POOL_MAX says otherwise', () => {
    expect(databaseTarget({ DATABASE_URL: url, VERCEL: '1' })).toMatchObject({ poolMax: 3 });
    expect(databaseTarget({ DATABASE_URL: url, VERCEL: '1', DATABASE_POOL_MAX: '6' })).toMatchObject({ poolMax: 6 });
  });

  it('opens the embedded database in development without any setting', () => {
    expect(databaseTarget({ NODE_ENV: 'development', PGLITE_DATA_DIR: '/tmp/x' })).toEqual({ kind: 'pglite', dataDir: '/tmp/x' });
  });

  it('refuses the embedded database in production unless opted into, and on Vercel always', () => {
    expect(() => databaseTarget({ NODE_ENV: 'production' })).toThrow(/DATABASE_URL is not set/);
    expect(databaseTarget({ NODE_ENV: 'production', METRICS_EMBEDDED_DATABASE: 'true' })).toMatchObject({ kind: 'pglite' });
    expect(() => databaseTarget({ NODE_ENV: 'production', METRICS_EMBEDDED_DATABASE: 'true', VERCEL: '1' })).toThrow(/on Vercel/);
  });
});
