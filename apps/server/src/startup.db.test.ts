import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { configFromEnv, startServer, type RunningServer } from './server';

/**
 * A GET from a worker thread: a client with an event loop of its own, as a browser or `curl` would be
 * (a client in this thread would itself wait for the turns the loading server gives).
 */
function getJson(url: string): Promise<unknown> {
  const worker = new Worker(
    `const { get } = require('node:http'); const { parentPort, workerData } = require('node:worker_threads');
     get(workerData, (res) => { let b = ''; res.setEncoding('utf8'); res.on('data', (c) => (b += c));
       res.on('end', () => parentPort.postMessage(JSON.parse(b))); }).on('error', (e) => parentPort.postMessage({ error: String(e) }));`,
    { eval: true, workerData: url },
  );
  return new Promise((resolve, reject) => {
    worker.once('message', (m) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

// `hoptrace start` on a new embedded database: the server listens before the demo is loaded, says so
// on its health check, and answers requests that need the database once the load is done.
describe('start-up with the demo', { timeout: 120_000 }, () => {
  let server: RunningServer | undefined;
  afterAll(() => server?.close());

  it('listens first and says the demo is loading, then serves it', async () => {
    const lines: string[] = [];
    let during: Promise<unknown> | undefined;
    server = await startServer(
      {
        ...configFromEnv({}),
        port: 0,
        host: '127.0.0.1',
        dataDir: 'memory://',
        role: 'web',
        logLevel: 'warn',
        adminEmail: 'root@hoptrace.test',
        adminPassword: 'root-password-0123',
        demo: true,
        demoSize: { tracebacks: 20, honeypotCalls: 300 },
      },
      (line) => {
        lines.push(line);
        const up = /^hoptrace is up at (\S+)/.exec(line);
        // Asked the moment the server says it is up, before the demo is loaded.
        if (up) during = getJson(`${up[1]}/api/v1/health`);
      },
    );
    expect(await during).toEqual({ status: 'ok', demo: 'loading' });
    const up = lines.findIndex((l) => l.startsWith('hoptrace is up at'));
    const loaded = lines.findIndex((l) => l.startsWith('Loaded the demo history'));
    expect(up).toBeGreaterThanOrEqual(0);
    expect(loaded, lines.join('\n')).toBeGreaterThan(up);
    expect(lines.some((l) => /demo: \d+ of \d+ tracebacks played/.test(l))).toBe(true);

    const health = await fetch(`${server.url}/api/v1/health`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'root@hoptrace.test', password: 'root-password-0123' }),
    });
    expect(login.status).toBe(200);
  });
});
