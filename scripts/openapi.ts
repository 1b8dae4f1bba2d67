// npm run docs:openapi — writes docs/openapi.json from the zod schemas.
import { writeFileSync } from 'node:fs';
import { buildOpenApiDocument } from '../src/lib/decision-circuits/metrics/api/openapi';
import { parseCommandLine } from './lib/cli';

const USAGE = `Usage: npm run docs:openapi

Writes docs/openapi.json from the zod schemas of the API routes (commit the result).

  -h, --help    this text`;

parseCommandLine(USAGE, {});
writeFileSync('docs/openapi.json', `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`);
console.info('Wrote docs/openapi.json');
