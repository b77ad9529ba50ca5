import { z } from 'zod';
import { typed, type App } from '../context';
import { sendProblem } from '../plugins/problems';
import { checkReadiness } from '../ops/ready';

const ZReadyCheck = z.string().describe('ok, or what is wrong');

export default function healthRoutes(app: App) {
  typed(app).get(
    '/health',
    {
      config: { public: true },
      schema: {
        operationId: 'getHealth',
        tags: ['system'],
        summary: 'Liveness',
        description:
          'The process is up and answers HTTP, without touching the database (ask `/ready` for that). `demo: "loading"` while a first `hoptrace start` fills a new embedded database with the demo (requests that need the database wait for it).',
        response: { 200: z.object({ status: z.literal('ok'), demo: z.literal('loading').optional() }) },
      },
    },
    () =>
      app.startup.demo === 'loading'
        ? { status: 'ok' as const, demo: 'loading' as const }
        : { status: 'ok' as const },
  );

  typed(app).get(
    '/ready',
    {
      config: { public: true },
      schema: {
        operationId: 'getReadiness',
        tags: ['system'],
        summary: 'Readiness',
        description:
          'Whether this process can serve: the database answers and has every migration this version ships, and in a process that runs the worker, its sweeps (reminders and escalations, overdue hops, the outbox) succeeded within HOPTRACE_READY_SWEEP_MAX_AGE_S (default 120 s). 503 problem+json saying why otherwise.',
        response: {
          200: z.object({
            status: z.literal('ready'),
            checks: z.object({ database: ZReadyCheck, migrations: ZReadyCheck, worker: ZReadyCheck }),
          }),
        },
      },
    },
    async (request, reply) => {
      const r = await checkReadiness(app.db, app.clock, {
        ...app.readiness,
        log: (msg, extra) => request.log.warn(extra ?? {}, msg),
      });
      if (!r.ready)
        return sendProblem(
          reply.header('cache-control', 'no-store'),
          503,
          `not ready: ${r.reasons.join('; ')}`,
        );
      reply.header('cache-control', 'no-store');
      return { status: 'ready' as const, checks: r.checks };
    },
  );
}
