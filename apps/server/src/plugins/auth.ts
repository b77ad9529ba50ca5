import { authenticateApiKey, authenticateSession, type Actor, type Clock } from '@hoptrace/core';
import type { Db } from '@hoptrace/db';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem } from './problems';

export const SESSION_COOKIE = 'hoptrace_session';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Routes that answer without authentication (health, login). Everything else requires an actor. */
    public?: boolean;
  }
  interface FastifyRequest {
    /** Set by the auth plugin when the request carries a valid session or API key. */
    actor: Actor | null;
    apiKeyScopes: string[] | null;
  }
}

/** Every route that is not explicitly public calls this first. */
export function requireActor(request: FastifyRequest): Actor {
  if (!request.actor)
    throw new HttpProblem(401, 'send `Authorization: Bearer <api key>` or sign in for a session cookie');
  return request.actor;
}

export default fp(function auth(app: FastifyInstance, opts: { db: Db; clock: Clock }) {
  app.decorateRequest('actor', null);
  app.decorateRequest('apiKeyScopes', null);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match?.[1]) throw new HttpProblem(401, 'the Authorization header must be `Bearer <api key>`');
      const found = await authenticateApiKey(opts, match[1]);
      if (!found) throw new HttpProblem(401, 'the API key is not valid or has been revoked');
      // A key scoped only to the DNO list cannot drive tracebacks.
      if (!found.scopes.includes('api') && !request.url.startsWith('/api/v1/dno'))
        throw new HttpProblem(403, 'this API key is not scoped for the traceback API');
      request.actor = found.actor;
      request.apiKeyScopes = found.scopes;
      return;
    }
    const token = request.cookies[SESSION_COOKIE];
    if (token) request.actor = await authenticateSession(opts, token);
    // Authenticate before validating: an anonymous caller learns nothing about a route's shape.
    if (!request.actor && request.routeOptions.config?.public !== true) requireActor(request);
  });
});
