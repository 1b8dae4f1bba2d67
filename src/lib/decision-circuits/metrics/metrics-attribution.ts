// Attribution: which circuit execution / A/B test / variant a provider object belongs to.
import { z } from 'zod';
import { getDb, type Database } from '../../db';
import { isUnknownWorkspaceSqlError, UnknownWorkspaceError } from './core/errors';
import { runScoped, type AccessOptions } from './tenancy/access';
import { toIso, toNumber } from './core/rows';
import {
  METRICS_CHANNELS,
  type AttributionHealthSummary,
  type AttributionInput,
  type AttributionMap,
  type MetricsProvider,
} from './metrics-types';
import { METRICS_PROVIDERS, PROVIDER_CHANNEL } from './providers/registry';

export { hashEmail } from './providers/kit/provider';
export { normalizeProviderEvents } from './ingest/normalize';

export const UNMAPPED_CIRCUIT_EXECUTION_ID = 'UNMAPPED';

const mappingFields = {
  provider: z.enum(METRICS_PROVIDERS),
  provider_object_id: z.string().trim().min(1).max(512),
  circuit_execution_id: z.string().trim().min(1).max(256),
  ab_test_id: z.guid().nullish(),
  variant_id: z.guid().nullish(),
  channel: z.enum(METRICS_CHANNELS),
  platform: z.string().max(64).nullish(),
  recipient_hash: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex sha256 (use hashEmail)')
    .nullish(),
  recipient_identifier: z.string().max(320).nullish(),
};

const channelMatchesProvider = (input: { provider: MetricsProvider; channel: string }) =>
  PROVIDER_CHANNEL[input.provider] === input.channel;
const channelIssue = { message: 'channel does not match the provider', path: ['channel'] };

/** One mapping as the HTTP API takes it: the workspace is the request's. */
export const attributionMappingSchema = z.object(mappingFields).refine(channelMatchesProvider, channelIssue);

export const attributionInputSchema = z.object({ workspace_id: z.guid(), ...mappingFields }).refine(channelMatchesProvider, channelIssue);

export function rowToAttribution(row: Record<string, unknown>): AttributionMap {
  return {
    id: String(row.id),
    workspace_id: String(row.workspace_id),
    provider: row.provider as MetricsProvider,
    provider_object_id: String(row.provider_object_id),
    circuit_execution_id: String(row.circuit_execution_id),
    ab_test_id: (row.ab_test_id as string | null) ?? null,
    variant_id: (row.variant_id as string | null) ?? null,
    channel: row.channel as AttributionMap['channel'],
    platform: (row.platform as string | null) ?? null,
    recipient_hash: (row.recipient_hash as string | null) ?? null,
    recipient_identifier: (row.recipient_identifier as string | null) ?? null,
    status: row.status as AttributionMap['status'],
    mapped_at: toIso(row.mapped_at) ?? '',
    created_at: toIso(row.created_at) ?? '',
  };
}

export interface UpsertAttributionResult {
  mapping: AttributionMap;
  /** Events that were waiting for this mapping and were added to rollups just now. */
  applied_events: number;
}

/**
 * Registers the sender's mapping (CX07 calls this after sending). Upgrades an 'unmapped' or
 * 'orphaned' row and applies that object's waiting events in the same transaction; an
 * existing 'mapped' row is kept and returned as is.
 */
export async function upsertAttributionMap(input: AttributionInput, options: { db?: Database } = {}): Promise<UpsertAttributionResult> {
  const m = attributionInputSchema.parse(input);
  const db = options.db ?? (await getDb());
  // Raw recipients are internal-only and opt-in, like raw emails in the ledger.
  const identifier = process.env.METRICS_STORE_RAW_EMAIL === 'true' ? (m.recipient_identifier ?? null) : null;
  try {
    const [row] = await db.query<{ mapping: Record<string, unknown>; applied_events: number }>(
      `select mapping, applied_events from metrics_upsert_attribution($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        m.workspace_id,
        m.provider,
        m.provider_object_id,
        m.circuit_execution_id,
        m.ab_test_id ?? null,
        m.variant_id ?? null,
        m.channel,
        m.platform ?? m.provider,
        m.recipient_hash ?? null,
        identifier,
      ],
    );
    if (!row) throw new Error('metrics_upsert_attribution returned no row');
    return { mapping: rowToAttribution(row.mapping), applied_events: toNumber(row.applied_events) };
  } catch (error) {
    if (isUnknownWorkspaceSqlError(error)) throw new UnknownWorkspaceError(m.workspace_id);
    throw error;
  }
}

export async function findAttributionMapping(
  workspaceId: string,
  provider: MetricsProvider,
  providerObjectId: string,
  options: AccessOptions = {},
): Promise<AttributionMap | null> {
  return runScoped(workspaceId, options, async (q) => {
    const [row] = await q.query(
      `select * from metrics_attribution_map where workspace_id = $1 and provider = $2 and provider_object_id = $3`,
      [workspaceId, provider, providerObjectId],
    );
    return row ? rowToAttribution(row) : null;
  });
}

/** Mapped / unmapped / orphaned counts per provider, from the metrics_attribution_health view. */
export async function getAttributionHealth(
  workspaceId: string,
  provider?: MetricsProvider,
  options: AccessOptions = {},
): Promise<AttributionHealthSummary[]> {
  return runScoped(workspaceId, options, async (q) => {
    const rows = await q.query(
      `select * from metrics_attribution_health where workspace_id = $1 and ($2::text is null or provider = $2)
       order by provider`,
      [workspaceId, provider ?? null],
    );
    return rows.map((row) => ({
      provider: row.provider as MetricsProvider,
      total_mappings: toNumber(row.total_mappings),
      mapped_count: toNumber(row.mapped_count),
      unmapped_count: toNumber(row.unmapped_count),
      orphaned_count: toNumber(row.orphaned_count),
      mapped_percentage: toNumber(row.mapped_percentage),
    }));
  });
}
