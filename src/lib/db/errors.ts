/** The database could not be reached or refused work for now: callers answer 503 and retry later. */
export class DatabaseUnavailableError extends Error {
  // A code, not only a class: bundlers may load this module twice, and instanceof then fails.
  readonly code = 'DATABASE_UNAVAILABLE';
  readonly retryAfterSeconds: number;
  constructor(message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, { cause: options?.cause });
    this.name = 'DatabaseUnavailableError';
    this.retryAfterSeconds = options?.retryAfterSeconds ?? 5;
  }
}

const UNAVAILABLE_NODE_CODES = new Set([
  'DATABASE_UNAVAILABLE',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
]);

// SQLSTATEs that mean "not now", not "your request is wrong": connection exceptions (08),
// too many connections, shutdown/crash recovery, serialization/deadlock after retries.
const UNAVAILABLE_SQLSTATE_PREFIXES = ['08'];
const UNAVAILABLE_SQLSTATES = new Set(['53300', '53400', '57P01', '57P02', '57P03', '40001', '40P01', '55P03']);

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  const code = errorCode(error);
  if (code === undefined) return false;
  if (UNAVAILABLE_NODE_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code)) return true;
  return UNAVAILABLE_SQLSTATE_PREFIXES.some((prefix) => code.startsWith(prefix));
}

/** Re-throws connection-class failures as DatabaseUnavailableError, everything else as is. */
export function classifyDatabaseError(error: unknown): unknown {
  if (error instanceof DatabaseUnavailableError) return error;
  if (isDatabaseUnavailable(error)) {
    return new DatabaseUnavailableError('Database unavailable', { cause: error });
  }
  return error;
}

/**
 * PostgreSQL's data exceptions (SQLSTATE class 22: bad datetime, out of range, invalid text such
 * as NUL, invalid parameter): the value a caller sent cannot be stored or compared, so the answer
 * is theirs to fix (400), never a 500.
 */
export function isDataException(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && /^22[0-9A-Z]{3}$/.test(code);
}
