import { normalizeIP } from '@fastify/rate-limit';
import { beginLoginAttempt, loginSucceeded } from '@hoptrace/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { rateLimitProblem } from './limits';

/**
 * Runs a sign-in attempt under the per-account throttle (core `beginLoginAttempt`, decision 0019):
 * refused with 429 and Retry-After while the account is blocked for this address, counted when it
 * starts, and cleared by its success. `attempt` answers null when the credentials are wrong.
 * Kept apart from the login route so that other ways of proving a password can share it.
 */
export async function throttledLogin<T>(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  email: string,
  attempt: () => Promise<T | null>,
): Promise<T | null> {
  const opts = { db: app.db, clock: app.limitsClock };
  // An IPv6 client is one /64, as for the address limit: it cannot rotate through its own block.
  const begun = await beginLoginAttempt(opts, { email, address: normalizeIP(request.ip, 64) });
  if (!begun.ok) {
    reply.header('retry-after', String(begun.retryAfterSeconds));
    throw rateLimitProblem(
      begun.scope === 'address'
        ? 'too many failed sign-ins to this account from your address'
        : 'too many failed sign-ins to this account; an address it signed in from before is not held back',
      begun.retryAfterSeconds,
    );
  }
  const result = await attempt();
  if (result !== null) await loginSucceeded(opts, begun.keys);
  return result;
}
