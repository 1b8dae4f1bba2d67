// Under `npm run dev` nothing calls the cron routes (Vercel Cron does in production), so the
// alerts the Operations page shows would never be evaluated. This runs the alerts job in-process
// every minute while a development server is up. Off with METRICS_DEV_CRON=false; never in production.
import { evaluateAlerts } from '../decision-circuits/metrics/ops/alerts/evaluate';
import { getLogger } from '../observability/logger';

export const DEV_ALERTS_INTERVAL_MS = 60_000;
const FIRST_RUN_DELAY_MS = 5_000;

const holder = globalThis as typeof globalThis & { __metricsDevScheduler?: NodeJS.Timeout };

export function devSchedulerEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NODE_ENV === 'development' && env.METRICS_DEV_CRON?.trim() !== 'false';
}

async function runAlerts(): Promise<void> {
  try {
    const summary = await evaluateAlerts();
    getLogger().debug({ job: 'alerts', summary, dev_scheduler: true }, 'dev cron run');
  } catch (error) {
    // The next tick tries again; a development database may be busy or not migrated yet.
    getLogger().warn({ job: 'alerts', error: error instanceof Error ? error.name : 'Error', dev_scheduler: true }, 'dev cron run failed');
  }
}

/** Starts the in-process alerts job once per process (hot reloads keep the first timer). */
export function startDevScheduler(): void {
  if (holder.__metricsDevScheduler) return;
  setTimeout(() => void runAlerts(), FIRST_RUN_DELAY_MS).unref();
  holder.__metricsDevScheduler = setInterval(() => void runAlerts(), DEV_ALERTS_INTERVAL_MS);
  holder.__metricsDevScheduler.unref();
}
