import type { Clock } from '@hoptrace/core';
import { migrationStatus, pingDatabase, type Db } from '@hoptrace/db';
import type { WorkerStatus } from '../worker/jobs';

/** A sweep that has not succeeded for this long makes a worker not ready (HOPTRACE_READY_SWEEP_MAX_AGE_S). */
export const DEFAULT_SWEEP_MAX_AGE_S = 120;
const DATABASE_TIMEOUT_MS = 3_000;

export interface ReadinessOptions {
  /** The worker of this process, if it runs one (role worker or all). */
  worker?: (() => WorkerStatus | null) | undefined;
  sweepMaxAgeSeconds?: number | undefined;
  log?: ((msg: string, extra?: Record<string, unknown>) => void) | undefined;
}

export interface Readiness {
  ready: boolean;
  checks: { database: string; migrations: string; worker: string };
  /** Why not, one sentence each. */
  reasons: string[];
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Whether this process can serve (`GET /api/v1/ready`, decision 0021): its database answers, has every
 * migration this code ships, and, in a process that runs the worker, every sweep (reminders and
 * escalations, overdue hops, the outbox) succeeded within `sweepMaxAgeSeconds` by the worker's clock.
 */
export async function checkReadiness(db: Db, clock: Clock, opts: ReadinessOptions = {}): Promise<Readiness> {
  const reasons: string[] = [];
  const checks: Readiness['checks'] = { database: 'ok', migrations: 'ok', worker: 'not run here' };
  try {
    await withTimeout(pingDatabase(db), DATABASE_TIMEOUT_MS, 'the database');
    const m = await withTimeout(migrationStatus(db), DATABASE_TIMEOUT_MS, 'the database');
    if (m.pending.length) {
      checks.migrations = `${m.applied} of ${m.shipped} applied`;
      reasons.push(
        `the database lacks ${m.pending.length} migration${m.pending.length === 1 ? '' : 's'} (${m.pending.join(', ')}): run \`hoptrace migrate\` or restart a process`,
      );
    }
  } catch (err) {
    checks.database = 'unreachable';
    checks.migrations = 'unknown';
    // The driver's words (addresses, names) stay in the log: this answer is public.
    opts.log?.('readiness: database check failed', { err: message(err) });
    reasons.push('the database is unreachable or did not answer within 3 s');
  }
  const status = opts.worker?.() ?? null;
  if (status) {
    const maxAge = (opts.sweepMaxAgeSeconds ?? DEFAULT_SWEEP_MAX_AGE_S) * 1000;
    const now = clock.now().getTime();
    const late: string[] = [];
    for (const job of status.jobs.filter((j) => j.sweep)) {
      const since = (job.lastSuccessAt ?? status.startedAt).getTime();
      if (now - since <= maxAge) continue;
      const age = Math.round((now - since) / 1000);
      late.push(
        `${job.id} has not succeeded ${job.lastSuccessAt ? `for ${age} s` : `since the worker started ${age} s ago`}${job.lastError ? ' (its errors are in the log)' : ''}`,
      );
    }
    checks.worker = late.length ? 'sweeps late' : 'ok';
    if (late.length)
      reasons.push(`the worker's sweeps are late (limit ${maxAge / 1000} s): ${late.join('; ')}`);
  }
  return { ready: reasons.length === 0, checks, reasons };
}
