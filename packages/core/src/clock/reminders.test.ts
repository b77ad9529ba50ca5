import { describe, expect, it } from 'vitest';
import { DEFAULT_BUSINESS_CALENDAR, receiptAndDue } from './businessHours';
import { DEFAULT_REMINDER_SCHEDULE, noticesFor } from './reminders';
import type { ReminderSchedule } from './reminders';

const d = (iso: string): Date => new Date(iso);

/** Notices as [kind, ISO time, hours before due] so cases read as a timeline. */
function timeline(
  hop: { requestedAt: Date; receivedAt: Date; dueAt: Date },
  schedule?: ReminderSchedule,
): Array<[string, string, number]> {
  return noticesFor(hop, schedule).map((n) => [n.kind, n.at.toISOString(), n.hoursBeforeDue]);
}

describe('noticesFor', () => {
  it('default schedule: reminders 12 h and 2 h before due, then escalation at due', () => {
    expect(DEFAULT_REMINDER_SCHEDULE).toEqual({ beforeDueHours: [12, 2], escalateAtDue: true });
    const hop = {
      requestedAt: d('2026-11-17T16:15:00Z'),
      receivedAt: d('2026-11-17T16:15:00Z'),
      dueAt: d('2026-11-18T16:15:00Z'),
    };
    expect(timeline(hop)).toEqual([
      ['reminder', '2026-11-18T04:15:00.000Z', 12],
      ['reminder', '2026-11-18T14:15:00.000Z', 2],
      ['escalation', '2026-11-18T16:15:00.000Z', 0],
    ]);
  });

  it('works from receiptAndDue for a deferred request (Friday evening in Chicago)', () => {
    const requestedAt = d('2026-11-20T18:00:00-06:00');
    const hop = {
      requestedAt,
      ...receiptAndDue(requestedAt, { ...DEFAULT_BUSINESS_CALENDAR, timezone: 'America/Chicago' }),
    };
    expect(timeline(hop)).toEqual([
      ['reminder', '2026-11-24T02:00:00.000Z', 12],
      ['reminder', '2026-11-24T12:00:00.000Z', 2],
      ['escalation', '2026-11-24T14:00:00.000Z', 0],
    ]);
  });

  it('drops a reminder that would fall before the request (reassigned with 5 h left)', () => {
    const hop = {
      requestedAt: d('2026-11-18T11:15:00Z'),
      receivedAt: d('2026-11-17T16:15:00Z'),
      dueAt: d('2026-11-18T16:15:00Z'),
    };
    expect(timeline(hop)).toEqual([
      ['reminder', '2026-11-18T14:15:00.000Z', 2],
      ['escalation', '2026-11-18T16:15:00.000Z', 0],
    ]);
  });

  it('keeps a reminder that falls exactly at the request time', () => {
    const hop = {
      requestedAt: d('2026-11-18T04:15:00Z'),
      receivedAt: d('2026-11-18T04:15:00Z'),
      dueAt: d('2026-11-18T16:15:00Z'),
    };
    expect(timeline(hop)[0]).toEqual(['reminder', '2026-11-18T04:15:00.000Z', 12]);
  });

  it('still escalates a hop reassigned after it fell due', () => {
    const hop = {
      requestedAt: d('2026-11-19T09:00:00Z'),
      receivedAt: d('2026-11-17T16:15:00Z'),
      dueAt: d('2026-11-18T16:15:00Z'),
    };
    expect(timeline(hop)).toEqual([['escalation', '2026-11-18T16:15:00.000Z', 0]]);
  });

  it('custom schedule: no escalation, unsorted and duplicate leads, fractional hours', () => {
    const hop = {
      requestedAt: d('2026-11-17T16:15:00Z'),
      receivedAt: d('2026-11-17T16:15:00Z'),
      dueAt: d('2026-11-18T16:15:00Z'),
    };
    expect(timeline(hop, { beforeDueHours: [0.5, 6, 0.5, 23], escalateAtDue: false })).toEqual([
      ['reminder', '2026-11-17T17:15:00.000Z', 23],
      ['reminder', '2026-11-18T10:15:00.000Z', 6],
      ['reminder', '2026-11-18T15:45:00.000Z', 0.5],
    ]);
  });

  it('an empty schedule gives no notices', () => {
    const hop = {
      requestedAt: d('2026-11-17T16:15:00Z'),
      receivedAt: d('2026-11-17T16:15:00Z'),
      dueAt: d('2026-11-18T16:15:00Z'),
    };
    expect(noticesFor(hop, { beforeDueHours: [], escalateAtDue: false })).toEqual([]);
  });

  const ok = {
    requestedAt: d('2026-11-17T16:15:00Z'),
    receivedAt: d('2026-11-17T16:15:00Z'),
    dueAt: d('2026-11-18T16:15:00Z'),
  };
  it.each<[string, () => unknown, RegExp]>([
    [
      'an invalid requestedAt',
      () => noticesFor({ ...ok, requestedAt: d('x') }),
      /requestedAt is an invalid Date/,
    ],
    ['an invalid dueAt', () => noticesFor({ ...ok, dueAt: d('x') }), /dueAt is an invalid Date/],
    [
      'dueAt before receivedAt',
      () => noticesFor({ ...ok, dueAt: d('2026-11-17T16:14:59Z') }),
      /dueAt is before receivedAt/,
    ],
    [
      'a zero lead',
      () => noticesFor(ok, { beforeDueHours: [12, 0], escalateAtDue: true }),
      /beforeDueHours must be positive/,
    ],
    [
      'a negative lead',
      () => noticesFor(ok, { beforeDueHours: [-1], escalateAtDue: true }),
      /beforeDueHours must be positive/,
    ],
    [
      'an infinite lead',
      () => noticesFor(ok, { beforeDueHours: [Infinity], escalateAtDue: true }),
      /beforeDueHours must be positive/,
    ],
  ])('throws RangeError for %s', (_label, run, message) => {
    expect(run).toThrow(RangeError);
    expect(run).toThrow(message);
  });
});
