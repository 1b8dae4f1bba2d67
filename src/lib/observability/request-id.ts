import { randomUUID } from 'node:crypto';

// Ids we echo into logs and headers: short and plain, so a caller cannot inject log lines or
// smuggle a secret into our logs through this one header we do log.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The incoming `x-request-id`, else Vercel's `x-vercel-id`, else a new UUID. */
export function resolveRequestId(headers: Headers): string {
  for (const name of ['x-request-id', 'x-vercel-id']) {
    const value = headers.get(name)?.trim();
    if (value && SAFE_REQUEST_ID.test(value)) return value;
  }
  return randomUUID();
}
