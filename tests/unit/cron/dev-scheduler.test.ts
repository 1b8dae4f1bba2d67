// The in-process alerts job runs under `npm run dev` (NODE_ENV=development) unless switched off
// with METRICS_DEV_CRON=false, and never in production or tests, where a cron calls the route.
import { describe, expect, it } from 'vitest';
import { devSchedulerEnabled } from '../../../src/lib/cron/dev-scheduler';

describe('dev scheduler', () => {
  it('runs only in development, unless METRICS_DEV_CRON=false', () => {
    expect(devSchedulerEnabled({ NODE_ENV: 'development' })).toBe(true);
    expect(devSchedulerEnabled({ NODE_ENV: 'development', METRICS_DEV_CRON: 'true' })).toBe(true);
    expect(devSchedulerEnabled({ NODE_ENV: 'development', METRICS_DEV_CRON: ' false ' })).toBe(false);
    expect(devSchedulerEnabled({ NODE_ENV: 'production' })).toBe(false);
    expect(devSchedulerEnabled({ NODE_ENV: 'production', METRICS_DEV_CRON: 'true' })).toBe(false);
    expect(devSchedulerEnabled({ NODE_ENV: 'test' })).toBe(false);
  });
});
