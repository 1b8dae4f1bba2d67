import type { Database, Queryable, Statement } from './types';

export interface UserContext {
  /** Verified JWT claims of the caller (at least `sub`). */
  claims: Readonly<Record<string, unknown>>;
  /** The workspace the request acts in; RLS only honours it if the caller is a member. */
  workspaceId: string;
  /**
   * A workspace API key instead of a user (claims then carry no user id): RLS honours the
   * workspace only if the hash matches a live key of it (get_current_workspace_id).
   */
  apiKey?: { id: string; secretHash: string };
}

/** What the context statement answers for a live API key acting in its own workspace. */
export const API_KEY_ROLE = 'api_key';

/**
 * Makes the rest of its transaction run as role `authenticated` with the caller's claims, the way
 * PostgREST does, so row-level security (not application code) decides what is visible. It also
 * answers the caller's role in the workspace (null: not a member; API_KEY_ROLE: a live key of
 * this workspace), so checking membership or a role costs no statement of its own. The subquery
 * is not flattened (OFFSET 0): the settings are made before the role is read.
 */
function contextStatement(user: UserContext): Statement {
  return {
    text: `select coalesce(get_current_workspace_role(),
                           case when $3 <> '' and get_current_workspace_id() is not null then '${API_KEY_ROLE}' end) as role
           from (select set_config('request.jwt.claims', $1, true), set_config('request.workspace_id', $2, true),
                        set_config('request.api_key_id', $3, true), set_config('request.api_key_hash', $4, true),
                        set_config('role', 'authenticated', true) offset 0) as context`,
    params: [JSON.stringify(user.claims), user.workspaceId, user.apiKey?.id ?? '', user.apiKey?.secretHash ?? ''],
  };
}

function roleOf(rows: Record<string, unknown>[] | undefined): string | null {
  const role = rows?.[0]?.role;
  return typeof role === 'string' ? role : null;
}

/**
 * Runs fn in one transaction as the caller (see contextStatement); fn also gets the caller's role
 * in the workspace. For reads whose statements are known up front, pipelineAsUser saves the
 * round trips.
 */
export async function withUserContext<T>(
  db: Database,
  user: UserContext,
  fn: (tx: Queryable, role: string | null) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    const { text, params } = contextStatement(user);
    return fn(tx, roleOf(await tx.query(text, params)));
  });
}

/**
 * The statements in one transaction as the caller, sent together with BEGIN, the context and
 * COMMIT: one round trip. Returns the caller's role in the workspace and each statement's rows.
 * Statements run whatever the role; RLS has already hidden what a non-member may not see.
 */
export async function pipelineAsUser(
  db: Database,
  user: UserContext,
  statements: readonly Statement[],
): Promise<{ role: string | null; results: Record<string, unknown>[][] }> {
  const [context, ...results] = await db.pipeline([contextStatement(user), ...statements]);
  return { role: roleOf(context), results };
}
