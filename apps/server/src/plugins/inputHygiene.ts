import { unstorableText, type TextIssue } from '@hoptrace/contracts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem } from './problems';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's own parser drops control characters from the body's text, as it documents (call records). */
    bodyTextCleaned?: boolean;
  }
}

const pathOf = (prefix: string, issue: TextIssue) =>
  [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(body)';

/**
 * Text PostgreSQL cannot store (NUL, lone surrogates: contracts `unstorableText`) is refused in every request
 * with a 400 naming each field (`customer.name`, `query.q`, `path.id`), after validation and before any
 * handler: one rule for every route, present and future. What the routes' schemas made of the request is
 * checked, so a field that drops control characters (a trace-forward note) passes once cleaned. Bodies that
 * are not JSON (CSV, PDF, streams) are left to their parsers, which check their cells.
 */
export default fp(function inputHygiene(app: FastifyInstance) {
  app.addHook('preHandler', (request, _reply, done) => {
    const issues = [
      ...unstorableText(request.params).map((i) => ({ path: pathOf('path', i), message: i.message })),
      ...unstorableText(request.query).map((i) => ({ path: pathOf('query', i), message: i.message })),
      // A text body (CSV) is a file: its parser checks each cell and names the line and column.
      ...(typeof request.body !== 'object' || request.routeOptions.config?.bodyTextCleaned
        ? []
        : unstorableText(request.body).map((i) => ({ path: pathOf('', i), message: i.message }))),
    ];
    done(
      issues.length > 0
        ? new HttpProblem(400, issues.map((e) => `${e.path}: ${e.message}`).join('; '), issues)
        : undefined,
    );
  });
});
