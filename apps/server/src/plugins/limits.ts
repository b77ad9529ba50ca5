import { createHash } from 'node:crypto';
import rateLimit, { type RateLimitPluginOptions } from '@fastify/rate-limit';
import { hashSecret, type Clock } from '@hoptrace/core';
import { deleteExpiredRateLimits, hitRateLimit, readRateLimit, type Db } from '@hoptrace/db';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem } from './problems';

/** Ended windows are swept at most this often by each process. */
const SWEEP_EVERY_MS = 60_000;

type Callback = (err: Error | null, res?: { current: number; ttl: number }) => void;

/**
 * A store for @fastify/rate-limit that counts in PostgreSQL (decision 0019): one row per bucket and
 * fixed window, bumped by an upsert, so every process behind the same database enforces one limit.
 * A bucket is the limit's name (`groupId`, else the route) and a SHA-256 of what it counts (an
 * address, an API key): no address or key is stored.
 */
export function pgRateLimitStore(db: Db, clock: Clock) {
  const shared = { lastSweep: 0 };
  return class PgRateLimitStore {
    readonly namespace: string;
    constructor(_globalParams: unknown, namespace = 'global') {
      this.namespace = namespace;
    }

    #window(timeWindow: number) {
      const now = clock.now().getTime();
      const start = Math.floor(now / timeWindow) * timeWindow;
      return { now, windowStart: new Date(start), expiresAt: new Date(start + timeWindow) };
    }

    #bucket(key: string) {
      return `${this.namespace}:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
    }

    incr(key: string, cb: Callback, timeWindow: number): void {
      const { now, windowStart, expiresAt } = this.#window(timeWindow);
      hitRateLimit(db, { bucket: this.#bucket(key), windowStart, expiresAt })
        .then((current) => {
          cb(null, { current, ttl: expiresAt.getTime() - now });
          if (now - shared.lastSweep >= SWEEP_EVERY_MS) {
            shared.lastSweep = now;
            deleteExpiredRateLimits(db, new Date(now)).catch(() => {});
          }
        })
        .catch((err: Error) => cb(err));
    }

    read(key: string, cb: Callback, timeWindow: number): void {
      const { now, windowStart, expiresAt } = this.#window(timeWindow);
      readRateLimit(db, this.#bucket(key), windowStart)
        .then((current) => cb(null, { current, ttl: current ? expiresAt.getTime() - now : 0 }))
        .catch((err: Error) => cb(err));
    }

    child(routeOptions: { groupId?: string; routeInfo?: { method?: unknown; url?: string } }) {
      const route = routeOptions.routeInfo;
      const name =
        routeOptions.groupId ?? (route?.url ? `${String(route.method)} ${route.url}` : this.namespace);
      return new PgRateLimitStore(undefined, name);
    }
  };
}

/** Every 429 of a limit is a problem+json saying when to come back (Retry-After and RateLimit-* are set too). */
export function rateLimitProblem(detail: string, seconds: number): HttpProblem {
  return new HttpProblem(429, `${detail}; try again in ${seconds} s`);
}

/** The limits a deployment can set (README: HOPTRACE_*_LIMIT, HOPTRACE_BULK_*). */
export interface LimitSettings {
  /** Sign-in attempts per client address a minute, whatever the account (default 10). */
  loginPerAddressPerMinute: number;
  /** Requests per API key a minute; 0 turns the limit off (the default of `buildApp`; the server's is 600). */
  apiKeyPerMinute: number;
  /** The largest bulk answers file, in bytes (default 20 MB). */
  bulkMaxBytes: number;
  /** The most rows in one bulk answers file (default 50,000, the size of an export). */
  bulkMaxRows: number;
  /** Bulk uploads one provider (or staff user) may run at once, across processes (default 1). */
  bulkUploadsAtOnce: number;
}

export const DEFAULT_LIMITS: LimitSettings = {
  loginPerAddressPerMinute: 10,
  apiKeyPerMinute: 0,
  bulkMaxBytes: 20 * 1024 * 1024,
  bulkMaxRows: 50_000,
  bulkUploadsAtOnce: 1,
};

/** What `hoptrace start` sets on an API key unless HOPTRACE_API_KEY_RATE_LIMIT says otherwise. */
export const SERVER_API_KEY_PER_MINUTE = 600;

declare module 'fastify' {
  interface FastifyInstance {
    /** The clock of rate limits, sign-in throttles and leases: real time unless a test steers it. */
    limitsClock: Clock;
    limits: LimitSettings;
  }
}

/**
 * @fastify/rate-limit on the PostgreSQL store, with the draft-standard `RateLimit-Limit`,
 * `RateLimit-Remaining`, `RateLimit-Reset` headers and `Retry-After`; no global limit (routes
 * name theirs).
 */
export default fp(async function limits(
  app: FastifyInstance,
  opts: { db: Db; clock: Clock; settings: LimitSettings },
) {
  app.decorate('limitsClock', opts.clock);
  app.decorate('limits', opts.settings);
  const options: RateLimitPluginOptions = {
    global: false,
    enableDraftSpec: true,
    store: pgRateLimitStore(opts.db, opts.clock) as unknown as RateLimitPluginOptions['store'],
    errorResponseBuilder: (_request, context) =>
      rateLimitProblem(
        `too many requests: at most ${context.max} per window here`,
        Math.max(1, Math.ceil(context.ttl / 1000)),
      ),
  };
  await app.register(rateLimit, options);
});

/**
 * A limit per API key, applied after authentication: `max` requests a minute for each key, counted
 * across processes. Requests without an API key (sessions, one-hop links, anonymous) pass.
 */
export function apiKeyLimit(app: FastifyInstance, max: number) {
  const limiter = app.createRateLimit({
    max,
    timeWindow: 60_000,
    groupId: 'api-key',
    // The key's hash, never the key: the store hashes it again for the bucket.
    keyGenerator: (request) => hashSecret(bearerToken(request) ?? ''),
  } as Parameters<FastifyInstance['createRateLimit']>[0]);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.apiKeyScopes === null || !bearerToken(request)) return;
    const result = await limiter(request);
    if (result.isAllowed) return;
    reply.header('ratelimit-limit', result.max);
    reply.header('ratelimit-remaining', result.remaining);
    reply.header('ratelimit-reset', result.ttlInSeconds);
    if (!result.isExceeded) return;
    reply.header('retry-after', result.ttlInSeconds);
    throw rateLimitProblem(
      `this API key has made more than ${result.max} requests in a minute (HOPTRACE_API_KEY_RATE_LIMIT)`,
      Math.max(1, result.ttlInSeconds),
    );
  };
}

function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1] ?? null;
}
