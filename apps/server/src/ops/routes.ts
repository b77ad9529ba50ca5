import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '@hoptrace/core';
import type { Db } from '@hoptrace/db';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import problems, { sendProblem } from '../plugins/problems';
import healthRoutes from '../routes/health';
import type { StartupState } from '../app';
import type { Metrics } from './metrics';
import type { ReadinessOptions } from './ready';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * `GET /metrics` (Prometheus text, decision 0021). With a token, only `Authorization: Bearer <token>`
 * gets it (401 otherwise); without one it is served only where `open` (the loopback metrics port), and
 * the public port answers 404 as for any unknown path.
 */
export function metricsRoute(
  app: FastifyInstance,
  opts: { metrics: Metrics; token?: string | undefined; open: boolean },
): void {
  const expected = opts.token ? digest(opts.token) : null;
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!expected) {
      if (!opts.open) return reply.callNotFound();
    } else {
      const header = request.headers.authorization ?? '';
      const given = /^Bearer (.+)$/i.exec(header)?.[1]?.trim() ?? '';
      // Compared as digests: equal lengths, constant time.
      if (!given || !timingSafeEqual(digest(given), expected))
        return sendProblem(
          reply.header('www-authenticate', 'Bearer realm="hoptrace metrics"'),
          401,
          'send Authorization: Bearer with the value of HOPTRACE_METRICS_TOKEN',
        );
    }
    const body = await opts.metrics.registry.metrics();
    return reply.header('cache-control', 'no-store').type(opts.metrics.registry.contentType).send(body);
  });
}

/**
 * The metrics port (`--metrics-port`, HOPTRACE_METRICS_PORT): `/metrics`, `/api/v1/health` and
 * `/api/v1/ready` on their own listener (loopback by default), so a worker-only process can be
 * scraped and probed too, and the public port need not serve metrics at all.
 */
export async function buildOpsApp(opts: {
  db: Db;
  clock: Clock;
  metrics: Metrics;
  token?: string | undefined;
  readiness: ReadinessOptions;
  /** The same start-up state as the public app's (the health check says when the demo is loading). */
  startup?: StartupState;
}): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('db', opts.db);
  app.decorate('clock', opts.clock);
  app.decorate('readiness', opts.readiness);
  app.decorate('startup', opts.startup ?? { demo: 'done' });
  await app.register(problems);
  metricsRoute(app, { metrics: opts.metrics, token: opts.token, open: true });
  await app.register(healthRoutes, { prefix: '/api/v1' });
  return app;
}
