// npm run docs:openapi — writes docs/openapi.json from the zod schemas.
import { writeFileSync } from 'node:fs';
import { buildOpenApiDocument } from '../src/lib/decision-circuits/metrics/api/openapi';

writeFileSync('docs/openapi.json', `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`);
console.info('Wrote docs/openapi.json');
