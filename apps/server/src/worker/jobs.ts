import {
  autoOpenScheduled,
  rmdWatchScheduled,
  type RmdExport,
  DEFAULT_LEGAL_REMINDER_DAYS,
  sendLegalReminders,
  DEFAULT_AUDIT_HEAD_MINUTES,
  publishAuditHeadIfDue,
  refreshScorecardsIfStale,
  openedBy,
  sweepOverdueHops,
  sweepScheduledNotices,
  sweepSessions,
  systemActor,
  retainedFrom,
  type CampaignDetection,
  type CoreSettings,
  type Clock,
} from '@hoptrace/core';
import { dropCallPartitionsBefore, errorSummary, type Db } from '@hoptrace/db';
import { dispatchOnce, type DispatcherOptions } from './dispatcher';

export interface JobContext {
  db: Db;
  clock: Clock;
  dispatcher: DispatcherOptions;
  settings?: CoreSettings;
  /** Campaign detection over arriving call records (absent: the job does nothing). */
  detection?: CampaignDetection;
  /** RMD watch (HOPTRACE_RMD_SOURCE, decision 0032): where the export is read from and how often. */
  rmdWatch?: { everyHours: number; read: () => Promise<RmdExport>; source: string };
  /** The worker's log (a job that publishes something says it here). */
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

/**
 * Background work as typed data: one registry, each job with a fixed id and
 * interval. Every handler is safe to run twice and to run in several workers at
 * once (claims use SKIP LOCKED or leases; commands re-check state under a lock).
 */
export interface JobDefinition {
  id: string;
  everyMs: number;
  /**
   * A sweep keeps deadlines and notices moving: `/api/v1/ready` says a worker is not ready when one
   * has not succeeded for a while (decision 0021).
   */
  sweep?: boolean;
  run(ctx: JobContext): Promise<number>;
}

export const JOBS: readonly JobDefinition[] = [
  {
    id: 'notices.reminders-and-escalations',
    everyMs: 15_000,
    sweep: true,
    run: (ctx) => sweepScheduledNotices({ db: ctx.db, clock: ctx.clock, actor: systemActor('clock') }),
  },
  {
    id: 'hops.mark-non-responsive',
    everyMs: 15_000,
    sweep: true,
    run: (ctx) =>
      sweepOverdueHops({ db: ctx.db, clock: ctx.clock, actor: systemActor('clock'), settings: ctx.settings }),
  },
  {
    id: 'campaigns.detect',
    everyMs: 2_000,
    async run(ctx) {
      // Every waiting batch, then consolidation of clusters that turned out to be one. The detector's
      // state is saved at most once a minute, and when the worker stops.
      if (!ctx.detection) return 0;
      return (await ctx.detection.runToCompletion(undefined, { flush: false })).calls;
    },
  },
  {
    id: 'campaigns.auto-open',
    everyMs: 60_000,
    // Once per policy period (`everyMinutes`) while the policy is on: tracebacks for the top campaigns
    // (each period claimed by one worker).
    run: async (ctx) =>
      openedBy(
        await autoOpenScheduled({
          db: ctx.db,
          clock: ctx.clock,
          actor: systemActor('campaigns'),
          // The worker's settings, as for a traceback opened by hand: the STIR/SHAKEN verifier (the
          // representative call's Identity header is verified and its signer asked), the reminder
          // schedule, the observer. Until decision 0041 only the observer was passed, so an
          // automatically opened traceback never asked the signer.
          settings: ctx.settings,
        }),
      ),
  },
  {
    id: 'cooperation.scorecards',
    everyMs: 60_000,
    // The scorecard table's figures, recomputed when older than five minutes (decision 0027).
    run: (ctx) =>
      refreshScorecardsIfStale({ db: ctx.db, clock: ctx.clock, actor: systemActor('scorecards') }),
  },
  {
    id: 'auth.sessions-sweep',
    everyMs: 600_000,
    // Sessions past their absolute end or idle timeout, and expired sign-in challenges (decision 0020).
    run: (ctx) => sweepSessions({ db: ctx.db, clock: ctx.clock, settings: ctx.settings }),
  },
  {
    id: 'calls.retention',
    everyMs: 3_600_000,
    async run(ctx) {
      const from = retainedFrom({ clock: ctx.clock, settings: ctx.settings });
      return from
        ? (await dropCallPartitionsBefore(ctx.db, from, { actor: 'system:retention', at: ctx.clock.now() }))
            .length
        : 0;
    },
  },
  {
    id: 'audit.publish-head',
    everyMs: 60_000,
    // The audit ledger's head, published every HOPTRACE_AUDIT_HEAD_MINUTES (default 60) when it moved:
    // kept in audit_published_heads (served at /api/v1/public/audit-head) and written to the log, so
    // copies live outside the database and a rewritten chain shows (decision 0024).
    async run(ctx) {
      const everyMs = (ctx.settings?.auditHeadMinutes ?? DEFAULT_AUDIT_HEAD_MINUTES) * 60_000;
      const head = await publishAuditHeadIfDue({ db: ctx.db, clock: ctx.clock, everyMs });
      if (!head?.fresh) return 0;
      ctx.log?.('audit ledger head published', { seq: head.seq, hash: head.hash });
      return 1;
    },
  },
  {
    id: 'legal.reminders',
    everyMs: 300_000,
    // Emails to admins and analysts N days before a subpoena's or CID's due date (decision 0029); each
    // reminder once, by its dedupe key, however often this runs and in however many workers.
    run: (ctx) =>
      sendLegalReminders({
        db: ctx.db,
        clock: ctx.clock,
        days: ctx.settings?.legalReminderDays ?? DEFAULT_LEGAL_REMINDER_DAYS,
      }),
  },
  {
    id: 'rmd.watch',
    everyMs: 300_000,
    // Once per HOPTRACE_RMD_EVERY_HOURS period (claimed by one worker): the RMD export re-imported from
    // HOPTRACE_RMD_SOURCE when it changed, then downstream providers told of upstreams outside the RMD.
    async run(ctx) {
      const watch = ctx.rmdWatch;
      if (!watch) return 0;
      const result = await rmdWatchScheduled({
        db: ctx.db,
        clock: ctx.clock,
        actor: systemActor('rmd-watch'),
        everyHours: watch.everyHours,
        read: watch.read,
      });
      if (!result) return 0;
      if (result.status === 'unchanged') {
        ctx.log?.('RMD export unchanged; nothing imported', { source: watch.source });
        return 0;
      }
      const s = result.import!.stats;
      ctx.log?.('RMD export imported', {
        source: watch.source,
        added: s.added,
        changed: s.changed,
        removed: s.removed,
        alertEmails: result.alerts?.emails ?? 0,
        alertWebhooks: result.alerts?.webhooks ?? 0,
      });
      return s.added + s.changed + s.removed;
    },
  },
  {
    id: 'outbox.dispatch',
    everyMs: 1_000,
    sweep: true,
    async run(ctx) {
      // Drain while there is work, so a burst of notices leaves in one tick.
      let total = 0;
      for (;;) {
        const r = await dispatchOnce(ctx.dispatcher);
        total += r.claimed;
        if (r.claimed === 0 || r.failed === r.claimed) return total;
      }
    },
  },
];

export interface RunningWorker {
  stop(): Promise<void>;
  /** Runs every job once now (tests, and the CLI's one-shot mode). */
  tick(): Promise<void>;
  /** When the worker started and when each job last succeeded (by the worker's clock), for readiness. */
  status(): WorkerStatus;
}

export interface WorkerStatus {
  startedAt: Date;
  jobs: Array<{ id: string; sweep: boolean; lastSuccessAt: Date | null; lastError: string | null }>;
}

/** Told of every job run (the server's metrics). */
export interface JobObserver {
  jobRun(job: string, seconds: number, ok: boolean): void;
  jobSucceededAt(job: string, at: Date): void;
}

export function startWorker(
  ctx: JobContext,
  opts: {
    jobs?: readonly JobDefinition[];
    log?: (msg: string, extra?: Record<string, unknown>) => void;
    observer?: JobObserver;
  } = {},
): RunningWorker {
  const jobs = opts.jobs ?? JOBS;
  const running = new Map<string, Promise<void>>();
  const startedAt = ctx.clock.now();
  const state = new Map(
    jobs.map((j) => [j.id, { lastSuccessAt: null as Date | null, lastError: null as string | null }]),
  );
  const timers: NodeJS.Timeout[] = [];
  let stopped = false;
  const runJob = (job: JobDefinition): Promise<void> => {
    const current = running.get(job.id);
    if (current) return current;
    const began = performance.now();
    const s = state.get(job.id)!;
    const p = job
      .run(ctx.log || !opts.log ? ctx : { ...ctx, log: opts.log })
      .then(() => {
        const at = ctx.clock.now();
        s.lastSuccessAt = at;
        s.lastError = null;
        opts.observer?.jobRun(job.id, (performance.now() - began) / 1000, true);
        opts.observer?.jobSucceededAt(job.id, at);
      })
      .catch((err: unknown) => {
        // errorSummary: a failed write's parameters (customer details, hashes) stay out of the log.
        const message = errorSummary(err);
        s.lastError = message;
        opts.observer?.jobRun(job.id, (performance.now() - began) / 1000, false);
        opts.log?.(`job ${job.id} failed`, { err: message });
      })
      .finally(() => running.delete(job.id));
    running.set(job.id, p);
    return p;
  };
  for (const job of jobs) {
    const t = setInterval(() => {
      if (!stopped) void runJob(job);
    }, job.everyMs);
    t.unref();
    timers.push(t);
  }
  return {
    status: () => ({
      startedAt,
      jobs: jobs.map((j) => ({ id: j.id, sweep: j.sweep === true, ...state.get(j.id)! })),
    }),
    async tick() {
      for (const job of jobs) await runJob(job);
    },
    async stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      await Promise.all(running.values());
      await ctx.detection
        ?.flush()
        .catch((err: unknown) =>
          opts.log?.('saving the campaign detector failed', { err: errorSummary(err) }),
        );
    },
  };
}
