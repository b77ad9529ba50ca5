import { createHash } from 'node:crypto';
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey, type Db } from '@hoptrace/db';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem, sendProblem } from './problems';

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { userId: string; key: string } | null;
  }
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * `Idempotency-Key` on POSTs: the first request with a key runs and its answer
 * is stored; a retry with the same key and body gets the stored answer; the
 * same key with another body is refused. Keys are per user.
 */
export default fp(function idempotency(app: FastifyInstance, opts: { db: Db }) {
  app.decorateRequest('idempotency', null);
  app.addHook('preHandler', async (request, reply) => {
    const key = request.headers['idempotency-key'];
    if (request.method !== 'POST' || key === undefined || !request.actor?.userId) return;
    if (typeof key !== 'string' || !KEY_PATTERN.test(key))
      throw new HttpProblem(400, 'Idempotency-Key must be 1–255 visible ASCII characters', [
        { path: 'header.idempotency-key', message: 'must be 1–255 visible ASCII characters' },
      ]);
    const path = request.url.split('?')[0] ?? request.url;
    const requestHash = createHash('sha256')
      .update(`${request.method} ${path}\n${JSON.stringify(request.body ?? null)}`)
      .digest('hex');
    const userId = request.actor.userId;
    const claim = await claimIdempotencyKey(opts.db, {
      userId,
      key,
      method: request.method,
      path,
      requestHash,
    });
    if (claim.claimed) {
      request.idempotency = { userId, key };
      return;
    }
    const { existing } = claim;
    if (existing.requestHash !== requestHash)
      return sendProblem(reply, 422, 'this Idempotency-Key was already used for a different request');
    if (existing.statusCode === null || existing.responseBody === null)
      return sendProblem(
        reply,
        409,
        'a request with this Idempotency-Key is still being processed; retry shortly',
      );
    return reply
      .code(existing.statusCode)
      .header('idempotent-replayed', 'true')
      .type(existing.statusCode >= 400 ? 'application/problem+json' : 'application/json')
      .send(existing.responseBody);
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotency;
    if (!claim) return payload;
    request.idempotency = null;
    // A server error may be retried with the same key; anything else is the answer for good.
    if (reply.statusCode >= 500) await releaseIdempotencyKey(opts.db, claim.userId, claim.key);
    else
      await completeIdempotencyKey(
        opts.db,
        claim.userId,
        claim.key,
        reply.statusCode,
        typeof payload === 'string' ? payload : JSON.stringify(payload ?? null),
      );
    return payload;
  });
});
