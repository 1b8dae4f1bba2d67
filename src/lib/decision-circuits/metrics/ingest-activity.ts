// When each provider last delivered to each workspace (metrics_ingest_activity), for the
// silent-provider alert. Written at most once a minute per workspace and provider per process, so
// a busy provider costs one tiny upsert a minute, not one per delivery.
import { getDb, type Database } from '../../db';
import { describeError, getLogger } from '../../observability/logger';
import type { MetricsProvider } from './metrics-types';

const WRITE_EVERY_MS = 60_000;
const MAX_TRACKED = 10_000;
const lastWritten = new Map<string, number>();

export async function noteIngestActivity(workspaceId: string, provider: MetricsProvider, options: { db?: Database } = {}): Promise<void> {
  const key = `${workspaceId}|${provider}`;
  const now = Date.now();
  if (now - (lastWritten.get(key) ?? 0) < WRITE_EVERY_MS) return;
  // Bounded memory: forgetting a key costs one extra write, nothing else.
  if (lastWritten.size >= MAX_TRACKED) lastWritten.clear();
  lastWritten.set(key, now);
  try {
    const db = options.db ?? (await getDb());
    await db.query('select metrics_note_ingest_activity($1, $2)', [workspaceId, provider]);
  } catch (error) {
    lastWritten.delete(key);
    // The delivery is stored; a missed activity write only delays the silence alert's reset.
    getLogger().warn({ err: describeError(error), provider }, 'ingest activity not recorded');
  }
}
