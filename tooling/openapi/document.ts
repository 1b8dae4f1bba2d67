// The OpenAPI 3.1 document of the HTTP API, generated from the contracts beside the routes
// (src/app/api/**/contract.ts): every route.ts has one, its path is the route's folder, and each
// operation's parameters, request body and response bodies are its zod schemas as JSON Schema.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { ERROR_STATUS } from '../../src/lib/http/errors';
import {
  HTTP_METHODS,
  errorBodySchema,
  type ErrorStatus,
  type OperationContract,
  type ResponseContract,
  type RouteContract,
} from '../../src/lib/http/contract';

type JsonSchema = Record<string, unknown>;

export const API_ROOT = join('src', 'app', 'api');

/** Every route.ts under src/app/api, as paths relative to the repository, sorted. */
export function routeFiles(root = API_ROOT): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name === 'route.ts') found.push(path);
    }
  };
  walk(root);
  return found.sort();
}

/** src/app/api/workspaces/[workspaceId]/route.ts → /api/workspaces/{workspaceId} */
export function apiPathOf(routeFile: string): string {
  const folder = relative(join('src', 'app'), routeFile).split(sep).slice(0, -1);
  return `/${folder.map((segment) => segment.replace(/^\[(.+)\]$/, '{$1}')).join('/')}`;
}

export function contractFileOf(routeFile: string): string {
  return join(routeFile, '..', 'contract.ts');
}

export interface LoadedContract {
  path: string;
  routeFile: string;
  contract: RouteContract;
}

/** Imports every route's contract (a missing one throws, naming the route). */
export async function loadContracts(root = API_ROOT): Promise<LoadedContract[]> {
  const loaded: LoadedContract[] = [];
  for (const routeFile of routeFiles(root)) {
    const file = contractFileOf(routeFile);
    const { contract } = (await import(pathToFileURL(join(process.cwd(), file)).href)) as { contract?: RouteContract };
    if (!contract) throw new Error(`${file} exports no contract`);
    loaded.push({ path: apiPathOf(routeFile), routeFile, contract });
  }
  return loaded;
}

/**
 * Schemas named with `.meta({ id })` (the shapes several answers share), hoisted into
 * components.schemas and referenced from every operation; filled while the document is built.
 */
let components: Record<string, JsonSchema> = {};

// `format: date-time` says it; zod's equivalent regular expression would only repeat it, 500 bytes a field.
function dropDateTimePatterns(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && (value as JsonSchema).format === 'date-time') {
    const { pattern: _pattern, ...rest } = value as JsonSchema;
    return rest;
  }
  return value;
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const converted = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  const {
    $schema: _drop,
    $defs,
    ...rest
  } = JSON.parse(JSON.stringify(converted).replaceAll('"#/$defs/', '"#/components/schemas/'), dropDateTimePatterns) as JsonSchema & {
    $defs?: Record<string, JsonSchema>;
  };
  for (const [id, definition] of Object.entries($defs ?? {})) {
    const known = components[id];
    if (known && JSON.stringify(known) !== JSON.stringify(definition)) throw new Error(`Two different schemas are named ${id}`);
    components[id] = definition;
  }
  return rest;
}

function parametersOf(schema: z.ZodType | undefined, location: 'query' | 'path'): JsonSchema[] {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...propertySchema } = property;
    return {
      name,
      in: location,
      required: location === 'path' || (object.required ?? []).includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: propertySchema,
    };
  });
}

function headerParameters(headers: OperationContract['headers']): JsonSchema[] {
  return Object.entries(headers ?? {}).map(([name, schema]) => {
    const { description, ...headerSchema } = jsonSchema(schema, 'input');
    return { name, in: 'header', required: false, ...(typeof description === 'string' ? { description } : {}), schema: headerSchema };
  });
}

const STATUS_TEXT: Record<ErrorStatus, string> = {
  400: 'Bad request',
  401: 'Not authenticated',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  408: 'Request timeout',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable',
  429: 'Too many requests',
  502: 'Provider unreachable',
  503: 'Unavailable (database, configuration); retry later',
};

const errorResponseName = (status: ErrorStatus) => `Error${status}`;

function errorResponses(): Record<string, JsonSchema> {
  const responses: Record<string, JsonSchema> = {};
  for (const [text, status] of Object.entries(STATUS_TEXT).map(([s, t]) => [t, Number(s) as ErrorStatus] as const)) {
    const codes = Object.entries(ERROR_STATUS)
      .filter(([, value]) => value === status)
      .map(([code]) => `\`${code}\``);
    responses[errorResponseName(status)] = {
      description: `${text}. Codes: ${codes.join(', ')}`,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  return responses;
}

function responseOf(response: ResponseContract): JsonSchema {
  const headers = Object.entries(response.headers ?? {}).map(([name, description]) => [name, { description, schema: { type: 'string' } }]);
  return {
    description: response.description,
    ...(headers.length > 0 ? { headers: Object.fromEntries(headers) } : {}),
    ...(response.schema
      ? { content: { [response.contentType ?? 'application/json']: { schema: jsonSchema(response.schema, 'output') } } }
      : response.contentType
        ? { content: { [response.contentType]: { schema: { type: 'string' } } } }
        : {}),
  };
}

function securityOf(operation: OperationContract): JsonSchema[] {
  switch (operation.auth) {
    case 'public':
      return [];
    case 'user':
      return [{ bearerAuth: [] }];
    case 'workspace':
      return operation.apiKey ? [{ bearerAuth: [] }, { apiKey: [operation.apiKey] }] : [{ bearerAuth: [] }];
    case 'cron':
      return [{ cronSecret: [] }];
    case 'scrape':
      return [{ scrapeToken: [] }];
  }
}

function accessNote(operation: OperationContract): string | null {
  if (operation.auth !== 'workspace') return null;
  const role = operation.role ? `${operation.role} or above` : 'any member';
  const key = operation.apiKey ? `, or a workspace API key with the \`${operation.apiKey}\` scope` : '; API keys are refused';
  return `Access: ${role}${key}.`;
}

/** get /api/workspaces/{workspaceId}/members → getWorkspacesByWorkspaceIdMembers */
function operationIdOf(method: string, path: string): string {
  const words = path
    .replace(/^\/api\//, '')
    .split('/')
    .map((segment) => (segment.startsWith('{') ? `by-${segment.slice(1, -1)}` : segment))
    .join('-')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return [method.toLowerCase(), ...words.map((word) => word[0]!.toUpperCase() + word.slice(1))].join('');
}

const TAGS: { prefix: string; name: string; description: string }[] = [
  { prefix: '/api/webhooks/', name: 'webhooks', description: 'Provider webhooks in (signature-verified, exactly-once)' },
  { prefix: '/api/circuits/metrics/connections', name: 'connections', description: 'Provider connections of a workspace' },
  { prefix: '/api/circuits/metrics/alerts', name: 'alerts', description: 'Alert rules, channels and history' },
  { prefix: '/api/circuits/metrics/', name: 'metrics', description: 'Rollups, decisions, A/B tests, attribution, backfill' },
  { prefix: '/api/workspaces', name: 'workspaces', description: 'Workspaces, members, invitations and API keys' },
  { prefix: '/api/invitations', name: 'invitations', description: "The caller's own invitations" },
  { prefix: '/api/auth/', name: 'auth', description: "The dashboard's sign-in and sign-out (forms; same-origin only)" },
  { prefix: '/api/cron/', name: 'cron', description: 'Scheduled jobs (Vercel Cron)' },
  { prefix: '/api/', name: 'operations', description: 'Readiness and the Prometheus scrape' },
];

function tagOf(path: string): string {
  return TAGS.find((tag) => path.startsWith(tag.prefix))!.name;
}

function operationOf(method: string, path: string, operation: OperationContract): JsonSchema {
  const note = accessNote(operation);
  const description = [operation.description, note].filter(Boolean).join('\n\n');
  const parameters = [
    ...parametersOf(operation.params, 'path'),
    ...parametersOf(operation.query, 'query'),
    ...headerParameters(operation.headers),
  ];
  const responses: Record<string, JsonSchema> = {};
  for (const [status, response] of Object.entries(operation.responses)) responses[status] = responseOf(response);
  for (const status of operation.errors) responses[String(status)] = { $ref: `#/components/responses/${errorResponseName(status)}` };
  return {
    operationId: operationIdOf(method, path),
    summary: operation.summary,
    ...(description ? { description } : {}),
    tags: [tagOf(path)],
    security: securityOf(operation),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(operation.body
      ? {
          requestBody: {
            required: true,
            content: { [operation.bodyContentType ?? 'application/json']: { schema: jsonSchema(operation.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

export function buildOpenApiDocument(contracts: readonly LoadedContract[]): JsonSchema {
  components = {};
  const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  const paths: Record<string, JsonSchema> = {};
  for (const { path, contract } of [...contracts].sort((a, b) => a.path.localeCompare(b.path))) {
    const item: JsonSchema = {};
    for (const method of HTTP_METHODS) {
      const operation = contract[method];
      if (operation) item[method.toLowerCase()] = operationOf(method, path, operation);
    }
    paths[path] = item;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Decision Circuits metrics engine',
      version,
      description:
        'Provider webhooks in; hourly rollups with rates, A/B decisions and workspace administration out. docs/api.md has the prose; this document is generated from the contracts beside the routes (npm run docs:openapi).',
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [{ url: '/', description: 'The deployment serving this document' }],
    tags: TAGS.map(({ name, description }) => ({ name, description })),
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: "A user's Supabase access token (the dashboard sends its session cookie instead)",
        },
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'dck_<key id>_<secret>',
          description: 'A workspace API key (scopes: read, attribution:write); see docs/api.md, "API keys for programs"',
        },
        cronSecret: { type: 'http', scheme: 'bearer', description: 'CRON_SECRET (Vercel Cron sends it)' },
        scrapeToken: { type: 'http', scheme: 'bearer', description: 'METRICS_SCRAPE_TOKEN' },
      },
      schemas: { Error: jsonSchema(errorBodySchema, 'output'), ...sortedByKey(components) },
      responses: errorResponses(),
    },
    paths,
  };
}

function sortedByKey<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

/** The document as committed: two-space JSON with a final newline. */
export function openApiText(document: JsonSchema): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
