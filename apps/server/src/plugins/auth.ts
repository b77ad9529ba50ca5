import {
  ApiKeyCache,
  authenticateApiKey,
  authenticateSession,
  DEFAULT_API_KEY_CACHE_SECONDS,
  registerApiKeyCache,
  recordLinkUse,
  resolveHopLink,
  type Actor,
  type Clock,
  type CoreSettings,
} from '@hoptrace/core';
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
    /** The session the request was made with (null for API keys and links): to mark it in the list. */
    sessionId: string | null;
  }
}

/** Every route that is not explicitly public calls this first. */
export function requireActor(request: FastifyRequest): Actor {
  if (!request.actor)
    throw new HttpProblem(401, 'send `Authorization: Bearer <api key>` or sign in for a session cookie');
  return request.actor;
}

/** The one route a feed key may call. */
const FEED_ROUTE = 'POST /api/v1/calls';

/** What a one-hop link may reach: its hop, its answer, and the directory (to name an upstream). */
const LINK_ROUTES = new Set([
  'GET /api/v1/hops/:id',
  'POST /api/v1/hops/:id/answer',
  'POST /api/v1/hops/:id/attachments',
  'GET /api/v1/hops/:id/attachments',
  // The attachment's hop is checked by the policy (a link reads its own hop's files only).
  'GET /api/v1/attachments/:id',
  'GET /api/v1/providers',
  'GET /api/v1/providers/:id',
]);

/** `HOPTRACE_API_KEY_CACHE_SECONDS`: how long an authenticated key is trusted without a lookup (0 disables). */
export function apiKeyCacheSecondsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.HOPTRACE_API_KEY_CACHE_SECONDS;
  if (raw === undefined || raw.trim() === '') return DEFAULT_API_KEY_CACHE_SECONDS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 300)
    throw new Error(`HOPTRACE_API_KEY_CACHE_SECONDS must be seconds between 0 and 300 (got "${raw}")`);
  return seconds;
}

export default fp(function auth(
  app: FastifyInstance,
  opts: { db: Db; clock: Clock; settings?: CoreSettings; apiKeyCacheSeconds?: number },
) {
  const apiKeys = new ApiKeyCache(
    (opts.apiKeyCacheSeconds ?? apiKeyCacheSecondsFromEnv()) * 1000,
    opts.clock,
  );
  const unregister = registerApiKeyCache(apiKeys);
  app.addHook('onClose', (_instance, done) => {
    unregister();
    done();
  });
  // Link tokens are guessed at nowhere near this rate, but a bad client should not be able to hammer the lookup.
  const linkLimit = app.rateLimit({ max: 120, timeWindow: '1 minute', groupId: 'hop-link' });
  app.decorateRequest('actor', null);
  app.decorateRequest('apiKeyScopes', null);
  app.decorateRequest('sessionId', null);
  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization;
    const link = header ? /^HopLink\s+(\S+)$/i.exec(header) : null;
    if (link?.[1]) {
      await linkLimit.call(app, request, reply);
      if (reply.sent) return;
      const resolved = await resolveHopLink(opts, link[1]);
      if (!resolved.ok) throw new HttpProblem(resolved.status, resolved.reason);
      const route = `${request.method} ${request.routeOptions.url ?? ''}`;
      const params = request.params as { id?: string } | undefined;
      const hopRoute = route.includes('/hops/');
      if (!LINK_ROUTES.has(route) || (hopRoute && params?.id !== resolved.hopId))
        throw new HttpProblem(404, 'a one-hop link reaches its own hop only');
      request.actor = resolved.actor;
      if (hopRoute)
        await recordLinkUse(opts, {
          tracebackId: resolved.tracebackId,
          hopId: resolved.hopId,
          linkId: resolved.linkId,
          action: request.method === 'POST' ? 'answer' : 'view',
          ip: request.ip,
        });
      return;
    }
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match?.[1])
        throw new HttpProblem(
          401,
          'the Authorization header must be `Bearer <api key>` (or `HopLink <token>` from a one-hop link)',
        );
      const found = await authenticateApiKey({ db: opts.db, cache: apiKeys }, match[1]);
      if (!found) throw new HttpProblem(401, 'the API key is not valid or has been revoked');
      // A feed key sends call records of its source and nothing else.
      if (found.actor.role === 'feed') {
        if (`${request.method} ${request.routeOptions.url ?? ''}` !== FEED_ROUTE)
          throw new HttpProblem(
            403,
            'this is a feed key: it can only send call records of its own source (POST /api/v1/calls)',
          );
      }
      // A key scoped only to the DNO list cannot drive tracebacks.
      else if (!found.scopes.includes('api') && !request.url.startsWith('/api/v1/dno'))
        throw new HttpProblem(403, 'this API key is not scoped for the traceback API');
      request.actor = found.actor;
      request.apiKeyScopes = found.scopes;
      return;
    }
    const token = request.cookies[SESSION_COOKIE];
    if (token) {
      const session = await authenticateSession(opts, token);
      if (session) {
        request.actor = session.actor;
        request.sessionId = session.sessionId;
      }
    }
    // Authenticate before validating: an anonymous caller learns nothing about a route's shape.
    if (!request.actor && request.routeOptions.config?.public !== true) requireActor(request);
  });
});
