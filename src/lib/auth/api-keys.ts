// Workspace API keys: `dck_<key id>_<secret>`, for programs (CX07, CX09, scripts) that cannot hold a
// user's session. Only SHA-256 of the secret is stored; a request's key is looked up by its id and
// its hash compared in constant time. The database checks the hash again when the key's queries
// run (get_current_workspace_id, migration 20260116), so RLS bounds a key to its workspace.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { getDb, type Database } from '../db';
import { AppError } from '../errors/app-error';

export const API_KEY_SCOPES = ['read', 'attribution:write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export const API_KEY_PREFIX = 'dck_';
const KEY_PATTERN = /^dck_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;
/** last_used_at is written at most this often per key: a read stays one round trip. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** A verified key, as a request carries it on. */
export interface ApiKeyPrincipal {
  id: string;
  workspaceId: string;
  scopes: readonly ApiKeyScope[];
  /** SHA-256 of the secret (hex): the database checks it again before it shows a row. */
  secretHash: string;
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function uuidFromHex(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A new key: its id, the token shown once, and the hash that is stored. */
export function generateApiKey(): { id: string; token: string; secretHash: string } {
  const id = randomUUID();
  const secret = randomBytes(32).toString('base64url');
  return { id, token: `${API_KEY_PREFIX}${id.replaceAll('-', '')}_${secret}`, secretHash: hashApiKeySecret(secret) };
}

function invalidKey(message = 'Invalid API key'): AppError {
  return new AppError('unauthorized', message, {}, { 'www-authenticate': 'Bearer' });
}

// Compared when no key has the id, so an unknown id costs what a wrong secret does.
const ABSENT_HASH = hashApiKeySecret('absent');

interface KeyRow {
  workspace_id: string;
  scopes: string[];
  secret_hash: string;
  expired: boolean;
  revoked: boolean;
  stale: boolean;
}

/** Verifies a `dck_` token: 401 when malformed, unknown, wrong, revoked or expired. */
export async function verifyApiKey(token: string, db?: Database): Promise<ApiKeyPrincipal> {
  const match = KEY_PATTERN.exec(token);
  if (!match) throw invalidKey('Malformed API key: expected dck_<key id>_<secret>');
  const id = uuidFromHex(match[1]!);
  const given = Buffer.from(hashApiKeySecret(match[2]!), 'hex');
  const database = db ?? (await getDb());
  // The service reads the row (no role but the service may see a hash).
  const [row] = await database.query<KeyRow>(
    `select workspace_id, scopes, secret_hash,
            expires_at is not null and expires_at <= now() as expired,
            revoked_at is not null as revoked,
            last_used_at is null or last_used_at < now() - make_interval(secs => $2) as stale
       from metrics_api_keys where id = $1`,
    [id, LAST_USED_RESOLUTION_MS / 1000],
  );
  const stored = Buffer.from(row?.secret_hash ?? ABSENT_HASH, 'hex');
  if (!timingSafeEqual(given, stored) || !row) throw invalidKey();
  if (row.revoked) throw invalidKey('API key revoked');
  if (row.expired) throw invalidKey('API key expired');
  if (row.stale) {
    await database.query(
      `update metrics_api_keys set last_used_at = now()
        where id = $1 and (last_used_at is null or last_used_at < now() - make_interval(secs => $2))`,
      [id, LAST_USED_RESOLUTION_MS / 1000],
    );
  }
  return {
    id,
    workspaceId: String(row.workspace_id),
    scopes: API_KEY_SCOPES.filter((scope) => row.scopes.includes(scope)),
    secretHash: row.secret_hash,
  };
}
