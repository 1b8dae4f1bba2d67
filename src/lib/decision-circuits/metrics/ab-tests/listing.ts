// Dashboard read queries: the caller's workspaces, the A/B tests in one, and a test's hourly
// series per variant. All run as the user (role `authenticated`), so RLS decides what is seen.
import { getDb, withUserContext, type Database } from '../../../db';
import { readScoped, runScoped, type AccessOptions, type WorkspaceRole } from '../tenancy/access';
import { toIso, toNumber } from '../core/rows';
import { ROLLUP_COUNTERS, type RollupCounters } from '../metrics-types';

type Claims = Readonly<Record<string, unknown>>;

export interface UserWorkspace {
  id: string;
  name: string;
  role: WorkspaceRole;
  /** The caller's explicit choice of the workspace the dashboard opens. */
  is_default: boolean;
}

/**
 * Workspaces the caller is a member of, their default first: the one they chose, else the one
 * they joined first (their own, or the first invitation they accepted). Never by name, which
 * another tenant picks. RLS on workspace_members limits it to the caller's own rows.
 */
export async function listUserWorkspaces(options: { claims: Claims; db?: Database }): Promise<UserWorkspace[]> {
  const db = options.db ?? (await getDb());
  // No workspace is requested here: the policies on workspaces/workspace_members key on the user.
  const rows = await withUserContext(db, { claims: options.claims, workspaceId: '' }, (q) =>
    q.query(
      `select w.id, w.name, m.role, m.default_since is not null as is_default
       from workspaces w join workspace_members m on m.workspace_id = w.id
       where m.user_id = current_user_id()
       order by m.default_since desc nulls last, m.created_at, w.id`,
    ),
  );
  return rows.map((row) => ({
    id: String(row.id),
    name: String(row.name),
    role: String(row.role) as WorkspaceRole,
    is_default: row.is_default === true,
  }));
}

export interface AbTestListing {
  ab_test_id: string;
  variant_count: number;
  email_sent: number;
  email_delivered: number;
  first_bucket: string | null;
  last_bucket: string | null;
}

/** The A/B tests of a workspace: distinct ab_test_id in metrics_rollups, most recently active first. */
export async function listAbTests(workspaceId: string, options: { claims: Claims; db?: Database }): Promise<AbTestListing[]> {
  return runScoped(workspaceId, options, async (q) => {
    const rows = await q.query(
      `select ab_test_id, count(distinct variant_id)::bigint as variant_count,
              coalesce(sum(email_sent), 0)::bigint as email_sent,
              coalesce(sum(email_delivered), 0)::bigint as email_delivered,
              min(time_bucket) as first_bucket, max(time_bucket) as last_bucket
       from metrics_rollups
       where workspace_id = $1 and ab_test_id is not null
       group by ab_test_id
       order by max(time_bucket) desc, ab_test_id`,
      [workspaceId],
    );
    return rows.map((row) => ({
      ab_test_id: String(row.ab_test_id),
      variant_count: toNumber(row.variant_count),
      email_sent: toNumber(row.email_sent),
      email_delivered: toNumber(row.email_delivered),
      first_bucket: toIso(row.first_bucket),
      last_bucket: toIso(row.last_bucket),
    }));
  });
}

export interface HourlyVariantPoint extends RollupCounters {
  variant_id: string | null;
  time_bucket: string;
}

/**
 * One row per (variant, hour), every counter summed over the test's circuit executions and
 * channels. Grouped in SQL, so a 90-day range is ~2,200 rows per variant with no page limit to hit.
 */
export async function getAbTestHourlySeries(
  filters: { workspace_id: string; ab_test_id: string; time_start?: string; time_end?: string },
  options: AccessOptions,
): Promise<HourlyVariantPoint[]> {
  const [rows = []] = await readScoped(filters.workspace_id, options, [
    {
      text: `select variant_id, time_bucket, ${ROLLUP_COUNTERS.map((c) => `sum(${c})::bigint as ${c}`).join(', ')}
             from metrics_rollups
             where workspace_id = $1 and ab_test_id = $2
               and ($3::timestamptz is null or time_bucket >= $3) and ($4::timestamptz is null or time_bucket <= $4)
             group by variant_id, time_bucket
             order by variant_id nulls first, time_bucket`,
      params: [filters.workspace_id, filters.ab_test_id, filters.time_start ?? null, filters.time_end ?? null],
    },
  ]);
  return rows.map((row) => ({
    variant_id: (row.variant_id as string | null) ?? null,
    time_bucket: toIso(row.time_bucket) ?? '',
    ...(Object.fromEntries(ROLLUP_COUNTERS.map((c) => [c, toNumber(row[c])])) as RollupCounters),
  }));
}
