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
  /** Second factor and session timeouts (decision 0020). */
  auth?: AuthSettings;
  /** HOPTRACE_AUDIT_HEAD_MINUTES: how often the worker publishes the audit ledger's head (default 60). */
  auditHeadMinutes?: number;
  /** HOPTRACE_URGENT_HOURS (default 4): an urgent agency request's hops are due this long after they are asked, any hour. */
  urgentHours?: number;
  /** HOPTRACE_LEGAL_REMINDER_DAYS: days before a legal request's due date that staff are reminded (default 7,2). */
  legalReminderDays?: number[];
}

export const DEFAULT_URGENT_HOURS = 4;

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

/** Which roles must have a second factor: `staff` is admins, analysts and enforcement users. */
export const REQUIRE_MFA = ['none', 'staff', 'all'] as const;
export type RequireMfa = (typeof REQUIRE_MFA)[number];

export interface AuthSettings {
  /** HOPTRACE_REQUIRE_MFA (default `none`): who must set up a second factor at their next sign-in. */
  requireMfa?: RequireMfa;
  /** HOPTRACE_SESSION_IDLE_MINUTES (default 60): a session unused this long has ended. */
  sessionIdleMinutes?: number;
  /** HOPTRACE_SESSION_MAX_HOURS (default 12): a session ends this long after sign-in, however used. */
  sessionMaxHours?: number;
  /** HOPTRACE_SECRET_KEY (32 bytes): seals TOTP secrets in the database (AES-256-GCM); absent: kept as is. */
  secretKey?: Buffer | undefined;
}

export const DEFAULT_SESSION_IDLE_MINUTES = 60;
export const DEFAULT_SESSION_MAX_HOURS = 12;

/** The auth settings with their defaults filled in. */
export function authSettingsOf(settings: CoreSettings | undefined) {
  const a = settings?.auth ?? {};
  return {
    requireMfa: a.requireMfa ?? 'none',
    idleMs: (a.sessionIdleMinutes ?? DEFAULT_SESSION_IDLE_MINUTES) * 60_000,
    maxMs: (a.sessionMaxHours ?? DEFAULT_SESSION_MAX_HOURS) * 3_600_000,
    secretKey: a.secretKey,
  } as const;
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
