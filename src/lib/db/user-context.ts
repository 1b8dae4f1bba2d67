import type { Database, Queryable } from './types';

export interface UserContext {
  /** Verified JWT claims of the caller (at least `sub`). */
  claims: Readonly<Record<string, unknown>>;
  /** The workspace the request acts in; RLS only honours it if the caller is a member. */
  workspaceId: string;
}

/**
 * Runs fn in one transaction as role `authenticated` with the caller's claims, the way
 * PostgREST does, so row-level security (not application code) decides what is visible.
 */
export async function withUserContext<T>(db: Database, user: UserContext, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query(
      `select set_config('request.jwt.claims', $1, true),
              set_config('request.workspace_id', $2, true),
              set_config('role', 'authenticated', true)`,
      [JSON.stringify(user.claims), user.workspaceId],
    );
    return fn(tx);
  });
}
