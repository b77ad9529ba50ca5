import type { Clock, CoreObserver } from '@hoptrace/core';
import { readOpsGauges, type Db, type EventInsert, type OpsGauges } from '@hoptrace/db';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's Prometheus metrics (decision 0021), served at `GET /metrics`. Counters count what this
 * process did (sum them over processes); gauges read from the database at scrape (hops overdue, the
 * outbox, detection's backlog) are the same in every process of a deployment (take their max). Labels
 * are closed sets (route patterns, channels, outcomes, job ids): never a raw URL, id or address.
 */
export interface Metrics {
  registry: Registry;
  /** Handed to the core (CoreSettings.observer): counts what commands committed. */
  observer: CoreObserver;
  request(method: string, route: string, status: number, seconds: number): void;
  jobRun(job: string, seconds: number, ok: boolean): void;
  jobSucceededAt(job: string, at: Date): void;
  notice(channel: string, result: 'sent' | 'retry' | 'dead'): void;
  /** Where the gauges read at scrape come from; set once the database is open. */
  attach(sources: MetricsSources): void;
}

export interface MetricsSources {
  db: Db;
  clock: Clock;
  /** PostgreSQL's pool (null on PGlite). */
  poolStats?: (() => { total: number; idle: number; waiting: number } | null) | undefined;
}

export const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const JOB_BUCKETS = [0.001, 0.005, 0.025, 0.1, 0.5, 1, 5, 15, 60, 300];

export function createMetrics(opts: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const requestDuration = new Histogram({
    name: 'hoptrace_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: REQUEST_BUCKETS,
    registers,
  });
  const hopAnswers = new Counter({
    name: 'hoptrace_hop_answers_total',
    help: 'Hop answers committed, by the channel they came through (portal, api, link, bulk, agent, staff)',
    labelNames: ['channel'] as const,
    registers,
  });
  const opened = new Counter({
    name: 'hoptrace_tracebacks_opened_total',
    help: 'Tracebacks opened, by kind (trace, forward)',
    labelNames: ['kind'] as const,
    registers,
  });
  const closed = new Counter({
    name: 'hoptrace_tracebacks_closed_total',
    help: 'Tracebacks closed, by outcome',
    labelNames: ['outcome'] as const,
    registers,
  });
  const nonResponsive = new Counter({
    name: 'hoptrace_hops_non_responsive_total',
    help: 'Hops marked non-responsive at their deadline',
    registers,
  });
  const callsIngested = new Counter({
    name: 'hoptrace_calls_ingested_total',
    help: 'Call records stored (new records; ones already known are not counted)',
    registers,
  });
  const notices = new Counter({
    name: 'hoptrace_notices_sent_total',
    help: 'Notices delivered, by channel',
    labelNames: ['channel'] as const,
    registers,
  });
  const noticeFailures = new Counter({
    name: 'hoptrace_notice_failures_total',
    help: 'Notice deliveries that failed, by channel; final="true" when the notice was given up',
    labelNames: ['channel', 'final'] as const,
    registers,
  });
  const jobRuns = new Counter({
    name: 'hoptrace_worker_job_runs_total',
    help: 'Worker job runs, by job and result (ok, error)',
    labelNames: ['job', 'result'] as const,
    registers,
  });
  const jobDuration = new Histogram({
    name: 'hoptrace_worker_job_duration_seconds',
    help: 'How long worker job runs take, by job',
    labelNames: ['job'] as const,
    buckets: JOB_BUCKETS,
    registers,
  });
  const jobLastSuccess = new Gauge({
    name: 'hoptrace_worker_job_last_success_timestamp_seconds',
    help: 'When each worker job last ran without error (Unix time)',
    labelNames: ['job'] as const,
    registers,
  });
  const scrapeErrors = new Counter({
    name: 'hoptrace_metrics_database_errors_total',
    help: 'Scrapes whose database gauges could not be read (they keep their last values)',
    registers,
  });

  let sources: MetricsSources | null = null;
  // A scrape asks every gauge at once (prom-client collects them side by side): they share one read.
  let inFlight: Promise<OpsGauges | null> | null = null;
  const gauges = (): Promise<OpsGauges | null> => {
    if (!sources) return Promise.resolve(null);
    const { db, clock } = sources;
    inFlight ??= readOpsGauges(db, clock.now())
      .catch(() => {
        scrapeErrors.inc();
        return null;
      })
      .finally(() => (inFlight = null));
    return inFlight;
  };
  const ageSeconds = (at: Date | null) =>
    at && sources ? Math.max(0, (sources.clock.now().getTime() - at.getTime()) / 1000) : 0;
  const fromDb = (name: string, help: string, value: (g: OpsGauges) => number) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        const g = await gauges();
        if (g) this.set(value(g));
      },
    });
  fromDb(
    'hoptrace_hops_overdue',
    'Pending hops past their deadline, not yet marked non-responsive (deployment-wide)',
    (g) => g.hopsOverdue,
  );
  fromDb('hoptrace_outbox_pending', 'Notices waiting to be sent (deployment-wide)', (g) => g.outboxPending);
  fromDb(
    'hoptrace_outbox_oldest_pending_age_seconds',
    'Age of the oldest notice waiting to be sent; 0 when none waits',
    (g) => ageSeconds(g.outboxOldestPendingAt),
  );
  fromDb(
    'hoptrace_detection_pending_batches',
    'Call batches stored but not yet through campaign detection (deployment-wide)',
    (g) => g.detectionPendingBatches,
  );
  fromDb(
    'hoptrace_detection_lag_seconds',
    'Age of the oldest call batch waiting for campaign detection; 0 when detection has caught up',
    (g) => ageSeconds(g.detectionOldestBatchAt),
  );
  new Gauge({
    name: 'hoptrace_db_pool_connections',
    help: "Connections of this process's PostgreSQL pool, by state (open, idle)",
    labelNames: ['state'] as const,
    registers,
    collect() {
      const s = sources?.poolStats?.();
      if (!s) return;
      this.set({ state: 'open' }, s.total);
      this.set({ state: 'idle' }, s.idle);
    },
  });
  new Gauge({
    name: 'hoptrace_db_pool_waiting',
    help: 'Queries of this process waiting for a PostgreSQL connection',
    registers,
    collect() {
      const s = sources?.poolStats?.();
      if (s) this.set(s.waiting);
    },
  });

  const committed = (events: readonly EventInsert[]) => {
    for (const e of events) {
      const data = e.data ?? {};
      switch (e.type) {
        case 'hop.answered':
          hopAnswers.inc({ channel: typeof data.via === 'string' ? data.via : 'unknown' });
          break;
        case 'traceback.opened':
          opened.inc({ kind: data.forward ? 'forward' : 'trace' });
          break;
        case 'traceback.closed':
          closed.inc({ outcome: typeof data.outcome === 'string' ? data.outcome : 'unknown' });
          break;
        case 'hop.non_responsive':
          nonResponsive.inc();
          break;
      }
    }
  };

  return {
    registry,
    observer: { committed, callsIngested: (n) => callsIngested.inc(n) },
    request: (method, route, status, seconds) =>
      requestDuration.observe({ method, route, status: String(status) }, seconds),
    jobRun(job, seconds, ok) {
      jobRuns.inc({ job, result: ok ? 'ok' : 'error' });
      jobDuration.observe({ job }, seconds);
    },
    jobSucceededAt: (job, at) => jobLastSuccess.set({ job }, at.getTime() / 1000),
    notice(channel, result) {
      if (result === 'sent') notices.inc({ channel });
      else noticeFailures.inc({ channel, final: result === 'dead' ? 'true' : 'false' });
    },
    attach(s) {
      sources = s;
    },
  };
}
