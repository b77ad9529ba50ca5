import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import staticFiles from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { sendProblem } from './problems';

/** Where Vite writes the portal (`apps/web/dist`). */
export const WEB_DIST = fileURLToPath(new URL('../../../web/dist', import.meta.url));

/**
 * Serves the built portal at `/`. Hashed files under /assets are cached for a
 * year; every other GET outside /api answers index.html (never cached), so the
 * portal's own router handles deep links such as /hop/:id. Unknown API paths
 * and missing assets keep the API's problem+json 404.
 */
export default async function web(app: FastifyInstance, opts: { root?: string }) {
  const root = opts.root ?? WEB_DIST;
  const assets = join(root, 'assets');
  await app.register(staticFiles, {
    root: existsSync(assets) ? assets : root,
    prefix: '/assets/',
    index: false,
    // Vite's file names carry a content hash: a changed file is a new URL.
    immutable: true,
    maxAge: '365d',
    preCompressed: true,
  });
  app.get('/*', { schema: { hide: true } }, (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (path === '/api' || path.startsWith('/api/') || path.startsWith('/assets/'))
      return reply.callNotFound();
    if (!existsSync(join(root, 'index.html')))
      return sendProblem(
        reply,
        503,
        'the web portal is not built: `npm start` builds it, or run `npm run build -w @hoptrace/web`',
      );
    return reply
      .header('cache-control', 'no-cache')
      .header('x-robots-tag', 'noindex')
      .sendFile('index.html', root, { cacheControl: false });
  });
}
