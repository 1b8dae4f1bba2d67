// GET /api/circuits/metrics/ab-tests/export/{variants|hourly}: the A/B view's variant table, or
// the hourly rows behind its charts (every counter), as a CSV download.
import { z } from 'zod';
import { hourlyRowsCsv, variantTableCsv } from '@/lib/dashboard/ab-test-export';
import { csvResponse } from '@/lib/dashboard/csv';
import { shortId } from '@/lib/dashboard/format';
import { abTestExportQuerySchema } from '@/lib/decision-circuits/metrics/api/read-schemas';
import { methodNotAllowed } from '@/lib/http/errors';
import { parseQuery, withUser } from '@/lib/http/handlers';

export const dynamic = 'force-dynamic';

const EXPORTS = { variants: variantTableCsv, hourly: hourlyRowsCsv } as const;
const tableSchema = z.object({ table: z.enum(['variants', 'hourly'], { message: 'must be variants or hourly' }) });

export async function GET(request: Request, { params }: { params: Promise<{ table: string }> }): Promise<Response> {
  const { table } = await params;
  return withUser(async (_request, { claims, url }) => {
    const { table: kind } = tableSchema.parse({ table });
    const query = parseQuery(abTestExportQuerySchema, url);
    return csvResponse(await EXPORTS[kind](query, claims), `ab-test-${shortId(query.abTestId)}-${kind}.csv`);
  })(request);
}

const notAllowed = methodNotAllowed(['GET']);
export { notAllowed as POST, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
