import { ZProblem } from '@hoptrace/contracts';
import type { RouteOptions } from 'fastify';
import type { OpenAPIV3_1 } from 'openapi-types';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { bearer } from './context';
import { PROBLEM_CONTENT_TYPE, problemBody } from './plugins/problems';

/** The shared schema of every error answer, `#/components/schemas/Problem` in the document. */
export const PROBLEM_SCHEMA_REF = '#/components/schemas/Problem';

export const openapiComponentSchemas = {
  Problem: {
    ...z.toJSONSchema(ZProblem, { target: 'draft-2020-12', io: 'output' }),
    description:
      'RFC 9457 problem details: `type` is `urn:hoptrace:problem:<slug>`; `errors` lists field errors, each with its path into the request (`path.id`, `query.cursor`, `body.call.calling`, …)',
  },
} as Record<string, OpenAPIV3_1.SchemaObject>;
delete (openapiComponentSchemas.Problem as { $schema?: string }).$schema;

/** What each problem means beside its title, where the same status has one cause across routes. */
const WHY: Partial<Record<number, string>> = {
  400: 'the request is not valid: `errors` names each field (path parameter, query, header or body) and what is wrong',
  401: 'no valid credentials: send `Authorization: Bearer <api key>`, or sign in for the session cookie (a public route too refuses an `Authorization` header that is not valid; a sign-in step answers 401 for a wrong password, code or challenge)',
  403: 'the credentials are valid but may not call this route (an API key without the `api` scope, a feed key, a one-hop link outside its hop)',
  404: 'not found, or not yours to see (the two are the same answer)',
  409: 'conflicts with the current state, or a request with the same `Idempotency-Key` is still running (retry after `Retry-After`)',
  413: 'the body is larger than this route accepts',
  415: 'the body is not of a content type this route accepts',
  422: 'the `Idempotency-Key` was already used for a different request, or the request cannot be carried out as asked',
  429: 'too many requests: wait for the time in `Retry-After` (per address, per account, or per API key when the instance sets HOPTRACE_API_KEY_RATE_LIMIT)',
  503: 'not able to serve right now; the detail says why',
};

/** Statuses that only some routes give and that their shape does not tell. */
const EXTRA: Record<string, number[]> = {
  'GET /api/v1/ready': [503],
};

const binary = { type: 'string', format: 'binary' };
const csv = { 'text/csv': { schema: { type: 'string' } } };

/**
 * The success answer of routes whose handler sends it itself (no content, a file, a stream), for
 * which no `response` schema can be compiled into a serializer.
 */
const SUCCESS: Record<string, Record<string, unknown>> = {
  'POST /api/v1/auth/logout': {
    204: { description: 'Signed out; the session cookie is cleared', type: 'null' },
  },
  'POST /api/v1/users/me/password': {
    204: { description: 'Changed; your other sessions ended', type: 'null' },
  },
  'POST /api/v1/auth/totp/disable': { 204: { description: 'The second factor is off', type: 'null' } },
  'DELETE /api/v1/auth/sessions/:id': { 204: { description: 'The session ended', type: 'null' } },
  'DELETE /api/v1/providers/:id/webhooks/:webhookId': {
    204: { description: 'No longer delivered to', type: 'null' },
  },
  'GET /api/v1/dno/list': {
    200: {
      description: 'The list (`format=json`: `{ version, entries }`; `format=csv`: one entry a row)',
      content: {
        'application/json': {
          schema: {
            type: 'object',
            properties: {
              version: { type: 'integer' },
              entries: { type: 'array', items: { type: 'object' } },
            },
            required: ['version', 'entries'],
          },
        },
        ...csv,
      },
    },
    304: { description: 'Not modified: the list is still the version in `If-None-Match`', type: 'null' },
  },
  'GET /api/v1/evidence-packages/:id/download': {
    200: { description: 'The ZIP', content: { 'application/zip': { schema: binary } } },
  },
  'GET /api/v1/traceback-requests/:id/attachments/:attachmentId': {
    200: {
      description: 'The file, in its own content type',
      content: { 'application/octet-stream': { schema: binary } },
    },
  },
  'GET /api/v1/hops/export.csv': { 200: { description: 'The hops as CSV', content: csv } },
  'GET /api/v1/public/statistics.csv': { 200: { description: 'The figures as CSV', content: csv } },
  'GET /api/v1/attachments/:id': {
    200: { description: 'The PDF', content: { 'application/pdf': { schema: binary } } },
  },
  'GET /api/v1/legal-requests/:id/document': {
    200: { description: 'The PDF', content: { 'application/pdf': { schema: binary } } },
  },
};

const text = { schema: { type: 'string' } };
const pdf = { schema: binary };

/**
 * The request bodies of routes that read a file as it is (CSV, NDJSON, a PDF) rather than JSON through a
 * schema: by media type, beside the JSON one where the route also takes JSON.
 */
const UPLOADS: Record<string, Record<string, unknown>> = {
  'POST /api/v1/dno/import': { 'text/csv': text },
  'POST /api/v1/hops/bulk-answers': { 'text/csv': text },
  'POST /api/v1/tracebacks/bulk': { 'text/csv': text },
  'POST /api/v1/hops/:id/attachments': { 'application/pdf': pdf, 'application/octet-stream': pdf },
  'PUT /api/v1/legal-requests/:id/document': { 'application/pdf': pdf, 'application/octet-stream': pdf },
  'POST /api/v1/calls': { 'application/x-ndjson': text, 'text/csv': text },
};

type RouteLike = Pick<RouteOptions, 'method' | 'url' | 'schema' | 'config' | 'bodyLimit'>;

/**
 * The problem (4xx) statuses a route can answer, worked out from what the server does to every request
 * before and around the route's handler, so that no route lists them by hand:
 * - every route: 401 (an `Authorization` header that is not valid is refused on a public route too; sign-in
 *   steps answer it for a wrong password, code or challenge);
 * - a route that is not public: 403 for credentials not allowed here (scopes, feed keys, one-hop links),
 *   429 from the per-API-key limit;
 * - a body, query, path parameters or headers to validate, or an authenticated POST (its `Idempotency-Key`
 *   header): 400;
 * - path parameters: 404 (missing and forbidden are the same 404);
 * - a body (a schema, or a route's own body limit for a file upload): 413 and 415;
 * - a change by an authenticated caller (POST, PUT, PATCH, DELETE): 409 (the state, or the same
 *   `Idempotency-Key` still running); an authenticated POST: 422 (the key reused for another request);
 * - a route with its own rate limit (`config.rateLimit`): 429.
 * Statuses a route declares in its own `response` schema are kept as they are.
 */
export function problemStatuses(route: RouteLike): number[] {
  const schema = (route.schema ?? {}) as Record<string, unknown>;
  const config = (route.config ?? {}) as { public?: boolean; rateLimit?: unknown };
  const methods = methodsOf(route);
  const authenticated = config.public !== true;
  const hasBody = Boolean(schema.body) || route.bodyLimit !== undefined;
  const changes = methods.some((m) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(m));
  const post = methods.includes('POST');
  const codes = new Set<number>();
  if (hasBody || schema.querystring || schema.params || schema.headers || (authenticated && post))
    codes.add(400);
  codes.add(401);
  if (authenticated) codes.add(403);
  if (schema.params) codes.add(404);
  if (authenticated && changes) codes.add(409);
  if (hasBody) {
    codes.add(413);
    codes.add(415);
  }
  if (authenticated && post) codes.add(422);
  if (authenticated || config.rateLimit) codes.add(429);
  for (const method of methods) for (const code of EXTRA[`${method} ${route.url}`] ?? []) codes.add(code);
  return [...codes].sort((a, b) => a - b);
}

export function problemResponse(status: number) {
  const why = WHY[status];
  return {
    description: why ? why.charAt(0).toUpperCase() + why.slice(1) : problemBody(status).title,
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: PROBLEM_SCHEMA_REF } } },
  };
}

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];

/**
 * @fastify/swagger's `transform`: the zod schemas become JSON Schema (fastify-type-provider-zod), then
 * every operation gets its problem responses and its security: `[]` on a public route (no credentials),
 * the bearer key or session cookie on the others unless the route names its own.
 */
export function openapiTransform(input: TransformInput): ReturnType<typeof jsonSchemaTransform> {
  const result = jsonSchemaTransform(input);
  const schema = result.schema as Record<string, unknown> | undefined;
  const route = (input as { route?: RouteLike }).route;
  if (!schema || schema.hide || !route) return result;
  const isPublic = route.config?.public === true;
  const responses = { ...((schema.response as Record<string, unknown> | undefined) ?? {}) };
  for (const method of methodsOf(route))
    for (const [status, response] of Object.entries(SUCCESS[`${method} ${route.url}`] ?? {}))
      responses[status] ??= response;
  for (const status of problemStatuses(route)) responses[status] ??= problemResponse(status);
  // A file upload's body by media type (@fastify/swagger's `body.content`), the JSON one kept.
  const uploads = methodsOf(route)
    .map((method) => UPLOADS[`${method} ${route.url}`])
    .find(Boolean);
  const body = uploads
    ? {
        content: {
          ...(schema.body ? { 'application/json': { schema: schema.body } } : {}),
          ...uploads,
        },
      }
    : schema.body;
  return {
    ...result,
    schema: {
      ...schema,
      ...(body ? { body } : {}),
      security: isPublic ? [] : ((schema.security as typeof bearer | undefined) ?? bearer),
      response: responses,
    },
  };
}

function methodsOf(route: RouteLike): string[] {
  return (Array.isArray(route.method) ? route.method : [route.method]).map((m) => m.toUpperCase());
}
