import { Worker } from 'node:worker_threads';

export interface LoadResult {
  requests: number;
  errors: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** Open loop: how late the generator sent requests against their arrival times (p99, max; ms). */
  lateP99?: number;
  lateMax?: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Sends the requests from a worker thread, latencies in ms: closed loop with `concurrency`
 * keep-alive connections, or, given `rate`, open loop at that many requests a second
 * (Poisson arrivals, latency from arrival; `concurrency` is then unused).
 */
export function runLoad(job: {
  port: number;
  concurrency: number;
  rate?: number;
  /** Open loop: the arrivals of the first seconds are sent but not counted (the generator's own warm-up). */
  rampSeconds?: number;
  requests: Array<{ method: string; path: string; body?: string; headers?: Record<string, string> }>;
}): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    // The worker is TypeScript too: load it through tsx like the rest.
    const worker = new Worker(new URL('./loadWorker.js', import.meta.url), { workerData: job });
    worker.once('error', reject);
    worker.once(
      'message',
      (m: { seconds: number; latencies: number[]; errors: number; lateness: number[] }) => {
        const sorted = [...m.latencies].sort((a, b) => a - b);
        const late = [...m.lateness].sort((a, b) => a - b);
        resolve({
          requests: m.latencies.length,
          errors: m.errors,
          perSecond: job.requests.length / m.seconds,
          p50: percentile(sorted, 50),
          p99: percentile(sorted, 99),
          ...(late.length ? { lateP99: percentile(late, 99), lateMax: late[late.length - 1]! } : {}),
        });
        void worker.terminate();
      },
    );
  });
}
