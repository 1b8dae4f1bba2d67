// When each provider last delivered to each workspace (metrics_ingest_activity), for the
// silent-provider alert. Written at most once a minute per workspace and provider per process, so
// a busy provider costs one tiny upsert a minute, not one per delivery.
import { getDb, type Database } from '../../../db';
import { describeError, getLogger } from '../../../observability/logger';
import type { MetricsProvider } from '../metrics-types';
import { createWriteThrottle } from '../core/write-throttle';

const throttle = createWriteThrottle(60_000);

export async function noteIngestActivity(workspaceId: string, provider: MetricsProvider, options: { db?: Database } = {}): Promise<void> {
  const key = `${workspaceId}|${provider}`;
  if (!throttle.due(key)) return;
  try {
    const db = options.db ?? (await getDb());
    await db.query('select metrics_note_ingest_activity($1, $2)', [workspaceId, provider]);
  } catch (error) {
    throttle.forget(key);
    // The delivery is stored; a missed activity write only delays the silence alert's reset.
    getLogger().warn({ err: describeError(error), provider }, 'ingest activity not recorded');
  }
}
