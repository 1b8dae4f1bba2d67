// /api/circuits/metrics/backfill: enqueue a historical backfill (POST, 202), read one job's
// status (GET ?jobId=) or the workspace's recent jobs (GET without jobId).
import { enqueueBackfill, getBackfillJob, listBackfillJobs } from '@/lib/decision-circuits/metrics';
import { workspaceQuerySchema } from '@/lib/decision-circuits/metrics/api/read-schemas';
import { backfillEnqueuedBody, backfillJobView, backfillQuerySchema, parseBackfillRequest } from '@/lib/decision-circuits/metrics/backfill';
import { AppError, methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

export const POST = withWorkspace(
  { query: workspaceQuerySchema, body: { parse: parseBackfillRequest }, role: 'member' },
  async ({ workspaceId, body }) => {
    const { job } = await enqueueBackfill(workspaceId, body.provider, body.channel, body.date_start, body.date_end);
    return jsonResponse(backfillEnqueuedBody(job), { status: 202 });
  },
);

export const GET = withWorkspace({ query: backfillQuerySchema }, async ({ workspaceId, query, access }) => {
  const timestamp = new Date().toISOString();
  if (query.jobId) {
    // Read as the caller: RLS makes another workspace's job simply not found.
    const job = await getBackfillJob(workspaceId, query.jobId, { access });
    if (!job) throw new AppError('not_found', 'Backfill job not found', { workspace_id: workspaceId, job_id: query.jobId });
    return jsonResponse({ ...backfillJobView(job), timestamp });
  }
  const jobs = await listBackfillJobs(workspaceId, { access, limit: query.limit });
  return jsonResponse({ workspace_id: workspaceId, jobs: jobs.map(backfillJobView), count: jobs.length, timestamp });
});

const notAllowed = methodNotAllowed(['GET', 'POST']);
export { notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
