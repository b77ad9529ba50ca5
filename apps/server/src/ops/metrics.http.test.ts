import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { answerHop, ManualClock, systemActor } from '@hoptrace/core';
import type { TTraceback } from '@hoptrace/contracts';
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, expectProblem, type Harness } from '../testing/harness';
import { createEmailTransport } from '../worker/email';
import { JOBS, startWorker, type RunningWorker } from '../worker/jobs';
import { buildApp } from '../app';
import { createMetrics, type Metrics } from './metrics';
import { buildOpsApp } from './routes';

const TOKEN = 'metrics-token-for-tests-0123456789';
const HOUR = 3_600_000;

let h: Harness;
let metrics: Metrics;
let worker: RunningWorker;

beforeAll(async () => {
  metrics = createMetrics();
  h = await createHarness(undefined, { metrics, metricsToken: TOKEN });
  worker = startWorker(
    {
      db: h.db,
      clock: h.clock,
      settings: h.app.settings,
      dispatcher: {
        db: h.db,
        clock: h.clock,
        // Nothing listens there: each email fails and is retried later.
        email: createEmailTransport({ smtpUrl: 'smtp://127.0.0.1:1', mailDir: '/nonexistent' }),
        mailFrom: 'hoptrace <noreply@hoptrace.test>',
        publicUrl: 'https://hoptrace.example',
        webhookPolicy: { allowHttp: true, allowPrivateNetworks: true },
        onResult: (channel, result) => metrics.notice(channel, result),
      },
    },
    // Only the test's ticks run the jobs (their timers would fire in an hour).
    { observer: metrics, jobs: JOBS.map((j) => ({ ...j, everyMs: HOUR })) },
  );
});
afterAll(async () => {
  await worker.stop();
  await h.close();
});

let lastText = '';

/** Scrapes /metrics and parses it with an independent Prometheus text-format parser. */
async function scrape(): Promise<Map<string, ParsedFamily>> {
  const res = await h.anonymous({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  lastText = res.body;
  return new Map(parsePrometheusTextFormat(res.body).map((f) => [f.name, f]));
}

/**
 * The count of one labelled histogram series. parse-prometheus-text-format folds the series of a
 * labelled histogram into one (it keeps only unlabelled histograms apart), so these are read from
 * the `_count` line of the scraped text, labels in the order the exposition writes them.
 */
function histogramCount(name: string, labels: Record<string, string>): number {
  const line = lastText
    .split('\n')
    .find(
      (l) =>
        l.startsWith(`${name}_count{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)),
    );
  expect(line, `${name}_count ${JSON.stringify(labels)}`).toBeDefined();
  return Number(line!.split(' ').pop());
}

function value(
  families: Map<string, ParsedFamily>,
  name: string,
  labels: Record<string, string> = {},
): number {
  const family = families.get(name);
  expect(family, `${name} is exposed`).toBeDefined();
  const sample = family!.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  expect(sample, `${name} ${JSON.stringify(labels)}`).toBeDefined();
  return Number(sample!.value ?? sample!.count);
}

describe('GET /metrics', () => {
  it('is protected: no token, a wrong token or a malformed header get 401 problem+json, never the portal', async () => {
    for (const authorization of [undefined, 'Bearer wrong', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`]) {
      const res = await h.anonymous({
        method: 'GET',
        url: '/metrics',
        headers: authorization ? { authorization } : {},
      });
      expectProblem(res, 401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }
  });

  it('answers 404 problem+json on the public port when no token is configured', async () => {
    // Another app on the same database, with no token configured.
    const bare = await buildApp({ db: h.db, clock: h.clock });
    try {
      const res = await bare.inject({ method: 'GET', url: '/metrics' });
      expectProblem(res, 404);
      expect(res.body).not.toContain('<html');
    } finally {
      await bare.close();
    }
  });

  it('exposes requests by route pattern, answers by channel, tracebacks by outcome, the outbox, the worker, ingest and detection', async () => {
    const before = await scrape();
    const answersBefore = (channel: string) =>
      before.get('hoptrace_hop_answers_total')?.metrics.find((m) => m.labels?.channel === channel)?.value;
    expect(answersBefore('api')).toBeUndefined();

    // A traceback over two providers: the first answers over the API, the second through the core as staff.
    const [a, b, c] = [await h.provider(), await h.provider(), await h.provider()];
    const tb = await h.openTraceback(a.id);
    const hopA = tb.hops[0]!;
    const answered = await a.user.post(`/api/v1/hops/${hopA.id}/answer`, {
      kind: 'upstream',
      upstreamProviderId: b.id,
    });
    expect(answered.statusCode, answered.body).toBe(200);
    const hopB = (await h.analyst.get(`/api/v1/tracebacks/${tb.id}`)).json<TTraceback>().hops[1]!;
    await answerHop({
      db: h.db,
      clock: h.clock,
      actor: systemActor('test'),
      settings: h.app.settings,
      hopId: hopB.id,
      input: { kind: 'origin', customer: { name: 'Fictional Dialer LLC' }, action: 'terminated' },
    });
    // A second traceback whose hop goes overdue, then is marked non-responsive by the worker.
    const late = await h.openTraceback(c.id);
    const due = Date.parse(late.hops[0]!.dueAt);
    h.clock.set(new Date(due + HOUR));
    // Call records, not yet through detection.
    const calls = await h.analyst.post('/api/v1/calls?source=metrics-feed', [
      {
        externalId: 'm-1',
        startedAt: '2026-11-01T15:00:00Z',
        callingNumber: '(312) 555-0101',
        calledNumber: '+1 646 555 0199',
      },
      {
        externalId: 'm-2',
        startedAt: '2026-11-01T15:01:00Z',
        callingNumber: '(312) 555-0102',
        calledNumber: '+1 646 555 0199',
      },
    ]);
    expect(calls.statusCode, calls.body).toBe(200);
    const unknown = await h.analyst.get('/api/v1/tracebacks/00000000-0000-4000-8000-000000000000');
    expect(unknown.statusCode).toBe(404);

    const mid = await scrape();
    expect(value(mid, 'hoptrace_hops_overdue')).toBe(1);
    expect(value(mid, 'hoptrace_detection_pending_batches')).toBe(1);
    expect(value(mid, 'hoptrace_detection_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(value(mid, 'hoptrace_calls_ingested_total')).toBe(2);
    const pending = value(mid, 'hoptrace_outbox_pending');
    expect(pending).toBeGreaterThan(0);
    // The oldest notice was written when the first traceback opened; the clock is now past the deadline.
    expect(value(mid, 'hoptrace_outbox_oldest_pending_age_seconds')).toBeGreaterThan(
      (due - Date.parse(tb.openedAt)) / 1000,
    );

    await worker.tick();
    const after = await scrape();
    expect(value(after, 'hoptrace_hop_answers_total', { channel: 'api' })).toBe(1);
    expect(value(after, 'hoptrace_hop_answers_total', { channel: 'staff' })).toBe(1);
    expect(value(after, 'hoptrace_tracebacks_opened_total', { kind: 'trace' })).toBe(2);
    expect(value(after, 'hoptrace_tracebacks_closed_total', { outcome: 'origin_identified' })).toBe(1);
    expect(value(after, 'hoptrace_tracebacks_closed_total', { outcome: 'non_responsive' })).toBe(1);
    expect(value(after, 'hoptrace_hops_non_responsive_total')).toBe(1);
    expect(value(after, 'hoptrace_hops_overdue')).toBe(0);
    // Every email failed (no SMTP server there): retried, not given up.
    expect(
      value(after, 'hoptrace_notice_failures_total', { channel: 'email', final: 'false' }),
    ).toBeGreaterThan(0);
    expect(value(after, 'hoptrace_outbox_pending')).toBeGreaterThanOrEqual(pending);
    // Detection ran in the tick? Not here (no detector given): the batch still waits.
    expect(value(after, 'hoptrace_detection_pending_batches')).toBe(1);
    for (const job of ['hops.mark-non-responsive', 'outbox.dispatch', 'notices.reminders-and-escalations']) {
      expect(value(after, 'hoptrace_worker_job_runs_total', { job, result: 'ok' })).toBe(1);
      expect(histogramCount('hoptrace_worker_job_duration_seconds', { job })).toBe(1);
      expect(value(after, 'hoptrace_worker_job_last_success_timestamp_seconds', { job })).toBe(
        h.clock.now().getTime() / 1000,
      );
    }

    // Latency by route pattern and status, never by the raw URL.
    expect(after.get('hoptrace_http_request_duration_seconds')?.type).toBe('HISTOGRAM');
    expect(after.get('hoptrace_worker_job_duration_seconds')?.type).toBe('HISTOGRAM');
    for (const [method, route, status, count] of [
      ['POST', '/api/v1/tracebacks', '201', 2],
      ['POST', '/api/v1/hops/:id/answer', '200', 1],
      ['GET', '/api/v1/tracebacks/:id', '200', 1],
      ['GET', '/api/v1/tracebacks/:id', '404', 1],
      ['POST', '/api/v1/calls', '200', 1],
    ] as const)
      expect(histogramCount('hoptrace_http_request_duration_seconds', { method, route, status })).toBe(count);
    const requestLines = lastText.split('\n').filter((l) => l.startsWith('hoptrace_http_request_duration'));
    expect(requestLines.join('\n')).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);
  });

  it('has the Node.js process metrics (event-loop lag) and, on PostgreSQL, the pool', async () => {
    const families = await scrape();
    expect(families.get('nodejs_eventloop_lag_seconds')?.type).toBe('GAUGE');
    expect(families.has('process_resident_memory_bytes')).toBe(true);
    if (process.env.DATABASE_URL) {
      expect(value(families, 'hoptrace_db_pool_connections', { state: 'open' })).toBeGreaterThanOrEqual(1);
      expect(value(families, 'hoptrace_db_pool_waiting')).toBe(0);
    } else expect(families.get('hoptrace_db_pool_connections')?.metrics ?? []).toEqual([]);
  });
});

describe('docs/grafana-dashboard.json', () => {
  it('reads only series that /metrics exposes', async () => {
    const dashboard = readFileSync(
      fileURLToPath(new URL('../../../../docs/grafana-dashboard.json', import.meta.url)),
      'utf8',
    );
    const exprs = (JSON.parse(dashboard) as { panels: Array<{ targets?: Array<{ expr: string }> }> }).panels
      .flatMap((p) => p.targets ?? [])
      .map((t) => t.expr);
    expect(exprs.length).toBeGreaterThan(15);
    const used = new Set(exprs.flatMap((e) => e.match(/\b(?:hoptrace|nodejs|process)_[a-z0-9_]+/g) ?? []));
    const families = await scrape();
    for (const name of used) expect(families.has(name.replace(/_(bucket|count|sum)$/, '')), name).toBe(true);
  });
});

describe('the metrics port', () => {
  it('serves /metrics without a token (it listens on loopback), and health and readiness', async () => {
    const ops = await buildOpsApp({
      db: h.db,
      clock: h.clock,
      metrics: createMetrics({ processMetrics: false }),
      readiness: {},
    });
    try {
      const res = await ops.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(parsePrometheusTextFormat(res.body).map((f) => f.name)).toContain('hoptrace_outbox_pending');
      expect((await ops.inject({ method: 'GET', url: '/api/v1/health' })).json()).toEqual({ status: 'ok' });
      expect((await ops.inject({ method: 'GET', url: '/api/v1/ready' })).statusCode).toBe(200);
      expectProblem(await ops.inject({ method: 'GET', url: '/api/v1/tracebacks' }), 404);
    } finally {
      await ops.close();
    }
    const guarded = await buildOpsApp({
      db: h.db,
      clock: new ManualClock('2026-11-02T15:00:00Z'),
      metrics: createMetrics({ processMetrics: false }),
      token: TOKEN,
      readiness: {},
    });
    try {
      expectProblem(await guarded.inject({ method: 'GET', url: '/metrics' }), 401);
      const ok = await guarded.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(ok.statusCode).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});
