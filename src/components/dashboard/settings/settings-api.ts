// The settings panels' calls to the REST API: the session cookie goes with each request (the API
// accepts it like a Bearer token), and a refusal comes back as a sentence a person can act on.
import { useCallback, useState } from 'react';

type Json = Record<string, unknown>;

export type ApiResult = { ok: true; status: number; body: Json } | { ok: false; status: number; message: string };

/** 403 names the role needed, 409 the rule broken; anything else says what the server said. */
export function refusalMessage(status: number, body: Json | null): string {
  const error = typeof body?.error === 'string' ? body.error : null;
  if (status === 401) return 'Your session has ended: sign in again.';
  if (status === 403 && typeof body?.required_role === 'string') {
    return `Refused: this needs the ${body.required_role} role or above, and your role here is ${typeof body.role === 'string' ? body.role : 'none'}.`;
  }
  if (status === 403) return `Refused: ${error ?? 'you are not a member of this workspace'}.`;
  if (status === 409 && error?.includes('owner')) return `Refused: ${error}. Make someone else an owner first.`;
  if (status === 409) return `Refused: ${error ?? 'conflict'}.`;
  return error ?? `The server answered ${status}.`;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export async function callApi(path: string, method: Method, body?: unknown): Promise<ApiResult> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return { ok: false, status: 0, message: 'Could not reach the server.' };
  }
  const answer = (await response.json().catch(() => null)) as Json | null;
  if (!response.ok) return { ok: false, status: response.status, message: refusalMessage(response.status, answer) };
  return { ok: true, status: response.status, body: answer ?? {} };
}

/**
 * One form's or card's API calls: which action is running (null when none) and the last refusal.
 * `run` answers the response body, or null after a refusal (then in `error`).
 */
export function useApiAction<Action extends string = 'submit'>() {
  const [busy, setBusy] = useState<Action | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async (action: Action, path: string, method: Method, body?: unknown): Promise<Json | null> => {
    setBusy(action);
    setError(null);
    const result = await callApi(path, method, body);
    setBusy(null);
    if (!result.ok) {
      setError(result.message);
      return null;
    }
    return result.body;
  }, []);
  return { busy, error, setError, run };
}
