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
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    () => ({ status: 'ok' as const }),
  );
}
