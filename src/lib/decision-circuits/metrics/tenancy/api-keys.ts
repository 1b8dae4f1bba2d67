// Managing a workspace's API keys (admins and owners): create one (its secret is answered once and
// never stored), list them without any secret, revoke one. Verifying a key is src/lib/auth/api-keys.ts.
import { z } from 'zod';
import { API_KEY_SCOPES, generateApiKey, type ApiKeyScope } from '../../../auth/api-keys';
import { getDb, type Database } from '../../../db';
import { readScoped, type AccessOptions } from './access';
import { DomainError, roleRefusalFromSql, sqlState } from '../core/errors';
import { toIso } from '../core/rows';

/** Live (neither revoked nor expired) keys per workspace: enough for every program, few to audit. */
export const MAX_API_KEYS_PER_WORKSPACE = 50;

export const apiKeyCreateSchema = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(100),
    scopes: z
      .array(z.enum(API_KEY_SCOPES, { message: `must be one of: ${API_KEY_SCOPES.join(', ')}` }))
      .min(1, 'give at least one scope')
      .max(API_KEY_SCOPES.length)
      .refine((scopes) => new Set(scopes).size === scopes.length, 'scopes must not repeat'),
    expires_at: z.iso
      .datetime({ offset: true, message: 'must be an ISO 8601 date-time' })
      .refine((value) => Date.parse(value) > Date.now(), 'must be in the future')
      .optional(),
  })
  .strict();
export type ApiKeyCreate = z.output<typeof apiKeyCreateSchema>;

/** A key as listed: never its secret or hash. */
export interface ApiKeySummary {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
  created_by: string | null;
  created_at: string | null;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

// The columns `authenticated` may select (the hash is not one of them).
const SUMMARY_COLUMNS = 'id, name, scopes, created_by, created_at, expires_at, last_used_at, revoked_at';

function toSummary(row: Record<string, unknown>): ApiKeySummary {
  return {
    id: String(row.id),
    name: String(row.name),
    scopes: API_KEY_SCOPES.filter((scope) => (row.scopes as string[]).includes(scope)),
    created_by: row.created_by === null || row.created_by === undefined ? null : String(row.created_by),
    created_at: toIso(row.created_at),
    expires_at: toIso(row.expires_at),
    last_used_at: toIso(row.last_used_at),
    revoked_at: toIso(row.revoked_at),
  };
}

function mapKeyError(error: unknown, workspaceId: string): unknown {
  const refusal = roleRefusalFromSql(error, workspaceId);
  if (refusal) return refusal;
  if (sqlState(error) === '53400') {
    return new DomainError('conflict', `A workspace has at most ${MAX_API_KEYS_PER_WORKSPACE} live API keys: revoke one first`, {
      workspace_id: workspaceId,
      limit: MAX_API_KEYS_PER_WORKSPACE,
    });
  }
  return error;
}

/** Creates a key; the answer's `key` is the only time the secret exists outside the caller. */
export async function createApiKey(
  actor: string,
  workspaceId: string,
  input: ApiKeyCreate,
  options: { db?: Database } = {},
): Promise<ApiKeySummary & { key: string }> {
  const db = options.db ?? (await getDb());
  const generated = generateApiKey();
  try {
    const [row] = await db.query(`select ${SUMMARY_COLUMNS} from metrics_api_key_create($1, $2, $3, $4, $5, $6, $7, $8)`, [
      actor,
      workspaceId,
      generated.id,
      input.name,
      input.scopes,
      generated.secretHash,
      input.expires_at ?? null,
      MAX_API_KEYS_PER_WORKSPACE,
    ]);
    return { ...toSummary(row!), key: generated.token };
  } catch (error) {
    throw mapKeyError(error, workspaceId);
  }
}

/** The workspace's keys, newest first, read as the caller: RLS shows them to admins and owners only. */
export async function listApiKeys(workspaceId: string, options: AccessOptions = {}): Promise<ApiKeySummary[]> {
  const [rows] = await readScoped(workspaceId, options, [
    { text: `select ${SUMMARY_COLUMNS} from metrics_api_keys where workspace_id = $1 order by created_at desc, id`, params: [workspaceId] },
  ]);
  return (rows ?? []).map(toSummary);
}

/** Revokes a key at once (its next request is 401); null when the workspace has no such key. */
export async function revokeApiKey(
  actor: string,
  workspaceId: string,
  keyId: string,
  options: { db?: Database } = {},
): Promise<ApiKeySummary | null> {
  const db = options.db ?? (await getDb());
  try {
    const [row] = await db.query(`select ${SUMMARY_COLUMNS} from metrics_api_key_revoke($1, $2, $3)`, [actor, workspaceId, keyId]);
    return row ? toSummary(row) : null;
  } catch (error) {
    throw mapKeyError(error, workspaceId);
  }
}
