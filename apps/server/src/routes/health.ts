import { z } from 'zod';
import { typed, type App } from '../context';

export default function healthRoutes(app: App) {
  typed(app).get(
    '/health',
    {
      config: { public: true },
      schema: {
        tags: ['system'],
        summary: 'Liveness',
        description:
          'Answers as soon as the process listens, without touching the database. `demo: "loading"` while a first `hoptrace start` fills a new embedded database with the demo (requests that need the database wait for it).',
        response: { 200: z.object({ status: z.literal('ok'), demo: z.literal('loading').optional() }) },
      },
    },
    () =>
      app.startup.demo === 'loading'
        ? { status: 'ok' as const, demo: 'loading' as const }
        : { status: 'ok' as const },
  );
}
