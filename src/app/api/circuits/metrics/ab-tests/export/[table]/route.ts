// GET /api/circuits/metrics/ab-tests/export/{variants|hourly|decision}: the A/B view's variant
// table, the hourly rows behind its charts (every counter), or its decision card, as a CSV download.
import { decisionCsv, hourlyRowsCsv, variantTableCsv } from '@/lib/dashboard/ab-test-export';
import { csvResponse } from '@/lib/dashboard/csv';
import { shortId } from '@/lib/dashboard/format';
import { methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

const EXPORTS = { variants: variantTableCsv, hourly: hourlyRowsCsv, decision: decisionCsv } as const;

export const GET = withWorkspace(contract.GET, async ({ params, query, access }) =>
  csvResponse(await EXPORTS[params.table](query, { access }), `ab-test-${shortId(query.abTestId)}-${params.table}.csv`),
);

const notAllowed = methodNotAllowed(['GET']);
export { notAllowed as POST, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
