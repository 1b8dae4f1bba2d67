// The cron routes' contracts: Vercel Cron calls GET (POST is the same run), with CRON_SECRET,
// and each answers its job's summary.
import { z } from 'zod';
import { defineOperation, stamped } from '@/lib/http/contract';

/** One cron job's operation: `summary` is the run's counters, as its library function returns them. */
export function cronOperation<const S extends z.ZodRawShape>(job: string, what: string, summary: S) {
  return defineOperation({
    summary: what,
    auth: 'cron',
    responses: {
      200: {
        description: `The run's summary (also on its log line)`,
        schema: z.strictObject({ job: z.literal(job), ...summary, duration_ms: z.number(), ...stamped }),
      },
    },
    errors: [401, 503],
  });
}
