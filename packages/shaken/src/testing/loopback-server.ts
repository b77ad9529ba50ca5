import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the loopback server answers on one path. */
export interface Route {
  status?: number;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  /** Accept the request and never answer (an unresponsive x5u host). */
  hang?: boolean;
  /** Stream this many bytes without a Content-Length (to test the size cap while reading). */
  streamBytes?: number;
}

export interface LoopbackServer {
  readonly origin: string;
  url(path: string): string;
  route(path: string, route: Route): void;
  hits(path: string): number;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 with a random port, serving certificates and CRLs to tests. */
export async function startLoopbackServer(): Promise<LoopbackServer> {
  const routes = new Map<string, Route>();
  const counts = new Map<string, number>();
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://loopback').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const route = routes.get(path);
    if (!route) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (route.hang) return;
    if (route.streamBytes !== undefined) {
      response.writeHead(route.status ?? 200, route.headers ?? {});
      const chunk = Buffer.alloc(1024, 0x41);
      let sent = 0;
      const pump = () => {
        while (sent < (route.streamBytes ?? 0)) {
          sent += chunk.length;
          if (!response.write(chunk)) {
            response.once('drain', pump);
            return;
          }
        }
        response.end();
      };
      pump();
      return;
    }
    const body = route.body ?? '';
    response.writeHead(route.status ?? 200, {
      'content-length': String(Buffer.byteLength(body)),
      ...route.headers,
    });
    response.end(body);
  };
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    url: (path) => `${origin}${path}`,
    route: (path, route) => {
      routes.set(path, route);
    },
    hits: (path) => counts.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
