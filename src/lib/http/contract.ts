// A route's contract: the zod schemas its handler validates with and the rest of its OpenAPI
// operation, in one object beside its route.ts. The handler passes the operation to withWorkspace
// (or parses with its schemas) and answers through `respond`, which types the body as the declared
// response schema; docs/openapi.json is generated from these objects (npm run docs:openapi).
import { z } from 'zod';
import type { ApiKeyScope } from '../auth/api-keys';
import { ERROR_CODES } from '../errors/app-error';
import type { WorkspaceRole } from '../decision-circuits/metrics/tenancy/access';
import { jsonResponse } from './json-response';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/**
 * Who may call: nobody in particular (`public`), a signed-in user (`user`), a workspace member or,
 * with `apiKey`, a workspace API key (`workspace`), Vercel Cron (`cron`), a Prometheus scraper (`scrape`).
 */
export type OperationAuth = 'public' | 'user' | 'workspace' | 'cron' | 'scrape';

export interface ResponseContract {
  description: string;
  /** The JSON body's schema (a JSON answer), or absent for a redirect or a non-JSON body. */
  schema?: z.ZodType;
  /** Defaults to application/json when there is a schema. */
  contentType?: string;
  /** Response headers worth documenting (e.g. `location` on a redirect), name → description. */
  headers?: Readonly<Record<string, string>>;
}

/** The error statuses an operation may answer with; each carries the `{ error, code, …, timestamp }` body. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 408 | 409 | 410 | 413 | 415 | 422 | 429 | 502 | 503;

export interface OperationContract {
  summary: string;
  description?: string;
  auth: OperationAuth;
  /** The least workspace role (`workspace` operations; any member when unset). */
  role?: WorkspaceRole;
  /** The scope a workspace API key needs (`workspace` operations; users only when unset). */
  apiKey?: ApiKeyScope;
  query?: z.ZodType;
  params?: z.ZodType;
  body?: z.ZodType;
  /** Defaults to application/json. */
  bodyContentType?: 'application/json' | 'application/x-www-form-urlencoded';
  /** Request headers the operation reads, name → schema. */
  headers?: Readonly<Record<string, z.ZodType>>;
  responses: Readonly<Record<number, ResponseContract>>;
  errors: readonly ErrorStatus[];
}

export type RouteContract = Partial<Record<HttpMethod, OperationContract>>;

/** Keeps the literal types (schemas, statuses), so `respond` knows each response's body. */
export function defineOperation<const O extends OperationContract>(operation: O): O {
  return operation;
}

export function defineRoute<const R extends RouteContract>(route: R): R {
  return route;
}

// A loose schema's type has an index signature a domain interface lacks: checked on the named fields only.
type NamedFields<T> = T extends readonly (infer U)[]
  ? NamedFields<U>[]
  : T extends object
    ? { [K in keyof T as string extends K ? never : K]: NamedFields<T[K]> }
    : T;
type ResponseBody<R> = R extends { schema: infer S extends z.ZodType } ? NamedFields<z.input<S>> : never;

/** The JSON answer of one declared response; the compiler holds the body to its schema. */
export function respond<O extends OperationContract, S extends keyof O['responses'] & number>(
  _operation: O,
  status: S,
  body: ResponseBody<O['responses'][S]>,
  init: Omit<ResponseInit, 'status'> = {},
): Response {
  return jsonResponse(body, { ...init, status });
}

/** The error body every 4xx and 5xx carries: the release notes' shape plus the code, and context fields. */
export const errorBodySchema = z
  .object({
    error: z.string().meta({ description: 'What went wrong, in words' }),
    code: z.enum(ERROR_CODES).meta({ description: 'What went wrong, as a code (docs/api.md, "Errors")' }),
    timestamp: z.iso.datetime(),
  })
  .catchall(z.unknown())
  .meta({ description: 'Error: `{ error, code, ...context, timestamp }`; context fields (ids, limits, issues) vary by code' });

// ---------- schemas the contracts share ----------

/** Any well-formed UUID, as Postgres' uuid type accepts. */
export const uuidParam = z.guid({ message: 'must be a UUID' });

/** An ISO-8601 instant as the API writes it. */
export const isoInstant = z.iso.datetime({ offset: true });

/** `?workspaceId=`: the workspace of a route whose path does not name it. */
export const workspaceQuerySchema = z.object({ workspaceId: uuidParam }).strict();

/** `[workspaceId]` in the path. */
export const workspacePathSchema = z.object({ workspaceId: z.guid({ message: 'workspace id must be a UUID' }) });

/** Every JSON answer ends with the time it was made. */
export const stamped = { timestamp: isoInstant } as const;

/** A workspace's list answer: `{ workspace_id, <key>: [item…], count, timestamp }`. */
export function workspaceList<const K extends string, S extends z.ZodType>(key: K, item: S) {
  const shape = { workspace_id: z.string(), [key]: z.array(item), count: z.number().int(), ...stamped };
  return z.strictObject(
    shape as { workspace_id: z.ZodString; count: z.ZodNumber; timestamp: typeof isoInstant } & Record<K, z.ZodArray<S>>,
  );
}
