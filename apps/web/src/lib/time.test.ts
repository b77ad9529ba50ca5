import { describe, expect, it } from 'vitest';
import {
  countdown,
  endOfLocalDay,
  formatDuration,
  formatHours,
  formatInstant,
  formatUtc,
  parseCallTime,
  responseScale,
  startOfLocalDay,
  tickFor,
  zoneName,
} from './time';

const now = Date.parse('2026-11-02T15:00:00Z');
const plus = (ms: number) => new Date(now + ms).toISOString();
const MIN = 60_000;
const H = 60 * MIN;

describe('countdown', () => {
  it.each([
    [24 * H, 'later', 'due in 1 d'],
    [23 * H + 59 * MIN, 'later', 'due in 23 h 59 min'],
    [2 * H + 1000, 'later', 'due in 2 h'],
    [2 * H, 'soon', 'due in 2 h'],
    [90 * MIN, 'soon', 'due in 1 h 30 min'],
    [5 * MIN + 30_000, 'soon', 'due in 5 min'],
    [42_000, 'soon', 'due in 42 s'],
    [0, 'overdue', 'overdue by 0 s'],
    [-12 * MIN, 'overdue', 'overdue by 12 min'],
    [-(26 * H + 5 * MIN), 'overdue', 'overdue by 1 d 2 h'],
  ])('%d ms before the deadline: %s, "%s"', (left, urgency, text) => {
    expect(countdown(plus(left), now)).toEqual({ urgency, text });
  });

  it('ticks every second in the last ten minutes either side of the deadline, else every 30 s', () => {
    expect(tickFor(plus(9 * MIN), now)).toBe(1000);
    expect(tickFor(plus(-9 * MIN), now)).toBe(1000);
    expect(tickFor(plus(11 * MIN), now)).toBe(30_000);
  });
});

describe('formatDuration and formatHours', () => {
  it('says durations as people do', () => {
    expect(formatDuration(59_999)).toBe('59 s');
    expect(formatDuration(60 * MIN)).toBe('1 h');
    expect(formatDuration(3 * 24 * H)).toBe('3 d');
  });

  it('gives statistics in minutes, hours or days', () => {
    expect(formatHours(null)).toBe('—');
    expect(formatHours(0.25)).toBe('15 min');
    expect(formatHours(3.14)).toBe('3.1 h');
    expect(formatHours(47.9)).toBe('47.9 h');
    expect(formatHours(60)).toBe('2.5 d');
  });
});

describe('parseCallTime', () => {
  it.each([
    ['2026-11-20 15:04', '2026-11-20T15:04:00.000Z'],
    ['2026-11-20T15:04:05Z', '2026-11-20T15:04:05.000Z'],
    ['2026-11-20 15:04:05 UTC', '2026-11-20T15:04:05.000Z'],
    ['2026-11-20T10:04:05-05:00', '2026-11-20T15:04:05.000Z'],
    ['2026-11-20 10:04:05 -0500', '2026-11-20T15:04:05.000Z'],
    ['2026-11-20T15:04:05.25+01:00', '2026-11-20T14:04:05.250Z'],
    ['  2026-11-20 9:04  ', '2026-11-20T09:04:00.000Z'],
  ])('reads %j as UTC unless it says otherwise', (input, iso) => {
    expect(parseCallTime(input)).toEqual({ ok: true, iso });
  });

  it.each([
    ['', 'Enter the time of the call'],
    ['yesterday', 'Write it as 2026-11-20 15:04 (UTC) or an ISO 8601 date-time'],
    ['11/20/2026 15:04', 'Write it as 2026-11-20 15:04 (UTC) or an ISO 8601 date-time'],
    ['2026-02-31 10:00', 'That date or time does not exist'],
    ['2026-11-20 24:00', 'That date or time does not exist'],
    ['2026-11-20 10:61', 'That date or time does not exist'],
  ])('refuses %j', (input, reason) => {
    expect(parseCallTime(input)).toEqual({ ok: false, reason });
  });
});

describe('dates', () => {
  it('shows UTC unambiguously', () => {
    expect(formatUtc('2026-11-02T15:00:09.123Z')).toBe('2026-11-02 15:00:09 UTC');
  });

  it('turns a date-input day into the local midnight it starts and the one after it', () => {
    expect(startOfLocalDay('2026-11-02')).toBe(new Date(2026, 10, 2).toISOString());
    expect(endOfLocalDay('2026-11-02')).toBe(new Date(2026, 10, 3).toISOString());
    expect(endOfLocalDay('2026-12-31')).toBe(new Date(2027, 0, 1).toISOString());
    expect(startOfLocalDay('')).toBeUndefined();
    expect(startOfLocalDay('2026-1-2')).toBeUndefined();
  });
});

describe('formatInstant: every time names its zone', () => {
  const at = '2026-11-02T15:00:00.000Z';
  it("a call in UTC, a deadline in the provider's own zone, each saying which", () => {
    expect(formatInstant(at, { timeZone: 'UTC' })).toBe('Nov 2, 2026, 3:00 PM UTC');
    expect(formatInstant(at, { timeZone: 'America/Chicago' })).toBe('Nov 2, 2026, 9:00 AM CST');
    expect(formatInstant(at, { timeZone: 'America/Los_Angeles' })).toBe('Nov 2, 2026, 7:00 AM PST');
  });

  it('summer time is named as such', () => {
    expect(formatInstant('2026-07-01T15:00:00Z', { timeZone: 'America/New_York' })).toBe(
      'Jul 1, 2026, 11:00 AM EDT',
    );
    expect(zoneName('2026-07-01T15:00:00Z', 'America/New_York')).toBe('EDT');
    expect(zoneName(at, 'UTC')).toBe('UTC');
  });

  it('compact: the year left out in the same year of that zone, a date alone in another', () => {
    expect(formatInstant(at, { style: 'compact', timeZone: 'UTC', now })).toBe('Nov 2, 3:00 PM UTC');
    expect(formatInstant('2025-12-31T23:30:00Z', { style: 'compact', timeZone: 'UTC', now })).toBe(
      'Dec 31, 2025',
    );
    // 2027-01-01 00:30 UTC is still New Year's Eve of 2026 in Chicago.
    const nye = Date.parse('2027-01-01T00:30:00Z');
    expect(
      formatInstant('2026-12-31T20:00:00Z', { style: 'compact', timeZone: 'America/Chicago', now: nye }),
    ).toBe('Dec 31, 2:00 PM CST');
  });

  it('a date alone carries no zone', () => {
    expect(formatInstant(at, { style: 'date', timeZone: 'UTC' })).toBe('Nov 2, 2026');
  });

  it("without a zone: the viewer's own, still named", () => {
    expect(formatInstant(at)).toMatch(/\d{1,2}:00 [AP]M \S+$/);
  });
});

describe('responseScale', () => {
  it('answers within minutes are drawn in minutes, on an axis that is never empty', () => {
    expect(responseScale([0, null, 0])).toEqual({
      unit: 'min',
      values: [0, null, 0],
      max: 10,
      deadline: null,
    });
    expect(responseScale([0.5, 1.25])).toEqual({ unit: 'min', values: [30, 75], max: 80, deadline: null });
  });

  it('hours otherwise, with the 24-hour deadline on the axis', () => {
    expect(responseScale([3.04, null, 30])).toEqual({
      unit: 'h',
      values: [3, null, 30],
      max: 30,
      deadline: 24,
    });
    expect(responseScale([2, 5])).toMatchObject({ unit: 'h', max: 24, deadline: 24 });
  });

  it('no answer at all: nothing drawn, still an axis', () => {
    expect(responseScale([null, null])).toEqual({
      unit: 'min',
      values: [null, null],
      max: 10,
      deadline: null,
    });
  });
});
