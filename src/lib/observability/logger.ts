// One JSON line per event on stdout (pino). Callers pass only the fields they mean to log; the
// redaction list is a second line of defence against a careless `err` or header object.
import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type Logger } from 'pino';

const holder = globalThis as typeof globalThis & { __metricsLogger?: Logger };

function createLogger(sync = false): Logger {
  // In the server, lines go out asynchronously (pino flushes them on exit): a synchronous write
  // was a system call on every request's path, and lines written while one is in flight now
  // share the next. Scripts keep synchronous writes, in order with the rest of their output.
  const destination = process.env.NEXT_RUNTIME && !sync ? pino.destination({ dest: 1, sync: false }) : undefined;
  return pino(
    {
      level: process.env.LOG_LEVEL?.trim() || 'info',
      base: { service: process.env.OTEL_SERVICE_NAME?.trim() || 'metrics-engine' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Lines written inside a span (errors, backfill runs) name it; request lines add theirs.
      mixin() {
        const context = trace.getActiveSpan()?.spanContext();
        return context && isSpanContextValid(context) ? { trace_id: context.traceId, span_id: context.spanId } : {};
      },
      redact: {
        paths: [
          'headers',
          'authorization',
          'cookie',
          'secret',
          'token',
          'payload',
          'body',
          'email',
          '*.headers',
          '*.authorization',
          '*.secret',
          '*.token',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/** The process-wide logger (one instance even when bundlers load this module twice). */
export function getLogger(): Logger {
  holder.__metricsLogger ??= createLogger();
  return holder.__metricsLogger;
}

/**
 * A logger whose lines are written before the call returns: for start-up, where the process may
 * exit right after (an asynchronous line would be lost) and every line must still be JSON.
 */
export function getStartupLogger(): Logger {
  return createLogger(true);
}

/** Error name and message only: stacks and causes can carry connection strings or payloads. */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message.slice(0, 500) };
  return { name: 'NonError', message: String(error).slice(0, 500) };
}
