// Provider connections: one provider account of one workspace, with its own verification material
// (SendGrid's verification key, Resend's whsec_ secret; encrypted at rest) and, for SendGrid and
// Resend, its own webhook URL. Meta and LinkedIn sign with the deployment's one app secret, so
// their connections hold the account (page, Instagram account, organization) whose events they
// own, once the claim is proven (metrics-account-claims.ts): a pending claim routes nothing.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { getDb, type Database, type Queryable } from '../../../db';
import {
  openSecret,
  parseSecretBoxKeys,
  SecretBoxConfigError,
  sealSecret,
  secretFingerprint,
  type SecretBoxKeys,
} from '../../../crypto/secret-box';
import { runScoped, type AccessOptions } from './access';
import {
  ConnectionConflictError,
  DomainError,
  isUnknownWorkspaceSqlError,
  roleRefusalFromSql,
  sqlState,
  UnknownWorkspaceError,
} from '../core/errors';
import { toIso } from '../core/rows';
import { type MetricsProvider } from '../metrics-types';
import { getProvider, getProviderModule, METRICS_PROVIDERS } from '../providers/registry';
import type { ConnectionMaterial } from '../providers/kit/definition';
import { STORED_SECRET_KINDS, type ProviderSecret, type StoredSecretKind } from '../providers/kit/provider';
import { createWriteThrottle } from '../core/write-throttle';

/** Connection-routed providers get their own webhook URL and secret; the others route by account. */
const isUrlRouted = (provider: MetricsProvider) => getProvider(provider).routing === 'connection';
export const DEFAULT_ROTATION_OVERLAP_HOURS = 24;
const TOKEN_BYTES = 24;

const material = z.string().trim().min(8, 'is too short').max(4096, 'is too long');

export const connectionInputSchema = z
  .object({
    provider: z.enum(METRICS_PROVIDERS, { message: `must be one of: ${METRICS_PROVIDERS.join(', ')}` }),
    secret: material.optional(),
    verification_key: material.optional(),
    external_account_id: z.string().trim().min(1).max(256).optional(),
    api_key: material.optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const problem = isUrlRouted(value.provider) ? getProvider(value.provider).connectionMaterialProblem?.(value) : null;
    if (problem) issue(problem.field, problem.message);
    if (isUrlRouted(value.provider) && value.external_account_id)
      issue('external_account_id', `${value.provider} connections are routed by their own URL, not by an account id`);
    if (!isUrlRouted(value.provider)) {
      if (!value.external_account_id)
        issue(
          'external_account_id',
          `${value.provider} needs the account id its events carry (page id, Instagram account id or organization URN)`,
        );
      if (value.secret || value.verification_key)
        issue('secret', `${value.provider} deliveries are signed with the deployment's app secret, not a per-workspace one`);
    }
  });
export type ConnectionInput = z.output<typeof connectionInputSchema>;

export const rotationInputSchema = z
  .object({
    secret: material.optional(),
    verification_key: material.optional(),
    overlap_hours: z
      .number()
      .int()
      .min(0)
      .max(24 * 14)
      .default(DEFAULT_ROTATION_OVERLAP_HOURS),
  })
  .strict()
  .refine((v) => (v.secret ? 1 : 0) + (v.verification_key ? 1 : 0) === 1, {
    message: 'give exactly one of secret or verification_key',
    path: ['secret'],
  });
export type RotationInput = z.output<typeof rotationInputSchema>;

export interface ConnectionView {
  connection_id: string;
  provider: MetricsProvider;
  external_account_id: string | null;
  webhook_url: string;
  fingerprint: string | null;
  api_key_fingerprint: string | null;
  status: string;
  /** Account claims only (else null): pending routes nothing; verified routes the account's events. */
  claim_status: 'pending' | 'verified' | null;
  /** How the claim was proven: meta_page_token, meta_instagram_token, linkedin_admin or operator. */
  claim_method: string | null;
  claim_verified_at: string | null;
  /** When a newer proof by another workspace returned this claim to pending. */
  claim_superseded_at: string | null;
  created_at: string | null;
  rotated_at: string | null;
  previous_secret_valid_until: string | null;
  last_delivery_at: string | null;
  last_failure_at: string | null;
  last_failure_reason: string | null;
}

export class EncryptionNotConfiguredError extends DomainError {
  constructor() {
    super('encryption_not_configured', 'Connections need METRICS_ENCRYPTION_KEYS: their secrets are encrypted at rest', {});
  }
}

/** A configuration problem, not the caller's: 503 with the reason (the message names no key material). */
export class EncryptionKeysMalformedError extends DomainError {
  constructor(problem: string) {
    super('encryption_keys_malformed', `Connections are unavailable: ${problem}`, { reason: 'encryption_keys_malformed' });
  }
}

/** The deployment's encryption keys; embedded development derives a fixed local key so it works unconfigured. */
export function secretBoxKeys(env: Readonly<Record<string, string | undefined>> = process.env): SecretBoxKeys {
  let keys: SecretBoxKeys | null;
  try {
    keys = parseSecretBoxKeys(env);
  } catch (error) {
    if (error instanceof SecretBoxConfigError) throw new EncryptionKeysMalformedError(error.message);
    throw error;
  }
  if (keys) return keys;
  if (!env.DATABASE_URL?.trim() && env.NODE_ENV !== 'production') {
    return { currentKeyId: 'dev', keys: new Map([['dev', Buffer.alloc(32, 'embedded-development-only')]]) };
  }
  throw new EncryptionNotConfiguredError();
}

const associatedData = (workspaceId: string, provider: MetricsProvider, field: string) => `${workspaceId}|${provider}|${field}`;

function webhookUrl(baseUrl: string, provider: MetricsProvider, token: string | null): string {
  return token ? `${baseUrl}/api/webhooks/metrics?connection=${token}` : `${baseUrl}/api/webhooks/metrics?provider=${provider}`;
}

/** The write functions check the actor's role themselves (42501): say so as a 403. */
function mapActorError(error: unknown, workspaceId: string): unknown {
  const refusal = roleRefusalFromSql(error, workspaceId);
  if (refusal) return refusal;
  if (isUnknownWorkspaceSqlError(error)) return new UnknownWorkspaceError(workspaceId);
  if (sqlState(error) === '23505') return new ConnectionConflictError();
  return error;
}

export interface ActorOptions {
  db?: Database;
  /** Public base URL for webhook URLs (https://metrics.example.com). */
  baseUrl: string;
  env?: Readonly<Record<string, string | undefined>>;
}

/** What the material is, stored with it so verification never has to guess. */
function secretKindOf(provider: MetricsProvider, material: ConnectionMaterial): StoredSecretKind {
  return getProvider(provider).connectionSecretKind?.(material) ?? 'hmac_secret';
}

/** A stored secret as its provider verifies with it, read by the kind stored beside it. */
function storedSecret(provider: MetricsProvider, value: string, kind: string | null): ProviderSecret {
  const providerModule = getProviderModule(provider);
  const known = (STORED_SECRET_KINDS as readonly string[]).includes(kind ?? '') ? (kind as StoredSecretKind) : null;
  return providerModule.secretFromStored?.(value, known) ?? providerModule.secretFromString(value);
}

/** Creates a connection (admin or owner; checked by the database). */
export async function createConnection(
  actor: string,
  workspaceId: string,
  input: ConnectionInput,
  options: ActorOptions,
): Promise<ConnectionView> {
  const db = options.db ?? (await getDb());
  const keys = secretBoxKeys(options.env);
  const token = isUrlRouted(input.provider) ? randomBytes(TOKEN_BYTES).toString('base64url') : null;
  const verification = input.verification_key ?? input.secret ?? null;
  const seal = (value: string | null | undefined, field: string) =>
    value ? sealSecret(keys, value, associatedData(workspaceId, input.provider, field)) : null;
  let id: string;
  try {
    const [row] = await db.query<{ id: string }>('select metrics_connection_create($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) as id', [
      actor,
      workspaceId,
      input.provider,
      input.external_account_id ?? null,
      token,
      seal(verification, 'secret'),
      verification ? secretFingerprint(verification) : null,
      seal(input.api_key, 'api_key'),
      input.api_key ? secretFingerprint(input.api_key) : null,
      verification ? secretKindOf(input.provider, input) : null,
    ]);
    id = row!.id;
  } catch (error) {
    throw mapActorError(error, workspaceId);
  }
  const [view] = await readConnections(db, workspaceId, options.baseUrl, id);
  return view!;
}

/** One connection of the workspace as the API shows it, or null. */
export async function getConnectionView(
  q: Queryable,
  workspaceId: string,
  baseUrl: string,
  connectionId: string,
): Promise<ConnectionView | null> {
  const [view] = await readConnections(q, workspaceId, baseUrl, connectionId);
  return view ?? null;
}

const CONNECTION_COLUMNS = `id, provider, external_account_id, webhook_token, secret_fingerprint, api_key_fingerprint, status,
  claim_status, claim_method, claim_verified_at, claim_superseded_at, created_at, rotated_at, case when previous_secret_expires_at > now() then previous_secret_expires_at end as previous_valid_until,
  last_delivery_at, last_failure_at, last_failure_reason`;

function toView(row: Record<string, unknown>, baseUrl: string): ConnectionView {
  const provider = row.provider as MetricsProvider;
  return {
    connection_id: String(row.id),
    provider,
    external_account_id: (row.external_account_id as string | null) ?? null,
    webhook_url: webhookUrl(baseUrl, provider, (row.webhook_token as string | null) ?? null),
    fingerprint: (row.secret_fingerprint as string | null) ?? null,
    api_key_fingerprint: (row.api_key_fingerprint as string | null) ?? null,
    status: String(row.status),
    claim_status: (row.claim_status as 'pending' | 'verified' | null) ?? null,
    claim_method: (row.claim_method as string | null) ?? null,
    claim_verified_at: toIso(row.claim_verified_at),
    claim_superseded_at: toIso(row.claim_superseded_at),
    created_at: toIso(row.created_at),
    rotated_at: toIso(row.rotated_at),
    previous_secret_valid_until: toIso(row.previous_valid_until),
    last_delivery_at: toIso(row.last_delivery_at),
    last_failure_at: toIso(row.last_failure_at),
    last_failure_reason: (row.last_failure_reason as string | null) ?? null,
  };
}

async function readConnections(
  q: Queryable,
  workspaceId: string,
  baseUrl: string,
  onlyId: string | null = null,
): Promise<ConnectionView[]> {
  const rows = await q.query(
    `select ${CONNECTION_COLUMNS} from metrics_provider_connections
     where workspace_id = $1 and ($2::uuid is null or id = $2) order by provider, created_at`,
    [workspaceId, onlyId],
  );
  return rows.map((row) => toView(row, baseUrl));
}

/** The workspace's connections, without any secret (as the caller: RLS shows them to admins and owners). */
export async function listConnections(workspaceId: string, baseUrl: string, options: AccessOptions = {}): Promise<ConnectionView[]> {
  return runScoped(workspaceId, options, (q) => readConnections(q, workspaceId, baseUrl));
}

/** A new secret or key; the previous one keeps verifying for `overlap_hours`. */
export async function rotateConnection(
  actor: string,
  workspaceId: string,
  connectionId: string,
  input: RotationInput,
  options: ActorOptions,
): Promise<ConnectionView | null> {
  const db = options.db ?? (await getDb());
  const [current] = await db.query<{ provider: MetricsProvider }>(
    'select provider from metrics_provider_connections where id = $1 and workspace_id = $2',
    [connectionId, workspaceId],
  );
  if (!current) return null;
  if (!isUrlRouted(current.provider))
    throw new DomainError('invalid_request', `${current.provider} connections have no secret of their own to rotate`, {
      provider: current.provider,
    });
  const value = (input.secret ?? input.verification_key)!;
  const material: ConnectionMaterial = { secret: value, verification_key: input.verification_key };
  const problem = getProvider(current.provider).connectionMaterialProblem?.(material);
  if (problem) {
    // Who may rotate comes before what is wrong with the material (the database checks the role).
    try {
      await db.query(`select metrics_require_role($1, $2, 'admin')`, [workspaceId, actor]);
    } catch (error) {
      throw mapActorError(error, workspaceId);
    }
    throw new DomainError('invalid_request', `${problem.field} ${problem.message}`, { field: problem.field });
  }
  const keys = secretBoxKeys(options.env);
  try {
    const [row] = await db.query<{ ok: boolean }>(
      'select metrics_connection_rotate($1, $2, $3, $4, $5, make_interval(hours => $6), $7) as ok',
      [
        actor,
        workspaceId,
        connectionId,
        sealSecret(keys, value, associatedData(workspaceId, current.provider, 'secret')),
        secretFingerprint(value),
        input.overlap_hours,
        secretKindOf(current.provider, material),
      ],
    );
    if (!row?.ok) return null;
  } catch (error) {
    throw mapActorError(error, workspaceId);
  }
  forgetCachedConnections();
  const [view] = await readConnections(db, workspaceId, options.baseUrl, connectionId);
  return view ?? null;
}

export async function deleteConnection(
  actor: string,
  workspaceId: string,
  connectionId: string,
  options: { db?: Database } = {},
): Promise<boolean> {
  const db = options.db ?? (await getDb());
  try {
    const [row] = await db.query<{ ok: boolean }>('select metrics_connection_delete($1, $2, $3) as ok', [actor, workspaceId, connectionId]);
    forgetCachedConnections();
    return row?.ok === true;
  } catch (error) {
    throw mapActorError(error, workspaceId);
  }
}

export interface OpenedConnection {
  id: string;
  provider: MetricsProvider;
  externalAccountId: string | null;
  webhookToken: string | null;
  claimStatus: 'pending' | 'verified' | null;
  /** The current secret or verification key in clear; null for Meta and LinkedIn (app secret). */
  secret: string | null;
}

/** Active connections of a workspace with their current secret opened: server-side only (test deliveries). */
export async function openConnectionSecrets(
  workspaceId: string,
  options: { db?: Database; env?: Readonly<Record<string, string | undefined>>; connectionId?: string } = {},
): Promise<OpenedConnection[]> {
  const db = options.db ?? (await getDb());
  const rows = await db.query<{
    id: string;
    provider: MetricsProvider;
    external_account_id: string | null;
    webhook_token: string | null;
    claim_status: 'pending' | 'verified' | null;
    secret_ciphertext: string | null;
  }>(
    `select id, provider, external_account_id, webhook_token, claim_status, secret_ciphertext from metrics_provider_connections
     where workspace_id = $1 and status = 'active' and ($2::uuid is null or id = $2) order by provider, created_at`,
    [workspaceId, options.connectionId ?? null],
  );
  const keys = rows.some((row) => row.secret_ciphertext !== null) ? secretBoxKeys(options.env) : null;
  return rows.map((row) => ({
    id: row.id,
    provider: row.provider,
    externalAccountId: row.external_account_id,
    webhookToken: row.webhook_token,
    claimStatus: row.claim_status,
    secret:
      row.secret_ciphertext && keys ? openSecret(keys, row.secret_ciphertext, associatedData(workspaceId, row.provider, 'secret')) : null,
  }));
}

/**
 * The backfill credential a workspace gave its connection (`api_key`), opened, with the account it
 * names: the newest active connection of the provider holding one. Account claims count only once
 * verified. Null when no connection holds a key (the deployment's env then applies).
 */
export async function openBackfillCredential(
  workspaceId: string,
  provider: MetricsProvider,
  options: { db?: Database; env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<{ apiKey: string; externalAccountId: string | null } | null> {
  const db = options.db ?? (await getDb());
  const [row] = await db.query<{ api_key_ciphertext: string; external_account_id: string | null }>(
    `select api_key_ciphertext, external_account_id from metrics_provider_connections
     where workspace_id = $1 and provider = $2 and status = 'active' and api_key_ciphertext is not null
       and (claim_status is null or claim_status = 'verified')
     order by created_at desc limit 1`,
    [workspaceId, provider],
  );
  if (!row) return null;
  const apiKey = openSecret(secretBoxKeys(options.env), row.api_key_ciphertext, associatedData(workspaceId, provider, 'api_key'));
  return { apiKey, externalAccountId: row.external_account_id };
}

// --- The webhook side: a URL token to its connection, cached briefly (the hot path). -------------

export interface ResolvedConnection {
  id: string;
  workspaceId: string;
  provider: MetricsProvider;
  /** The current secret first, then the previous one while its rotation window lasts. */
  secrets: ProviderSecret[];
}

/** How long a resolved connection is reused: a rotation or deletion takes effect within this. */
export const CONNECTION_CACHE_MS = 10_000;
const CONNECTION_CACHE_MAX = 1_000;
const cache = new Map<string, { at: number; connection: ResolvedConnection | null }>();

export function forgetCachedConnections(): void {
  cache.clear();
}

/** The connection a webhook URL token names, with its secrets opened; null for an unknown or disabled one. */
export async function resolveConnectionByToken(
  token: string,
  options: { db?: Database; env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<ResolvedConnection | null> {
  const hit = cache.get(token);
  if (hit && Date.now() - hit.at < CONNECTION_CACHE_MS) return hit.connection;
  const db = options.db ?? (await getDb());
  const [row] = await db.query<{
    id: string;
    workspace_id: string;
    provider: MetricsProvider;
    secret_ciphertext: string | null;
    secret_kind: string | null;
    previous_secret_ciphertext: string | null;
    previous_secret_kind: string | null;
  }>(
    `select id, workspace_id, provider, secret_ciphertext, secret_kind, previous_secret_kind,
            case when previous_secret_expires_at > now() then previous_secret_ciphertext end as previous_secret_ciphertext
     from metrics_provider_connections where webhook_token = $1 and status = 'active'`,
    [token],
  );
  let connection: ResolvedConnection | null = null;
  if (row) {
    const keys = secretBoxKeys(options.env);
    const open = (sealed: string) => openSecret(keys, sealed, associatedData(row.workspace_id, row.provider, 'secret'));
    const secrets = [
      { sealed: row.secret_ciphertext, kind: row.secret_kind },
      { sealed: row.previous_secret_ciphertext, kind: row.previous_secret_kind },
    ].flatMap(({ sealed, kind }) => (sealed === null ? [] : [storedSecret(row.provider, open(sealed), kind)]));
    connection = { id: row.id, workspaceId: row.workspace_id, provider: row.provider, secrets };
  }
  if (cache.size >= CONNECTION_CACHE_MAX) cache.clear();
  cache.set(token, { at: Date.now(), connection });
  return connection;
}

// Successful deliveries are the hot path: the database keeps last_delivery_at to the minute anyway.
const deliveryThrottle = createWriteThrottle(60_000);

/** Last delivery, or last verification failure with its reason (never the payload); at most once a minute. */
export async function recordConnectionDelivery(
  connectionId: string,
  failureReason: string | null,
  options: { db?: Database } = {},
): Promise<void> {
  if (failureReason === null && !deliveryThrottle.due(connectionId)) return;
  try {
    const db = options.db ?? (await getDb());
    await db.query('select metrics_connection_record($1, $2)', [connectionId, failureReason]);
  } catch (error) {
    if (failureReason === null) deliveryThrottle.forget(connectionId);
    throw error;
  }
}

/**
 * The connections (and so workspaces) owning these accounts of a provider (Meta pages, Instagram
 * accounts, LinkedIn organizations): verified claims only, at most one per account.
 */
export async function connectionsForAccounts(
  provider: MetricsProvider,
  accounts: readonly string[],
  options: { db?: Database } = {},
): Promise<Map<string, { workspaceId: string; connectionId: string }>> {
  if (accounts.length === 0) return new Map();
  const db = options.db ?? (await getDb());
  const rows = await db.query<{ external_account_id: string; workspace_id: string; id: string }>(
    `select external_account_id, workspace_id, id from metrics_provider_connections
     where provider = $1 and external_account_id = any($2::text[]) and status = 'active' and claim_status = 'verified'`,
    [provider, [...new Set(accounts)]],
  );
  return new Map(rows.map((row) => [row.external_account_id, { workspaceId: row.workspace_id, connectionId: row.id }]));
}

/** Counts events for accounts no workspace owns (acknowledged, not stored). */
export async function countUnroutedEvents(
  provider: MetricsProvider,
  counts: ReadonlyMap<string, number>,
  options: { db?: Database } = {},
): Promise<void> {
  if (counts.size === 0) return;
  const db = options.db ?? (await getDb());
  await db.query('select metrics_count_unrouted($1, $2::text[], $3::int[])', [provider, [...counts.keys()], [...counts.values()]]);
}

/** Unrouted events per provider, for the health answer (counts only, no account ids). */
export async function unroutedEventTotals(options: { db?: Database } = {}): Promise<Record<string, number>> {
  const db = options.db ?? (await getDb());
  const rows = await db.query<{ provider: string; events: number }>(
    'select provider, sum(events)::bigint as events from metrics_unrouted_events group by provider order by provider',
  );
  return Object.fromEntries(rows.map((row) => [row.provider, Number(row.events)]));
}
