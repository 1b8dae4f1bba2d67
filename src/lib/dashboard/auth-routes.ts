// Shared by the /api/auth/* route handlers: form reading and the redirects they answer with.
import { NextResponse } from 'next/server';
import { safeReturnPath } from './auth-config';

export interface AuthForm {
  next: string;
  email: string | null;
  password: string | null;
}

const MAX_FIELD_LENGTH = 1_024;

function field(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' || trimmed.length > MAX_FIELD_LENGTH ? null : trimmed;
}

/** Reads an HTML form post or a JSON body; anything unreadable is an empty form. */
export async function readAuthForm(request: Request): Promise<AuthForm> {
  let values: Record<string, unknown> = {};
  try {
    const type = request.headers.get('content-type') ?? '';
    if (type.includes('application/json')) {
      const body: unknown = await request.json();
      if (body && typeof body === 'object') values = body as Record<string, unknown>;
    } else if (type.includes('form')) {
      values = Object.fromEntries((await request.formData()).entries());
    }
  } catch {
    values = {};
  }
  return { next: safeReturnPath(values.next), email: field(values.email), password: typeof values.password === 'string' ? values.password : null };
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
