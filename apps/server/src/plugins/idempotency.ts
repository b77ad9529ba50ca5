import { createHash, type Hash } from 'node:crypto';
import { PassThrough, Readable, Transform } from 'node:stream';
import type { Actor, Clock } from '@hoptrace/core';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  releaseIdempotencyKey,
  renewIdempotencyKey,
  type Db,
  type IdempotencyRow,
} from '@hoptrace/db';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem, sendProblem } from './problems';
import { UploadTooLarge } from './upload';

interface Claim {
  owner: string;
  key: string;
  /** Renews the lease while the request runs. */
  timer: NodeJS.Timeout;
  /** A streamed body's hash, known once the whole body has gone through (null when it could not be read). */
  streamHash: (() => Promise<string | null>) | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: Claim | null;
  }
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** How long a claim holds without being renewed; a request still running renews it every third of this. */
export const DEFAULT_IDEMPOTENCY_LEASE_MS = 30_000;

/** What a request's hash starts with: the request line and query (another file name is another request). */
function requestSeed(method: string, url: string): string {
  const [path = url, query = ''] = url.split('?', 2);
  return `${method} ${path}?${query}\n`;
}

/** The hash that tells a retry from another request under the same key (a parsed body: JSON or bytes). */
export function idempotencyRequestHash(method: string, url: string, body: unknown): string {
  const hash = createHash('sha256').update(requestSeed(method, url));
  if (Buffer.isBuffer(body)) hash.update(body);
  else hash.update(JSON.stringify(body ?? null));
  return hash.digest('hex');
}

/** Whose key it is: a user's (session or API key), a one-hop link's (its hop), a feed key's (its source). */
export function idempotencyOwner(actor: Actor | null): string | null {
  if (!actor) return null;
  if (actor.userId) return `user:${actor.userId}`;
  if (actor.hopScope) return `hop:${actor.hopScope}`;
  if (actor.sourceId !== undefined) return `feed:${actor.sourceId}`;
  return null;
}

/**
 * Passes a streamed body through a SHA-256 (seeded with the request line) to whoever reads it, and
 * can finish reading it to give the hash of the whole body. The reader gets a stream of its own
 * behind the hasher: if it stops early (a refused file), the hasher still reads the rest.
 */
function hashingStream(
  source: Readable,
  seed: string,
): { stream: Readable; digest: () => Promise<string | null> } {
  const hash: Hash = createHash('sha256').update(seed);
  let result: string | null | undefined;
  const hasher = new Transform({
    transform(chunk: Buffer, _enc, next) {
      hash.update(chunk);
      next(null, chunk);
    },
    flush(next) {
      result = hash.digest('hex');
      next();
    },
  });
  const reader = new PassThrough();
  source.on('error', (err) => hasher.destroy(err));
  // The body may have failed already (over its route's limit before this hook ran).
  if (source.errored || source.destroyed)
    hasher.destroy(source.errored ?? new Error('the body ended before it was read'));
  hasher.on('error', (err) => reader.destroy(err));
  // As in limitBytes: the reader fails its read with the error; unheard, it must not end the process.
  reader.on('error', () => {});
  source.pipe(hasher).pipe(reader);
  const digest = () =>
    new Promise<string | null>((resolve) => {
      if (result !== undefined) return resolve(result);
      if (hasher.destroyed) return resolve(null);
      hasher.once('end', () => resolve(result ?? null));
      hasher.once('close', () => resolve(result ?? null));
      // Whatever the route did not read is read here (the body is bounded by its route's limit).
      hasher.unpipe(reader);
      hasher.resume();
    });
  return { stream: reader, digest };
}

/** Reads a whole streamed body for its hash only (a retry whose first answer is stored). */
async function hashWholeStream(source: Readable, seed: string, limitNote: string): Promise<string> {
  const hash = createHash('sha256').update(seed);
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) hash.update(chunk);
  } catch (err) {
    if (err instanceof UploadTooLarge) throw new HttpProblem(413, `${err.message}; ${limitNote}`);
    throw err;
  }
  return hash.digest('hex');
}

/**
 * `Idempotency-Key` on POSTs (decisions 0005, 0019): the first request with a key runs and its answer
 * is stored; a retry with the same key and request gets the stored answer; the same key with another
 * request is refused (422). Keys are per user, per one-hop link's hop, or per feed. A claim holds for
 * a lease the running request keeps renewing: a request cut off by a crash stops renewing, and once
 * its lease lapses the key is usable again. A streamed body (CSV, NDJSON) is hashed by its content as
 * it is read.
 */
export default fp(function idempotency(
  app: FastifyInstance,
  opts: { db: Db; clock: Clock; leaseMs?: number },
) {
  const leaseMs = opts.leaseMs ?? DEFAULT_IDEMPOTENCY_LEASE_MS;
  const leaseEnd = () => new Date(opts.clock.now().getTime() + leaseMs);
  app.decorateRequest('idempotency', null);

  function stopRenewing(request: FastifyRequest) {
    if (request.idempotency) clearInterval(request.idempotency.timer);
  }

  function replay(reply: FastifyReply, existing: IdempotencyRow) {
    return reply
      .code(existing.statusCode!)
      .header('idempotent-replayed', 'true')
      .type(existing.statusCode! >= 400 ? 'application/problem+json' : 'application/json')
      .send(existing.responseBody);
  }

  function stillRunning(reply: FastifyReply, existing: IdempotencyRow) {
    const left = existing.lockedUntil ? existing.lockedUntil.getTime() - opts.clock.now().getTime() : 0;
    reply.header('retry-after', String(Math.max(1, Math.ceil(left / 1000))));
    return sendProblem(
      reply,
      409,
      'a request with this Idempotency-Key is still being processed; retry shortly (if it was cut off, the key is free again once Retry-After has passed)',
    );
  }

  app.addHook('preHandler', async (request, reply) => {
    const key = request.headers['idempotency-key'];
    if (request.method !== 'POST' || key === undefined) return;
    const owner = idempotencyOwner(request.actor);
    if (!owner) return;
    if (typeof key !== 'string' || !KEY_PATTERN.test(key))
      throw new HttpProblem(400, 'Idempotency-Key must be 1–255 visible ASCII characters', [
        { path: 'header.idempotency-key', message: 'must be 1–255 visible ASCII characters' },
      ]);
    const path = request.url.split('?')[0] ?? request.url;
    const seed = requestSeed(request.method, request.url);
    const body: unknown = request.body;
    const streamed = body instanceof Readable ? body : null;
    let requestHash = streamed ? null : idempotencyRequestHash(request.method, request.url, body);
    const claim = await claimIdempotencyKey(opts.db, {
      owner,
      key,
      method: request.method,
      path,
      requestHash,
      now: opts.clock.now(),
      lockedUntil: leaseEnd(),
    });
    if (claim.claimed) {
      if (claim.takenOver)
        request.log.warn('an Idempotency-Key claim whose request did not finish was taken over by its retry');
      const timer = setInterval(() => {
        renewIdempotencyKey(opts.db, owner, key, leaseEnd()).catch((err: unknown) =>
          request.log.warn({ err }, 'could not renew an Idempotency-Key claim'),
        );
      }, leaseMs / 3);
      timer.unref();
      let streamHash: Claim['streamHash'] = null;
      if (streamed) {
        const hashing = hashingStream(streamed, seed);
        request.body = hashing.stream;
        streamHash = hashing.digest;
      }
      request.idempotency = { owner, key, timer, streamHash };
      return;
    }
    const { existing } = claim;
    if (existing.statusCode === null || existing.responseBody === null) {
      streamed?.resume();
      // A JSON request names its difference at once; a stream's hash is not known while it runs.
      if (requestHash && existing.requestHash && existing.requestHash !== requestHash)
        return sendProblem(reply, 422, 'this Idempotency-Key was already used for a different request');
      return stillRunning(reply, existing);
    }
    if (streamed)
      requestHash = await hashWholeStream(
        streamed,
        seed,
        'nothing was run; the answer to this key is stored for a body within the limit',
      );
    if (existing.requestHash !== requestHash)
      return sendProblem(reply, 422, 'this Idempotency-Key was already used for a different request');
    return replay(reply, existing);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotency;
    if (!claim) return payload;
    request.idempotency = null;
    clearInterval(claim.timer);
    const requestHash = claim.streamHash ? await claim.streamHash() : undefined;
    // A server error may be retried with the same key, and so may a body that could not be read
    // whole (too large: nothing ran); anything else is the answer for good.
    if (reply.statusCode >= 500 || requestHash === null)
      await releaseIdempotencyKey(opts.db, claim.owner, claim.key);
    else
      await completeIdempotencyKey(opts.db, claim.owner, claim.key, {
        statusCode: reply.statusCode,
        responseBody: typeof payload === 'string' ? payload : JSON.stringify(payload ?? null),
        requestHash,
      });
    return payload;
  });
  // Belt and braces: whatever way a request ends, its claim stops being renewed. (A client that goes
  // away does not end it: the command still runs, and its answer is stored for the retry.)
  app.addHook('onResponse', (request, _reply, done) => {
    stopRenewing(request);
    done();
  });
});
