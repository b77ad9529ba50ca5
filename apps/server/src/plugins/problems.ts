import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { DomainError, type FieldError } from '@hoptrace/core';
import { InvalidCursorError, isUnstorableTextError } from '@hoptrace/db';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const TITLES: Record<number, [slug: string, title: string]> = {
  400: ['invalid-request', 'The request is not valid'],
  401: ['unauthenticated', 'Sign in or send an API key'],
  403: ['forbidden', 'Not allowed'],
  404: ['not-found', 'Not found'],
  405: ['method-not-allowed', 'Method not allowed'],
  408: ['request-timeout', 'The request took too long to arrive'],
  409: ['conflict', 'The request conflicts with the current state'],
  413: ['payload-too-large', 'The request body is too large'],
  414: ['uri-too-long', 'The request path is too long'],
  415: ['unsupported-media-type', 'Unsupported content type'],
  422: ['unprocessable', 'The request cannot be processed'],
  429: ['rate-limited', 'Too many requests'],
  431: ['headers-too-large', 'The request headers are too large'],
  500: ['internal', 'Something went wrong on our side'],
  503: ['unavailable', 'Not able to serve right now'],
};

/** RFC 9457 problem details: the body of every error the API gives. */
export function problemBody(status: number, detail?: string, errors?: FieldError[]) {
  const [slug, title] = TITLES[status] ?? TITLES[status >= 500 ? 500 : 400]!;
  return {
    type: `urn:hoptrace:problem:${slug}`,
    title,
    status,
    ...(detail ? { detail } : {}),
    ...(errors?.length ? { errors } : {}),
  };
}

export function sendProblem(
  reply: FastifyReply,
  status: number,
  detail?: string,
  errors?: FieldError[],
): FastifyReply {
  return reply
    .code(status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problemBody(status, detail, errors));
}

/**
 * Errors before routing (Fastify's `frameworkErrors`): a path with a broken percent-escape (`/hops/%ZZ`) or a
 * path parameter too long, as problem+json like every other error.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      sendProblem(
        reply,
        400,
        'the path is not valid: it holds a "%" that does not start a percent-escape of two hex digits (write "%" itself as %25)',
        [{ path: '(path)', message: 'has a malformed percent-escape' }],
      );
      return;
    case 'FST_ERR_MAX_PARAM_LENGTH':
      sendProblem(reply, 414, 'a part of the path is longer than any identifier the API knows', [
        { path: '(path)', message: 'is too long' },
      ]);
      return;
    default:
      request.log.error({ err: error }, 'framework error');
      sendProblem(reply, 500, 'the error has been logged');
  }
}

const CLIENT_ERRORS: Record<string, [status: number, detail: string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    `the request headers are larger than the server accepts (${Math.floor(maxHeaderSize / 1024)} KB in all); send fewer or shorter headers (a large cookie?)`,
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'the request did not arrive in time; send it again'],
};

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (Fastify's `clientErrorHandler`): headers too
 * large (431), too slow (408), not HTTP (400). Answered as problem+json on the raw socket, then closed.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] = CLIENT_ERRORS[err.code ?? ''] ?? [
    400,
    'the request is not valid HTTP (a header name or value with characters HTTP does not allow?)',
  ];
  if (socket.writable) {
    const body = JSON.stringify(problemBody(status, detail));
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nCache-Control: no-store\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail);
  }
}

const CONTEXT_PREFIX: Record<string, string> = {
  body: '',
  querystring: 'query.',
  params: 'path.',
  headers: 'header.',
};

function issuePath(context: string | undefined, instancePath: string): string {
  const inner = instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
  const prefix = CONTEXT_PREFIX[context ?? 'body'] ?? '';
  return inner ? `${prefix}${inner}` : prefix.replace(/\.$/, '') || '(body)';
}

function fieldErrorsOf(error: FastifyError): FieldError[] {
  if (!hasZodFastifySchemaValidationErrors(error)) return [];
  return error.validation.map((v) => ({
    path: issuePath(error.validationContext, v.instancePath),
    message: v.message ?? 'is not valid',
  }));
}

export default fp(function problems(app: FastifyInstance) {
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, 404, `no route for ${request.method} ${request.url.split('?')[0]}`),
  );

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof HttpProblem) return sendProblem(reply, error.status, error.message, error.errors);
    if (error instanceof DomainError) {
      switch (error.kind) {
        case 'not_found':
          return sendProblem(reply, 404, error.message);
        case 'conflict':
          return sendProblem(reply, 409, error.message);
        case 'invalid':
          return sendProblem(
            reply,
            400,
            error.message,
            'errors' in error ? (error.errors as FieldError[]) : [],
          );
      }
    }
    if (error instanceof InvalidCursorError)
      return sendProblem(reply, 400, error.message, [{ path: 'query.cursor', message: error.message }]);
    if (hasZodFastifySchemaValidationErrors(error)) {
      const errors = fieldErrorsOf(error);
      return sendProblem(reply, 400, errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendProblem(
          reply,
          413,
          `the body is larger than the ${request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit} bytes this route accepts`,
        );
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendProblem(
          reply,
          415,
          request.routeOptions.url === '/api/v1/calls'
            ? `send call records as application/json, application/x-ndjson or text/csv (got ${request.headers['content-type'] ?? 'none'})`
            : `send the body as application/json (got ${request.headers['content-type'] ?? 'none'})`,
        );
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendProblem(reply, 400, 'the body is empty; send a JSON object', [
          { path: '(body)', message: 'is empty' },
        ]);
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return sendProblem(reply, 400, `the body is not valid JSON: ${error.message}`, [
          { path: '(body)', message: 'is not valid JSON' },
        ]);
    }
    if (error instanceof SyntaxError && error.statusCode === 400)
      return sendProblem(reply, 400, `the body is not valid JSON: ${error.message}`, [
        { path: '(body)', message: 'is not valid JSON' },
      ]);
    // The net behind the request check (plugins/inputHygiene.ts): text the database cannot store is bad input.
    if (isUnstorableTextError(error))
      return sendProblem(
        reply,
        400,
        'a text value holds a character that cannot be stored: NUL (U+0000) or a lone UTF-16 surrogate',
        [{ path: '(body)', message: 'holds a NUL character or a lone surrogate' }],
      );
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return sendProblem(reply, status, error.message);
    // The logger's serializer (logging.ts) keeps the statement's parameters and row values out of the log.
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, 500, 'the error has been logged');
  });
});
