// OpenAPI 3.1 description of the HTTP API, generated from the same zod schemas that validate
// requests, so the document cannot drift from the code (a test compares it with docs/openapi.json).
import { z } from 'zod';
import { AB_TEST_VERDICTS } from '../../../stats';
import { abTestRegistrationSchema } from '../ab-tests/registry';
import { attributionInputSchema } from '../metrics-attribution';
import { claimProofSchema } from '../tenancy/account-claims';
import { connectionInputSchema, rotationInputSchema } from '../tenancy/connections';
import { apiKeyCreateSchema } from '../tenancy/api-keys';
import { invitationCreateSchema } from '../tenancy/invitations';
import { memberRoleSchema, workspaceCreateSchema } from '../tenancy/members';
import { METRICS_PROVIDERS } from '../providers/registry';
import {
  decisionQuerySchema,
  healthQuerySchema,
  latestQuerySchema,
  rollupsQuerySchema,
  summaryQuerySchema,
  variantsQuerySchema,
  workspaceQuerySchema,
} from './read-schemas';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** Query parameters of an object schema, each with its own JSON schema. */
function queryParameters(schema: z.ZodType): JsonSchema[] {
  const object = jsonSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: (object.required ?? []).includes(name),
    schema: property,
  }));
}

const errorResponse = {
  description: 'Error: `{ error, ...context, timestamp }`',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['error', 'timestamp'],
        properties: { error: { type: 'string' }, timestamp: { type: 'string', format: 'date-time' } },
      },
    },
  },
};

const errors = (...codes: number[]) => Object.fromEntries(codes.map((code) => [String(code), errorResponse]));
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
const bearer = [{ bearerAuth: [] }];
// A user's token, or a workspace API key holding the scope (OpenAPI 3.1 allows scopes on any scheme).
const bearerOrKey = (scope: 'read' | 'attribution:write') => [{ bearerAuth: [] }, { apiKey: [scope] }];
const workspacePath = { name: 'workspaceId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };

/** POST .../invitations and POST .../members: one operation, the same answer for every address. */
function inviteOperation(summary: string) {
  return {
    summary,
    security: bearer,
    parameters: [workspacePath],
    requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(invitationCreateSchema) } } },
    responses: { '201': ok('{ workspace_id, invitation }'), ...errors(400, 401, 403, 413, 415, 429, 503) },
  };
}

function readRoute(summary: string, schema: z.ZodType) {
  return {
    get: {
      summary,
      security: bearerOrKey('read'),
      parameters: queryParameters(schema),
      responses: { '200': ok(summary), ...errors(400, 401, 403, 503) },
    },
  };
}

export function buildOpenApiDocument(): JsonSchema {
  const attributionBody = jsonSchema(attributionInputSchema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  const { workspace_id: _ws, ...mappingProperties } = attributionBody.properties ?? {};
  const mapping = {
    type: 'object',
    required: (attributionBody.required ?? []).filter((name) => name !== 'workspace_id'),
    properties: mappingProperties,
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Decision Circuits metrics engine',
      version: '2.0.0',
      description: 'Provider webhooks in; hourly rollups with rates out. See docs/api.md for the prose.',
    },
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'dck_<key id>_<secret>',
          description: 'A workspace API key (scopes: read, attribution:write); see docs/api.md, "API keys for programs"',
        },
      },
    },
    paths: {
      '/api/webhooks/metrics': {
        get: {
          summary: 'Health, or a provider handshake (Meta hub.challenge, LinkedIn challengeCode)',
          responses: { '200': ok('Health JSON or the handshake answer'), ...errors(400, 403) },
        },
        post: {
          summary: 'Provider webhook intake (signature-verified, exactly-once)',
          parameters: [
            { name: 'provider', in: 'query', required: true, schema: { type: 'string', enum: [...METRICS_PROVIDERS] } },
            { name: 'workspace_id', in: 'query', required: false, schema: { type: 'string', format: 'uuid' } },
            { name: 'x-workspace-id', in: 'header', required: false, schema: { type: 'string', format: 'uuid' } },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: {} } } },
          responses: { '202': ok('Stored; per-outcome counts'), ...errors(400, 401, 404, 405, 408, 413, 415, 503) },
        },
      },
      '/api/circuits/metrics/rollups': readRoute('Hourly rollups, newest first', rollupsQuerySchema),
      '/api/circuits/metrics/summary': readRoute('Totals and rates over a range', summaryQuerySchema),
      '/api/circuits/metrics/variants': readRoute('Every variant of one A/B test side by side', variantsQuerySchema),
      '/api/circuits/metrics/latest': readRoute('Newest rollup per variant and channel', latestQuerySchema),
      '/api/circuits/metrics/health': readRoute('Attribution and ingestion health', healthQuerySchema),
      '/api/circuits/metrics/decision': {
        get: {
          summary: `The verdict on one A/B test (${AB_TEST_VERDICTS.join(', ')}), with flags, per-variant numbers and reasons`,
          security: bearerOrKey('read'),
          parameters: queryParameters(decisionQuerySchema),
          responses: { '200': ok('The decision'), ...errors(400, 401, 403, 404, 503) },
        },
      },
      '/api/circuits/metrics/ab-tests': {
        get: {
          summary: "The workspace's A/B tests with named variants and control (registered, or inferred from rollups)",
          security: bearerOrKey('read'),
          parameters: queryParameters(workspaceQuerySchema),
          responses: { '200': ok('Tests'), ...errors(400, 401, 403, 503) },
        },
        post: {
          summary: 'Register or replace a test: name, primary metric, variants with names, control and weights (member or above)',
          security: bearerOrKey('attribution:write'),
          parameters: queryParameters(workspaceQuerySchema),
          requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(abTestRegistrationSchema) } } },
          responses: { '201': ok('The registered test'), ...errors(400, 401, 403, 404, 413, 415, 503) },
        },
      },
      '/api/circuits/metrics/connections': {
        get: {
          summary: "The workspace's provider connections, without secrets (admin or owner)",
          security: bearer,
          parameters: queryParameters(workspaceQuerySchema),
          responses: {
            '200': ok('Connections with webhook URL, fingerprint, last delivery and last verification failure'),
            ...errors(400, 401, 403, 503),
          },
        },
        post: {
          summary:
            'Connect a provider account: its own webhook URL (SendGrid, Resend, Mailgun) or a pending claim on its account id (Meta, LinkedIn) (admin or owner)',
          security: bearer,
          parameters: queryParameters(workspaceQuerySchema),
          requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(connectionInputSchema) } } },
          responses: {
            '201': ok('{ connection_id, provider, webhook_url, fingerprint, … }'),
            ...errors(400, 401, 403, 409, 413, 415, 503),
          },
        },
      },
      '/api/circuits/metrics/connections/{connectionId}': {
        delete: {
          summary: 'Remove a connection (admin or owner)',
          security: bearer,
          parameters: [
            { name: 'connectionId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
            ...queryParameters(workspaceQuerySchema),
          ],
          responses: { '200': ok('Deleted'), ...errors(400, 401, 403, 404, 503) },
        },
      },
      '/api/circuits/metrics/connections/{connectionId}/rotate': {
        post: {
          summary: 'A new secret or verification key; the previous one verifies for overlap_hours (admin or owner)',
          security: bearer,
          parameters: [
            { name: 'connectionId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
            ...queryParameters(workspaceQuerySchema),
          ],
          requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(rotationInputSchema) } } },
          responses: { '200': ok('The rotated connection'), ...errors(400, 401, 403, 404, 413, 415, 503) },
        },
      },
      '/api/circuits/metrics/connections/{connectionId}/verify': {
        post: {
          summary:
            "Prove control of a Facebook page, Instagram account or LinkedIn organization with a token the provider issued for it (checked with the provider's API, not kept); the claim then routes its events (admin or owner)",
          security: bearer,
          parameters: [
            { name: 'connectionId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
            ...queryParameters(workspaceQuerySchema),
          ],
          requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(claimProofSchema) } } },
          responses: {
            '200': ok('The connection with claim_status verified'),
            ...errors(400, 401, 403, 404, 413, 415, 422, 502, 503),
          },
        },
      },
      '/api/workspaces': {
        get: {
          summary: "The caller's workspaces with their role",
          security: bearer,
          responses: { '200': ok('Workspaces'), ...errors(401, 503) },
        },
        post: {
          summary: 'Create a workspace; the caller owns it (409 past METRICS_MAX_WORKSPACES_PER_USER, 429 past 10 an hour)',
          security: bearer,
          requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(workspaceCreateSchema) } } },
          responses: { '201': ok('{ workspace_id, name, role }'), ...errors(400, 401, 409, 413, 415, 429, 503) },
        },
      },
      '/api/workspaces/{workspaceId}/members': {
        get: {
          summary: 'Members and their roles (any member)',
          security: bearer,
          parameters: [{ name: 'workspaceId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: { '200': ok('Members'), ...errors(400, 401, 403, 503) },
        },
        post: inviteOperation('Invite an email address (same as POST .../invitations; nobody becomes a member without accepting)'),
      },
      '/api/workspaces/{workspaceId}/members/{userId}': {
        patch: {
          summary: "Change a member's role (admin or owner; ownership by owners; the last owner stays)",
          security: bearer,
          parameters: [
            { name: 'workspaceId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
            { name: 'userId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(memberRoleSchema) } } },
          responses: { '200': ok('The new role'), ...errors(400, 401, 403, 404, 409, 413, 415, 503) },
        },
        delete: {
          summary: 'Remove a member (admin or owner, or yourself; the last owner stays)',
          security: bearer,
          parameters: [
            { name: 'workspaceId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
            { name: 'userId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
          ],
          responses: { '200': ok('Removed'), ...errors(400, 401, 403, 404, 409, 503) },
        },
      },
      '/api/workspaces/{workspaceId}/invitations': {
        get: {
          summary: 'Pending invitations (admin or owner)',
          security: bearer,
          parameters: [workspacePath],
          responses: { '200': ok('{ invitations, count }'), ...errors(400, 401, 403, 503) },
        },
        post: inviteOperation('Invite an email address with a role (admin or owner; only an owner invites an owner)'),
      },
      '/api/workspaces/{workspaceId}/invitations/{invitationId}': {
        delete: {
          summary: 'Withdraw a pending invitation (admin or owner)',
          security: bearer,
          parameters: [workspacePath, { name: 'invitationId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: { '200': ok('Revoked'), ...errors(400, 401, 403, 404, 503) },
        },
      },
      '/api/workspaces/{workspaceId}/default': {
        put: {
          summary: 'Make this workspace the one the dashboard opens for the caller (any member)',
          security: bearer,
          parameters: [workspacePath],
          responses: { '200': ok('{ workspace_id, is_default }'), ...errors(400, 401, 403, 503) },
        },
      },
      '/api/invitations': {
        get: {
          summary: "The caller's pending invitations, matched by their verified email",
          security: bearer,
          responses: { '200': ok('{ invitations, count }'), ...errors(401, 503) },
        },
      },
      '/api/invitations/{invitationId}/{answer}': {
        post: {
          summary: 'Accept (become a member with the invited role) or decline one of your invitations',
          security: bearer,
          parameters: [
            { name: 'invitationId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
            { name: 'answer', in: 'path', required: true, schema: { type: 'string', enum: ['accept', 'decline'] } },
          ],
          responses: { '200': ok('{ invitation_id, workspace_id, role, status }'), ...errors(400, 401, 403, 404, 409, 410, 503) },
        },
      },
      '/api/workspaces/{workspaceId}/api-keys': {
        get: {
          summary: "The workspace's API keys, without any secret (admin or owner)",
          security: bearer,
          parameters: [workspacePath],
          responses: {
            '200': ok('{ api_keys: [{ id, name, scopes, created_at, expires_at, last_used_at, revoked_at }] }'),
            ...errors(400, 401, 403, 503),
          },
        },
        post: {
          summary: 'Create an API key; its secret (`key`) is answered this once (admin or owner)',
          security: bearer,
          parameters: [workspacePath],
          requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(apiKeyCreateSchema) } } },
          responses: { '201': ok('{ api_key: { id, name, scopes, expires_at, key } }'), ...errors(400, 401, 403, 409, 413, 415, 503) },
        },
      },
      '/api/workspaces/{workspaceId}/api-keys/{keyId}': {
        delete: {
          summary: 'Revoke an API key: its next request is 401 (admin or owner)',
          security: bearer,
          parameters: [workspacePath, { name: 'keyId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: { '200': ok('The revoked key'), ...errors(400, 401, 403, 404, 503) },
        },
      },
      '/api/circuits/metrics/attribution': {
        post: {
          summary: 'Register provider object → circuit / A/B test / variant mappings',
          security: bearerOrKey('attribution:write'),
          parameters: queryParameters(workspaceQuerySchema),
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { oneOf: [mapping, { type: 'array', items: mapping, minItems: 1, maxItems: 1000 }] } },
            },
          },
          responses: { '200': ok('Mappings and the events they applied'), ...errors(400, 401, 403, 413, 415, 503) },
        },
      },
    },
  };
}
