import {
  autoOpenScheduled,
  openedBy,
  sweepOverdueHops,
  sweepScheduledNotices,
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
}

/**
 * Background work as typed data: one registry, each job with a fixed id and
 * interval. Every handler is safe to run twice and to run in several workers at
 * once (claims use SKIP LOCKED or leases; commands re-check state under a lock).
 */
export interface JobDefinition {
  id: string;
  everyMs: number;
  run(ctx: JobContext): Promise<number>;
}

export const JOBS: readonly JobDefinition[] = [
  {
    id: 'notices.reminders-and-escalations',
    everyMs: 15_000,
    run: (ctx) => sweepScheduledNotices({ db: ctx.db, clock: ctx.clock, actor: systemActor('clock') }),
  },
  {
    id: 'hops.mark-non-responsive',
    everyMs: 15_000,
    run: (ctx) => sweepOverdueHops({ db: ctx.db, clock: ctx.clock, actor: systemActor('clock') }),
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
      openedBy(await autoOpenScheduled({ db: ctx.db, clock: ctx.clock, actor: systemActor('campaigns') })),
  },
  {
    id: 'calls.retention',
    everyMs: 3_600_000,
    async run(ctx) {
      const from = retainedFrom({ clock: ctx.clock, settings: ctx.settings });
      return from ? (await dropCallPartitionsBefore(ctx.db, from)).length : 0;
    },
  },
  {
    id: 'outbox.dispatch',
    everyMs: 1_000,
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
}

export function startWorker(
  ctx: JobContext,
  opts: {
    jobs?: readonly JobDefinition[];
    log?: (msg: string, extra?: Record<string, unknown>) => void;
  } = {},
): RunningWorker {
  const jobs = opts.jobs ?? JOBS;
  const running = new Map<string, Promise<void>>();
  const timers: NodeJS.Timeout[] = [];
  let stopped = false;
  const runJob = (job: JobDefinition): Promise<void> => {
    const current = running.get(job.id);
    if (current) return current;
    const p = job
      .run(ctx)
      .then(() => undefined)
      // errorSummary: a failed write's parameters (customer details, hashes) stay out of the log.
      .catch((err: unknown) => opts.log?.(`job ${job.id} failed`, { err: errorSummary(err) }))
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
