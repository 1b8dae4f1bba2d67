// Runs once when the server starts (not during `next build`): OpenTelemetry first, so the first
// request is traced, then the database, so the first webhook does not pay for PGlite's start-up
// or the first connection.
import { registerOTel } from '@vercel/otel';

export async function register(): Promise<void> {
  // Exporter, endpoint, protocol, headers and sampling come from the standard OTEL_* variables
  // (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL, ...); with none set, nothing is exported.
  registerOTel({ serviceName: process.env.OTEL_SERVICE_NAME?.trim() || 'metrics-engine' });
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const [{ getDb }, { describeError, getLogger }] = await Promise.all([import('./lib/db'), import('./lib/observability/logger')]);
  // A database that is down now is retried on the first request, which answers 503 meanwhile.
  await getDb().catch((error: unknown) => getLogger().warn({ err: describeError(error) }, 'database not reachable at start-up'));
}
