// /api/circuits/metrics/backfill: enqueue a historical backfill (POST, 202), read one job's
// status (GET ?jobId=) or the workspace's recent jobs (GET without jobId).
import { enqueueBackfill, getBackfillJob, listBackfillJobs } from '@/lib/decision-circuits/metrics';
import { workspaceQuerySchema } from '@/lib/decision-circuits/metrics/api/read-schemas';
import { backfillEnqueuedBody, backfillJobView } from '@/lib/decision-circuits/metrics/backfill';
import { backfillQuerySchema, parseBackfillRequest } from '@/lib/decision-circuits/metrics/backfill/schemas';
import { readJsonBody } from '@/lib/http/body';
import { ApiError, methodNotAllowed } from '@/lib/http/errors';
import { parseQuery, requireMembership, requireRole, withUser } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

export const POST = withUser(async (request, { claims, url }) => {
  const { workspaceId } = parseQuery(workspaceQuerySchema, url);
  await requireRole(workspaceId, claims, 'member');
  const input = parseBackfillRequest(await readJsonBody(request));
  const { job } = await enqueueBackfill(workspaceId, input.provider, input.channel, input.date_start, input.date_end);
  return jsonResponse(backfillEnqueuedBody(job), { status: 202 });
});

export const GET = withUser(async (_request, { claims, url }) => {
  const { workspaceId, jobId, limit } = parseQuery(backfillQuerySchema, url);
  await requireMembership(workspaceId, claims);
  const timestamp = new Date().toISOString();
  if (jobId) {
    // Read as the caller: RLS makes another workspace's job simply not found.
    const job = await getBackfillJob(workspaceId, jobId, { claims });
    if (!job) throw new ApiError(404, 'Backfill job not found', { workspace_id: workspaceId, job_id: jobId });
    return jsonResponse({ ...backfillJobView(job), timestamp });
  }
  const jobs = await listBackfillJobs(workspaceId, { claims, limit });
  return jsonResponse({ workspace_id: workspaceId, jobs: jobs.map(backfillJobView), count: jobs.length, timestamp });
});

const notAllowed = methodNotAllowed(['GET', 'POST']);
export { notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
