// GET /api/circuits/metrics/ab-tests/export/{table}: which table, for which test and range.
import { z } from 'zod';
import { abTestDecisionQuerySchema } from '@/lib/decision-circuits/metrics';
import { defineOperation, defineRoute, uuidParam } from '@/lib/http/contract';
import { readScope, timeRangeIssue, timeRangeOk } from '../../../read-contract';

export const EXPORT_TABLES = ['variants', 'hourly', 'decision'] as const;

/** One test, optionally one time range (the tables) or a method (the decision). */
export const abTestExportQuerySchema = z
  .object({
    workspaceId: readScope.workspaceId,
    abTestId: uuidParam,
    timeStart: readScope.timeStart,
    timeEnd: readScope.timeEnd,
    method: abTestDecisionQuerySchema.shape.method,
  })
  .strict()
  .refine(timeRangeOk, timeRangeIssue);

export const contract = defineRoute({
  GET: defineOperation({
    summary: "The A/B view's variant table, its hourly rows (every counter) or its decision card, as CSV",
    auth: 'workspace',
    apiKey: 'read',
    params: z.object({ table: z.enum(EXPORT_TABLES, { message: 'must be variants, hourly or decision' }) }),
    query: abTestExportQuerySchema,
    responses: {
      200: {
        description: 'A CSV download (Content-Disposition: attachment)',
        contentType: 'text/csv',
        headers: { 'content-disposition': 'attachment; filename="ab-test-<short id>-<table>.csv"' },
      },
    },
    errors: [400, 401, 403, 404, 503],
  }),
});
