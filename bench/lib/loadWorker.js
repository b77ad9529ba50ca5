// Plain JavaScript: worker threads do not inherit tsx's loader on Node 20.
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

// Runs in its own thread so the load generator does not share the server's event loop.
const job = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
const latencies = [];
let errors = 0;
let next = 0;

function one(i) {
  const req = job.requests[i];
  return new Promise((resolve) => {
    const t0 = performance.now();
    const r = http.request(
      {
        host: '127.0.0.1',
        port: job.port,
        method: req.method,
        path: req.path,
        agent,
        headers: { 'content-type': 'application/json', ...req.headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - t0);
          if ((res.statusCode ?? 500) >= 400) errors++;
          resolve();
        });
      },
    );
    r.on('error', () => {
      errors++;
      resolve();
    });
    r.end(req.body);
  });
}

async function lane() {
  while (next < job.requests.length) await one(next++);
}

const start = performance.now();
await Promise.all(Array.from({ length: job.concurrency }, lane));
const seconds = (performance.now() - start) / 1000;
agent.destroy();
parentPort?.postMessage({ seconds, latencies, errors });
