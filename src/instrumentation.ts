// Runs once when the server starts (not during `next build`): OpenTelemetry first, so the first
// request is traced, then the database (see openDatabaseAtStartup).
import { registerOTel } from '@vercel/otel';

export async function register(): Promise<void> {
  // Exporter, endpoint, protocol, headers and sampling come from the standard OTEL_* variables
  // (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL, ...); with none set, nothing is exported.
  registerOTel({ serviceName: process.env.OTEL_SERVICE_NAME?.trim() || 'metrics-engine' });
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { openDatabaseAtStartup } = await import('./lib/db/startup');
  await openDatabaseAtStartup();
}
