// Plain JavaScript: worker threads do not inherit tsx's loader on Node 20.
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

// Runs in its own thread so the load generator does not share the server's event loop.
const job = workerData;
const agent = new http.Agent({
  keepAlive: true,
  maxSockets: job.rate ? (job.maxConnections ?? 512) : job.concurrency,
});
const latencies = [];
/** Open loop: how late each request left against its arrival time (the generator's own delay). */
const lateness = [];
let errors = 0;
let next = 0;

/**
 * Sends request i; its latency runs from `from` (when it was due, for an open-loop run) to the
 * end of the response, and is counted unless `counted` is false.
 */
function one(i, from, counted = true) {
  const req = job.requests[i];
  return new Promise((resolve) => {
    const t0 = from ?? performance.now();
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
          if (counted) latencies.push(performance.now() - t0);
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

/** Closed loop: `concurrency` connections, each sending its next request when the last is answered. */
async function closedLoop() {
  async function lane() {
    while (next < job.requests.length) await one(next++);
  }
  await Promise.all(Array.from({ length: job.concurrency }, lane));
}

/**
 * Open loop: requests arrive at `rate` a second as a Poisson process (seeded, so every run offers
 * the same arrivals) whether or not earlier ones were answered, as independent providers' agents
 * would send them. Latency counts from each request's arrival time, so a server that falls behind
 * is charged for the wait (no coordinated omission). The arrivals of the first `rampSeconds` are
 * sent but not counted, as wrk2 does: a fresh generator opens its connections and compiles its own
 * code then, which is its cold start, not the server's.
 */
async function openLoop(start) {
  let seed = 0x9e3779b9;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let due = start;
  const pending = [];
  for (let i = 0; i < job.requests.length; i++) {
    due += (-Math.log(1 - random()) * 1000) / job.rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    // Sent a little early (timers are coarse) it counts from when it left; late, from when it was due.
    const now = performance.now();
    const counted = due - start >= job.rampSeconds * 1000;
    if (counted) lateness.push(Math.max(0, now - due));
    pending.push(one(i, Math.min(due, now), counted));
  }
  await Promise.all(pending);
}

const start = performance.now();
await (job.rate ? openLoop(start) : closedLoop());
const seconds = (performance.now() - start) / 1000;
agent.destroy();
parentPort?.postMessage({ seconds, latencies, errors, lateness });
