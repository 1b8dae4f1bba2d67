// Shared by the /api/auth/* route handlers: form reading and the redirects they answer with.
import { NextResponse } from 'next/server';
import { readRawBody } from '../http/body';
import { toErrorResponse } from '../http/errors';
import { safeReturnPath } from './auth-config';

export interface AuthForm {
  next: string;
  email: string | null;
  password: string | null;
}

const MAX_FIELD_LENGTH = 1_024;
/** A sign-in form is a few hundred bytes; anything near this is not a person signing in. */
export const MAX_AUTH_FORM_BYTES = 16 * 1024;

function field(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' || trimmed.length > MAX_FIELD_LENGTH ? null : trimmed;
}

async function formValues(type: string, body: Uint8Array): Promise<Record<string, unknown>> {
  if (type.includes('application/json')) {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(body));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  }
  if (type.includes('form')) {
    // The bytes are already bounded; Response parses urlencoded and multipart alike.
    const form = await new Response(Buffer.from(body), { headers: { 'content-type': type } }).formData();
    return Object.fromEntries(form.entries());
  }
  return {};
}

/**
 * Reads an HTML form post or a JSON body, bounded: past MAX_AUTH_FORM_BYTES the answer is a 413
 * Response, returned instead of the form before the rest is buffered. Anything unreadable is an
 * empty form.
 */
export async function readAuthForm(request: Request): Promise<AuthForm | Response> {
  let body: Uint8Array;
  try {
    body = await readRawBody(request, MAX_AUTH_FORM_BYTES);
  } catch (error) {
    return toErrorResponse(error);
  }
  let values: Record<string, unknown> = {};
  try {
    values = await formValues(request.headers.get('content-type') ?? '', body);
  } catch {
    values = {};
  }
  return {
    next: safeReturnPath(values.next),
    email: field(values.email),
    password: typeof values.password === 'string' ? values.password : null,
  };
}

/** Script callers (fetch with Accept: application/json) get JSON instead of a redirect. */
export function wantsJson(request: Request): boolean {
  return (request.headers.get('accept') ?? '').includes('application/json');
}

/** 303 See Other to a same-site path (relative Location: correct behind any proxy). */
export function redirectTo(path: string): NextResponse {
  return new NextResponse(null, { status: 303, headers: { location: safeReturnPath(path, '/'), 'cache-control': 'no-store' } });
}

export function signInPageWithError(code: string, next: string): NextResponse {
  return redirectTo(`/sign-in?error=${encodeURIComponent(code)}&next=${encodeURIComponent(next)}`);
}
