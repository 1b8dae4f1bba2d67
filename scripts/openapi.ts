// npm run docs:openapi — writes docs/openapi.json from the contracts beside the routes.
import { writeFileSync } from 'node:fs';
import { buildOpenApiDocument, loadContracts, openApiText } from '../tooling/openapi/document';
import { parseCommandLine } from './lib/cli';

const USAGE = `Usage: npm run docs:openapi

Writes docs/openapi.json from the contracts beside the API routes (src/app/api/**/contract.ts;
commit the result). Every route.ts needs one.

  -h, --help    this text`;

parseCommandLine(USAGE, {});
writeFileSync('docs/openapi.json', openApiText(buildOpenApiDocument(await loadContracts())));
console.info('Wrote docs/openapi.json');
