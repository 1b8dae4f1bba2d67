// docs/openapi.json is generated from the contracts beside the routes, and covers every route.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { HTTP_METHODS } from '../../../src/lib/http/contract';
import { isMethodNotAllowed } from '../../../src/lib/http/errors';
import {
  apiPathOf,
  buildOpenApiDocument,
  contractFileOf,
  loadContracts,
  openApiText,
  routeFiles,
  type LoadedContract,
} from '../../../tooling/openapi/document';

type Document = {
  paths: Record<
    string,
    Record<string, { parameters?: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[] }>
  >;
};

describe('docs/openapi.json', () => {
  let contracts: LoadedContract[];
  beforeAll(async () => {
    contracts = await loadContracts();
  }, 60_000);

  it('is what the contracts generate (run `npm run docs:openapi` after changing one)', () => {
    expect(readFileSync('docs/openapi.json', 'utf8')).toBe(openApiText(buildOpenApiDocument(contracts)));
  });

  it('has a contract beside every route.ts, describing every method the route serves', async () => {
    const files = routeFiles();
    expect(files.length).toBeGreaterThan(30);
    const missing = files.filter((file) => !existsSync(contractFileOf(file)));
    expect(missing, 'route.ts without a contract.ts').toEqual([]);
    const undescribed: string[] = [];
    const unserved: string[] = [];
    for (const file of files) {
      const route = (await import(pathToFileURL(join(process.cwd(), file)).href)) as Record<string, unknown>;
      const { contract } = contracts.find((c) => c.routeFile === file)!;
      for (const method of HTTP_METHODS) {
        const served = typeof route[method] === 'function' && !isMethodNotAllowed(route[method]);
        if (served && !contract[method]) undescribed.push(`${method} ${apiPathOf(file)}`);
        if (!served && contract[method]) unserved.push(`${method} ${apiPathOf(file)}`);
      }
    }
    expect(undescribed, 'served but not in the contract').toEqual([]);
    expect(unserved, 'in the contract but not served').toEqual([]);
  }, 120_000);

  it('documents every route, with each path parameter declared', () => {
    const document = buildOpenApiDocument(contracts) as Document;
    expect(Object.keys(document.paths).sort()).toEqual(routeFiles().map(apiPathOf).sort());
    for (const [path, item] of Object.entries(document.paths)) {
      const names = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      for (const operation of Object.values(item)) {
        const declared = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
        expect(declared.sort(), path).toEqual([...names].sort());
      }
    }
  });

  it('documents the rollups parameters with their bounds', () => {
    const document = buildOpenApiDocument(contracts) as Document;
    const parameters = document.paths['/api/circuits/metrics/rollups']!.get!.parameters!;
    expect(parameters.find((p) => p.name === 'workspaceId')).toMatchObject({ required: true });
    expect(parameters.find((p) => p.name === 'limit')!.schema).toMatchObject({ minimum: 1, maximum: 500, default: 100 });
  });
});
