import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../../src/lib/decision-circuits/metrics/api/openapi';

describe('docs/openapi.json', () => {
  it('is what the zod schemas generate (run `npm run docs:openapi` after changing a schema)', () => {
    const committed = JSON.parse(readFileSync('docs/openapi.json', 'utf8')) as unknown;
    expect(committed).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
  });

  it('documents the rollups parameters with their bounds', () => {
    const document = buildOpenApiDocument() as {
      paths: Record<string, { get?: { parameters: { name: string; required: boolean; schema: Record<string, unknown> }[] } }>;
    };
    const parameters = document.paths['/api/circuits/metrics/rollups']!.get!.parameters;
    expect(parameters.find((p) => p.name === 'workspaceId')).toMatchObject({ required: true });
    expect(parameters.find((p) => p.name === 'limit')!.schema).toMatchObject({ minimum: 1, maximum: 500, default: 100 });
  });
});
