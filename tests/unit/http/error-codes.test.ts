// The one error type and its one code -> status table: every code answers with its status and
// names itself in the body, next to the release notes' fields; what is not an AppError still
// carries a code (bad input, database down, a bug).
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError, ERROR_CODES, isAppError } from '../../../src/lib/errors/app-error';
import { DomainError, InsufficientRoleError, UnknownWorkspaceError } from '../../../src/lib/decision-circuits/metrics/core/errors';
import { WebhookVerificationError } from '../../../src/lib/decision-circuits/metrics/ingest/verification-failures';
import { DatabaseUnavailableError } from '../../../src/lib/db/errors';
import { ERROR_STATUS, errorResponse, methodNotAllowed, toErrorResponse } from '../../../src/lib/http/errors';

type Body = Record<string, unknown>;

describe('ERROR_STATUS', () => {
  it('gives every code exactly one status, a 4xx for the caller or a 5xx for the server', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    expect(Object.keys(ERROR_STATUS).sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) expect(ERROR_STATUS[code], code).toBeGreaterThanOrEqual(400);
    for (const code of ERROR_CODES) expect(ERROR_STATUS[code], code).toBeLessThan(600);
  });

  it.each([
    ['invalid_request', 400],
    ['unauthorized', 401],
    ['signature_invalid', 401],
    ['forbidden', 403],
    ['insufficient_role', 403],
    ['unknown_workspace', 404],
    ['method_not_allowed', 405],
    ['request_timeout', 408],
    ['conflict', 409],
    ['payload_too_large', 413],
    ['unsupported_media_type', 415],
    ['too_many_requests', 429],
    ['internal_error', 500],
    ['provider_unreachable', 502],
    ['database_unavailable', 503],
  ] as const)('%s is %i', (code, status) => {
    expect(ERROR_STATUS[code]).toBe(status);
  });

  it('answers every code with its status and `{ error, code, ...context, timestamp }`', async () => {
    for (const code of ERROR_CODES) {
      const response = toErrorResponse(new AppError(code, `refused: ${code}`, { limit: 3 }, { 'retry-after': '7' }));
      expect(response.status, code).toBe(ERROR_STATUS[code]);
      expect(response.headers.get('retry-after')).toBe('7');
      expect(response.headers.get('cache-control')).toMatch(/^no-store/);
      const body = (await response.json()) as Body;
      expect(Object.keys(body)).toEqual(['error', 'code', 'limit', 'timestamp']);
      expect(body).toMatchObject({ error: `refused: ${code}`, code, limit: 3 });
      expect(Number.isNaN(Date.parse(String(body.timestamp)))).toBe(false);
    }
  });

  it('keeps the code when a context field has the same name', async () => {
    const body = (await errorResponse('conflict', 'taken', { code: 'something else' }).json()) as Body;
    expect(body.code).toBe('conflict');
  });
});

describe('one error type', () => {
  it('is what the domain, auth and the verifier throw, recognised across bundles by its brand', () => {
    for (const error of [
      new DomainError('gone', 'expired'),
      new UnknownWorkspaceError('w'),
      new InsufficientRoleError('w', 'admin', 'viewer'),
      new WebhookVerificationError('sendgrid', { reason: 'signature_mismatch', error: 'Signature mismatch' }),
    ]) {
      expect(error).toBeInstanceOf(AppError);
      expect(isAppError(error)).toBe(true);
    }
    expect(isAppError(new Error('plain'))).toBe(false);
    expect(isAppError({ code: 'conflict', message: 'shaped like one' })).toBe(false);
  });

  it('a signature refusal is 401 signature_invalid, naming the provider', async () => {
    const response = toErrorResponse(new WebhookVerificationError('resend', { reason: 'signature_mismatch', error: 'Signature mismatch' }));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'signature_invalid', provider: 'resend' });
  });
});

describe('errors that are not an AppError still carry a code', () => {
  it('zod issues are 400 invalid_request with the issues', async () => {
    const parsed = z.object({ n: z.number() }).safeParse({ n: 'x' });
    const response = toErrorResponse(parsed.error);
    expect(response.status).toBe(400);
    const body = (await response.json()) as Body;
    expect(body.code).toBe('invalid_request');
    expect(Array.isArray(body.issues)).toBe(true);
  });

  it('a database outage is 503 database_unavailable with Retry-After', async () => {
    const response = toErrorResponse(new DatabaseUnavailableError('queue full'));
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await response.json()).toMatchObject({ code: 'database_unavailable' });
  });

  it('a bug is 500 internal_error, and a method a route does not serve is 405 method_not_allowed', async () => {
    const bug = toErrorResponse(new TypeError('undefined is not a function'));
    expect(bug.status).toBe(500);
    expect(await bug.json()).toMatchObject({ error: 'Internal error', code: 'internal_error' });
    const wrongMethod = methodNotAllowed(['GET'])();
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    expect(await wrongMethod.json()).toMatchObject({ code: 'method_not_allowed' });
  });
});
