// Claims need proof: a connection naming a Facebook page, Instagram account or LinkedIn
// organization routes nothing until its workspace proves control of that account. The owner hands
// the app a token the provider issued for the account; the app asks the provider's own API whether
// the token reaches that account, and forgets the token. Every failed proof gets one answer, so
// nobody learns whether another workspace claimed the account.
import { z } from 'zod';
import { getDb, type Database } from '../../../db';
import { ProviderApiError, ProviderHttp } from '../providers/kit/backfill-http';
import { baseUrl, readEnv } from '../providers/kit/backfill-client';
import { getConnectionView, type ConnectionView } from './connections';
import { DomainError, isUnknownWorkspaceSqlError, roleRefusalFromSql, UnknownWorkspaceError } from '../core/errors';
import { toIso } from '../core/rows';
import type { MetricsProvider } from '../metrics-types';
import { META_GRAPH_BASE_URL } from '../providers/meta/backfill';
import { LINKEDIN_API_BASE_URL, LINKEDIN_DEFAULT_API_VERSION } from '../providers/linkedin/backfill';
import type { EnvBag } from '../providers/kit/provider';

export const claimProofSchema = z.object({ access_token: z.string().trim().min(8, 'is too short').max(4096, 'is too long') }).strict();
export type ClaimProof = z.output<typeof claimProofSchema>;

export type ClaimMethod = 'meta_page_token' | 'meta_instagram_token' | 'linkedin_admin';

/** The one answer to every failed proof: wrong token, token for another account, expired token. */
export class ClaimNotProvenError extends DomainError {
  constructor() {
    super('claim_not_proven', 'Control of this account was not proven: the token does not reach it');
    this.name = 'ClaimNotProvenError';
  }
}

export class ProviderUnreachableError extends DomainError {
  constructor(label: string) {
    super('provider_unreachable', `${label} could not be reached to check the claim; try again later`, {});
    this.name = 'ProviderUnreachableError';
  }
}

export interface ClaimCheckOptions {
  env?: EnvBag;
  /** Provider calls (tests shorten the retry delays). */
  http?: { fetch?: typeof fetch; baseDelayMs?: number; timeoutMs?: number };
}

const graphIdentity = z.object({
  id: z.string(),
  instagram_business_account: z.object({ id: z.string() }).optional(),
});
const graphAccounts = z.object({ data: z.array(graphIdentity) });
const linkedInAcls = z.object({
  elements: z.array(z.object({ organization: z.string().optional(), role: z.string().optional(), state: z.string().optional() })),
});

/** One provider call: a refusal (4xx) is a failed proof, anything else that goes wrong is a 502. */
async function ask<S extends z.ZodType>(
  http: ProviderHttp,
  url: URL,
  headers: Record<string, string>,
  endpoint: string,
  schema: S,
): Promise<z.output<S>> {
  let body: unknown;
  try {
    body = await http.getJson(url, headers, endpoint);
  } catch (error) {
    if (error instanceof ProviderApiError && error.status !== null && error.status >= 400 && error.status < 500 && error.status !== 429)
      throw new ClaimNotProvenError();
    throw new ProviderUnreachableError(http.label);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ProviderUnreachableError(http.label);
  return parsed.data;
}

function providerHttp(label: string, options: ClaimCheckOptions): ProviderHttp {
  // One retry: someone is waiting on the answer.
  return new ProviderHttp(label, { maxRetries: 1, baseDelayMs: 250, timeoutMs: 10_000, ...options.http });
}

/**
 * Facebook: `GET /me?fields=id` with a Page access token answers the page itself. Instagram: the
 * page token's page links the business account (`instagram_business_account`), or a user token's
 * `/me/accounts` lists a page that does.
 */
async function proveMeta(provider: 'facebook' | 'instagram', account: string, token: string, options: ClaimCheckOptions) {
  const env = options.env ?? process.env;
  const base = baseUrl(env, 'META_GRAPH_BASE_URL', META_GRAPH_BASE_URL);
  const http = providerHttp('Meta Graph API', options);
  const headers = { authorization: `Bearer ${token}` };
  const fields = provider === 'facebook' ? 'id' : 'id,instagram_business_account';
  const me = await ask(http, new URL(`${base}/me?fields=${fields}`), headers, 'GET /me', graphIdentity);
  if (provider === 'facebook') {
    if (me.id !== account) throw new ClaimNotProvenError();
    return 'meta_page_token' as const;
  }
  if (me.instagram_business_account?.id === account) return 'meta_instagram_token' as const;
  const pages = await ask(
    http,
    new URL(`${base}/me/accounts?fields=id,instagram_business_account&limit=100`),
    headers,
    'GET /me/accounts',
    graphAccounts,
  );
  if (!pages.data.some((page) => page.instagram_business_account?.id === account)) throw new ClaimNotProvenError();
  return 'meta_instagram_token' as const;
}

/** LinkedIn: the token's member must be an approved ADMINISTRATOR of the organization. */
async function proveLinkedIn(account: string, token: string, options: ClaimCheckOptions) {
  const env = options.env ?? process.env;
  const url = new URL(`${baseUrl(env, 'LINKEDIN_API_BASE_URL', LINKEDIN_API_BASE_URL)}/organizationAcls`);
  url.searchParams.set('q', 'roleAssignee');
  url.searchParams.set('role', 'ADMINISTRATOR');
  url.searchParams.set('state', 'APPROVED');
  const acls = await ask(
    providerHttp('LinkedIn API', options),
    url,
    {
      authorization: `Bearer ${token}`,
      'LinkedIn-Version': readEnv(env, 'LINKEDIN_API_VERSION') ?? LINKEDIN_DEFAULT_API_VERSION,
      'X-Restli-Protocol-Version': '2.0.0',
    },
    'GET /organizationAcls',
    linkedInAcls,
  );
  const admin = acls.elements.some(
    (acl) => acl.organization === account && (acl.role ?? 'ADMINISTRATOR') === 'ADMINISTRATOR' && (acl.state ?? 'APPROVED') === 'APPROVED',
  );
  if (!admin) throw new ClaimNotProvenError();
  return 'linkedin_admin' as const;
}

/** Asks the provider whether `token` controls `account`; the method it proved, or a refusal. */
export async function checkAccountControl(
  provider: MetricsProvider,
  account: string,
  token: string,
  options: ClaimCheckOptions = {},
): Promise<ClaimMethod> {
  if (provider === 'facebook' || provider === 'instagram') return proveMeta(provider, account, token, options);
  if (provider === 'linkedin') return proveLinkedIn(account, token, options);
  throw new DomainError('invalid_request', `${provider} connections are routed by their own URL: there is no account claim to prove`, {
    provider,
  });
}

/**
 * Proves a connection's claim with the owner's token (admin or owner; checked by the database).
 * Null for an unknown connection. On success the claim is verified and any older verified claim
 * on the account goes back to pending.
 */
export async function proveConnectionClaim(
  actor: string,
  workspaceId: string,
  connectionId: string,
  proof: ClaimProof,
  options: ClaimCheckOptions & { db?: Database; baseUrl: string },
): Promise<ConnectionView | null> {
  const db = options.db ?? (await getDb());
  const current = await getConnectionView(db, workspaceId, options.baseUrl, connectionId);
  if (!current) return null;
  if (current.external_account_id === null) {
    throw new DomainError(
      'invalid_request',
      `${current.provider} connections are routed by their own URL: there is no account claim to prove`,
      { provider: current.provider },
    );
  }
  const method = await checkAccountControl(current.provider, current.external_account_id, proof.access_token, options);
  try {
    await db.query('select metrics_connection_verify_claim($1, $2, $3, $4)', [actor, workspaceId, connectionId, method]);
  } catch (error) {
    const refusal = roleRefusalFromSql(error, workspaceId);
    if (refusal) throw refusal;
    if (isUnknownWorkspaceSqlError(error)) throw new UnknownWorkspaceError(workspaceId);
    throw error;
  }
  return getConnectionView(db, workspaceId, options.baseUrl, connectionId);
}

export interface ApprovedClaim {
  workspaceId: string;
  provider: MetricsProvider;
  account: string;
  /** Other workspaces' verified claims on the account that went back to pending. */
  superseded: number;
}

/** The operator's approval (no token; service role): the claim becomes verified. Null for no such account claim. */
export async function approveConnectionClaim(connectionId: string, options: { db?: Database } = {}): Promise<ApprovedClaim | null> {
  const db = options.db ?? (await getDb());
  const [approved] = await db.query<{ superseded: number | null }>('select metrics_operator_approve_claim($1) as superseded', [
    connectionId,
  ]);
  if (approved?.superseded === null || approved?.superseded === undefined) return null;
  const [row] = await db.query<{ workspace_id: string; provider: MetricsProvider; external_account_id: string }>(
    'select workspace_id, provider, external_account_id from metrics_provider_connections where id = $1',
    [connectionId],
  );
  return { workspaceId: row!.workspace_id, provider: row!.provider, account: row!.external_account_id, superseded: approved.superseded };
}

export interface PendingClaim {
  connectionId: string;
  workspaceId: string;
  provider: MetricsProvider;
  account: string;
  createdAt: string;
}

/** Every pending account claim of the deployment, oldest first (the operator's review list). */
export async function listPendingClaims(options: { db?: Database } = {}): Promise<PendingClaim[]> {
  const db = options.db ?? (await getDb());
  const rows = await db.query<{
    id: string;
    workspace_id: string;
    provider: MetricsProvider;
    external_account_id: string;
    created_at: unknown;
  }>(
    `select id, workspace_id, provider, external_account_id, created_at from metrics_provider_connections
     where claim_status = 'pending' and status = 'active' order by created_at, id`,
  );
  return rows.map((row) => ({
    connectionId: row.id,
    workspaceId: row.workspace_id,
    provider: row.provider,
    account: row.external_account_id,
    createdAt: toIso(row.created_at) ?? '',
  }));
}
