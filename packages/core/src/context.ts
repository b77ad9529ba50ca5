import type { Db, EventInsert } from '@hoptrace/db';
import type { Actor } from './actor';
import type { Clock } from './clock/clock';
import type { ReminderSchedule } from './clock/reminders';
import type { ShakenSettings } from './shaken/port';

/** What every command needs: one options object, so doors call them alike. */
/** Deployment settings that shape what commands do (not who may do it). */
export interface CoreSettings {
  /** When reminders and the escalation go out for a hop (default: 12 h and 2 h before due, escalation at due). */
  reminders?: ReminderSchedule;
  /** STIR/SHAKEN: how Identity headers are verified on open, and whether signer hops open by themselves. */
  shaken?: ShakenSettings;
  /** Call records older than this many days are dropped and refused at import (0 or absent: kept). */
  callRetentionDays?: number;
  /** Told what commands did once it is committed (the server's metrics); never inside a transaction. */
  observer?: CoreObserver;
}

/**
 * What the core tells a deployment after the fact (decision 0021): the timeline events a command
 * committed, and call records stored. Called after the transaction committed, so a rolled-back command
 * is never counted; an observer must not throw (what it throws is ignored).
 */
export interface CoreObserver {
  committed?(events: readonly EventInsert[]): void;
  callsIngested?(count: number): void;
}

/** Hands committed timeline events to the deployment's observer, if any. */
export function observeCommitted(settings: CoreSettings | undefined, events: readonly EventInsert[]): void {
  if (!settings?.observer?.committed || events.length === 0) return;
  try {
    settings.observer.committed(events);
  } catch {
    /* an observer never fails a command */
  }
}

export interface CommandContext {
  db: Db;
  clock: Clock;
  actor: Actor;
  settings?: CoreSettings;
}

/** The PostgreSQL error code behind a driver error (drizzle wraps the driver's error in `cause`). */
export function pgErrorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    if (typeof e === 'object' && 'code' in e && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code))
      return e.code;
    e = typeof e === 'object' && 'cause' in e ? e.cause : undefined;
  }
  return undefined;
}
