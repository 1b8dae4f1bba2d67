// /api/circuits/metrics/backfill: enqueue a historical backfill (POST, 202), read one job's
// status (GET ?jobId=) or the workspace's recent jobs (GET without jobId).
import { enqueueBackfill, getBackfillJob, listBackfillJobs } from '@/lib/decision-circuits/metrics';
import { backfillEnqueuedBody, backfillJobView, parseBackfillRequest } from '@/lib/decision-circuits/metrics/backfill';
import { respond } from '@/lib/http/contract';
import { AppError, methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

// The contract's body schema, parsed so that its cross-field rules answer in the release notes' words.
export const POST = withWorkspace({ ...contract.POST, body: { parse: parseBackfillRequest } }, async ({ workspaceId, body }) => {
  const { job } = await enqueueBackfill(workspaceId, body.provider, body.channel, body.date_start, body.date_end);
  return respond(contract.POST, 202, backfillEnqueuedBody(job));
});

export const GET = withWorkspace(contract.GET, async ({ workspaceId, query, access }) => {
  const timestamp = new Date().toISOString();
  if (query.jobId) {
    // Read as the caller: RLS makes another workspace's job simply not found.
    const job = await getBackfillJob(workspaceId, query.jobId, { access });
    if (!job) throw new AppError('not_found', 'Backfill job not found', { workspace_id: workspaceId, job_id: query.jobId });
    return respond(contract.GET, 200, { ...backfillJobView(job), timestamp });
  }
  const jobs = await listBackfillJobs(workspaceId, { access, limit: query.limit });
  return respond(contract.GET, 200, { workspace_id: workspaceId, jobs: jobs.map(backfillJobView), count: jobs.length, timestamp });
});

const notAllowed = methodNotAllowed(['GET', 'POST']);
export { notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
