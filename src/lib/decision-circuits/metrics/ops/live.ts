// Live numbers: a small version of what a page shows, cheap enough to poll every few seconds.
// One statement under the caller's row-level security (with the access check in the same round
// trip) reads the A/B test's rollup rows, when each provider last delivered, the alert states and
// the recent backfill jobs; the version is a hash of those, so an unchanged page costs a 304.
// Why polling and not server-sent events or LISTEN: docs/architecture.md ("Live numbers").
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { readScoped, type AccessOptions } from '../tenancy/access';
import { UnknownAbTestError } from '../core/errors';
import { toIso, toNumber } from '../core/rows';
import type { MetricsProvider } from '../metrics-types';

export const liveVersionQuerySchema = z
  .object({
    workspaceId: z.guid({ message: 'must be a UUID' }),
    /** The A/B test page's scope; without it, the Operations page's (the workspace). */
    abTestId: z.guid({ message: 'must be a UUID' }).optional(),
  })
  .strict();
export type LiveVersionQuery = z.output<typeof liveVersionQuerySchema>;

export interface ProviderLastEvent {
  provider: MetricsProvider;
  /** When the provider last delivered to this workspace, to the minute. */
  last_received_at: string | null;
}

export interface LiveVersion {
  workspace_id: string;
  ab_test_id: string | null;
  /** Changes whenever a number the page shows may have changed; also the response's ETag. */
  version: string;
  /**
   * Every delivery acknowledged (202) before this time is in the numbers: counting happens in the
   * request that acknowledges it. The read's own time.
   */
  counted_up_to: string;
  /** The newest change to the A/B test's rollup rows (null for the workspace scope, or none yet). */
  last_counted_at: string | null;
  /** The hourly look the decision is read at: windows close on the hour, so the version moves then too. */
  look: string;
  providers: ProviderLastEvent[];
  /** Alert conditions firing now, and the last time any alert state changed. */
  alerts_firing: number;
  alerts_changed_at: string | null;
  /** The newest change to a backfill job created in the last 7 days (workspace scope only). */
  backfill_changed_at: string | null;
}

// Each part is a bounded index probe: the test's rollup rows (idx_metrics_rollups_workspace_test_variant_time)
// and registry row, the workspace's activity and alert states (primary keys), the week's backfill
// jobs (idx_metrics_backfill_workspace_created). tests/db/live.test.ts shows the plans.
const WORKSPACE_PARTS = `
  now() as counted_up_to,
  date_trunc('hour', now()) as look,
  (select coalesce(jsonb_agg(jsonb_build_object('provider', a.provider, 'last_received_at', a.last_received_at) order by a.provider), '[]'::jsonb)
     from metrics_ingest_activity a where a.workspace_id = $1) as providers,
  s.firing as alerts_firing,
  s.changed_at as alerts_changed_at`;
const ALERT_STATES = `(select count(*) filter (where st.state = 'firing') as firing, max(st.changed_at) as changed_at
     from metrics_alert_states st where st.workspace_id = $1) s`;

/** The A/B test page: $1 workspace, $2 test. */
export const LIVE_TEST_VERSION_SQL = `
  select ${WORKSPACE_PARTS},
         r.updated_at as rollups_updated_at,
         r.rows as rollup_rows,
         (select t.updated_at from metrics_ab_tests t where t.workspace_id = $1 and t.ab_test_id = $2) as test_updated_at
    from (select max(x.updated_at) as updated_at, count(*) as rows
            from metrics_rollups x where x.workspace_id = $1 and x.ab_test_id = $2) r,
         ${ALERT_STATES}`;

/** The Operations page: $1 workspace. */
export const LIVE_WORKSPACE_VERSION_SQL = `
  select ${WORKSPACE_PARTS},
         (select max(b.updated_at) from metrics_backfill_jobs b
           where b.workspace_id = $1 and b.created_at > now() - interval '7 days') as backfill_changed_at
    from ${ALERT_STATES}`;

function versionOf(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 22);
}

/**
 * The live version of one page's scope: an A/B test (404 when the workspace has neither
 * registered nor counted it) or, without abTestId, the workspace's operations.
 */
export async function getLiveVersion(query: LiveVersionQuery, options: AccessOptions = {}): Promise<LiveVersion> {
  const { workspaceId, abTestId } = liveVersionQuerySchema.parse(query);
  const statement = abTestId
    ? { text: LIVE_TEST_VERSION_SQL, params: [workspaceId, abTestId] }
    : { text: LIVE_WORKSPACE_VERSION_SQL, params: [workspaceId] };
  const [[row = {}] = []] = await readScoped(workspaceId, options, [statement]);
  const rollupRows = toNumber(row.rollup_rows);
  const testUpdatedAt = toIso(row.test_updated_at);
  if (abTestId && rollupRows === 0 && testUpdatedAt === null) throw new UnknownAbTestError(workspaceId, abTestId);
  const providers = ((row.providers ?? []) as { provider: MetricsProvider; last_received_at: unknown }[]).map((p) => ({
    provider: p.provider,
    last_received_at: toIso(p.last_received_at),
  }));
  const live = {
    last_counted_at: toIso(row.rollups_updated_at),
    look: toIso(row.look) ?? '',
    providers,
    alerts_firing: toNumber(row.alerts_firing),
    alerts_changed_at: toIso(row.alerts_changed_at),
    backfill_changed_at: toIso(row.backfill_changed_at),
  };
  return {
    workspace_id: workspaceId,
    ab_test_id: abTestId ?? null,
    version: versionOf([abTestId ?? null, rollupRows, testUpdatedAt, ...Object.values(live)]),
    counted_up_to: toIso(row.counted_up_to) ?? new Date().toISOString(),
    ...live,
  };
}
