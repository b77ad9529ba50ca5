import { HOUR_MS } from './clock';

export interface ReminderSchedule {
  /** Send a reminder this many hours before the due time; each must be > 0. */
  beforeDueHours: number[];
  /** Add an escalation at the due time (the caller cancels it if the hop is answered first). */
  escalateAtDue: boolean;
}

export const DEFAULT_REMINDER_SCHEDULE: ReminderSchedule = { beforeDueHours: [12, 2], escalateAtDue: true };

export interface HopNotice {
  kind: 'reminder' | 'escalation';
  at: Date;
  /** 0 for the escalation. */
  hoursBeforeDue: number;
}

function timeOf(label: string, at: Date): number {
  const t = at.getTime();
  if (Number.isNaN(t)) throw new RangeError(`${label} is an invalid Date`);
  return t;
}

/**
 * The notices to send for one hop, in time order.
 *
 * A reminder that would fall before the request was made is dropped: when an analyst reassigns a hop
 * that is due in 5 hours, a "12 hours left" reminder would be both late and false. The escalation is
 * kept even when the hop is already past due at the request time: an overdue hop must still be escalated,
 * and the caller's scheduler sends past-due notices at once.
 */
export function noticesFor(
  hop: { requestedAt: Date; receivedAt: Date; dueAt: Date },
  schedule: ReminderSchedule = DEFAULT_REMINDER_SCHEDULE,
): HopNotice[] {
  const requested = timeOf('requestedAt', hop.requestedAt);
  const received = timeOf('receivedAt', hop.receivedAt);
  const due = timeOf('dueAt', hop.dueAt);
  if (due < received) throw new RangeError('dueAt is before receivedAt');
  for (const hours of schedule.beforeDueHours) {
    if (!Number.isFinite(hours) || hours <= 0) {
      throw new RangeError(`beforeDueHours must be positive numbers of hours, got ${hours}`);
    }
  }

  // Largest lead first gives time order; duplicates would send the same reminder twice.
  const leads = [...new Set(schedule.beforeDueHours)].sort((a, b) => b - a);
  const notices: HopNotice[] = leads
    .map((hours) => ({
      kind: 'reminder' as const,
      at: new Date(due - hours * HOUR_MS),
      hoursBeforeDue: hours,
    }))
    .filter((notice) => notice.at.getTime() >= requested);
  if (schedule.escalateAtDue) notices.push({ kind: 'escalation', at: new Date(due), hoursBeforeDue: 0 });
  return notices;
}
