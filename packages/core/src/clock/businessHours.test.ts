import { describe, expect, it } from 'vitest';
import {
  ALWAYS_OPEN_CALENDAR,
  DEFAULT_BUSINESS_CALENDAR,
  formatLocal,
  isBusinessDay,
  receiptAndDue,
  validateBusinessCalendar,
} from './businessHours';
import type { BusinessCalendar } from './businessHours';
import { HOUR_MS } from './clock';

const calendarIn = (timezone: string, overrides: Partial<BusinessCalendar> = {}): BusinessCalendar => ({
  ...DEFAULT_BUSINESS_CALENDAR,
  timezone,
  ...overrides,
});

interface ReceiptCase {
  name: string;
  timezone: string;
  /** ISO 8601 with the local offset, so the case reads in the provider's time. */
  requested: string;
  received: string;
  due: string;
  /** The receipt as formatLocal prints it, where it helps to read the case. */
  receivedLocal?: string;
  calendar?: Partial<BusinessCalendar>;
}

function runCases(cases: ReceiptCase[]): void {
  it.each(cases)('$name', ({ timezone, requested, received, due, receivedLocal, calendar }) => {
    const result = receiptAndDue(new Date(requested), calendarIn(timezone, calendar));
    expect(result.receivedAt.toISOString()).toBe(new Date(received).toISOString());
    expect(result.dueAt.toISOString()).toBe(new Date(due).toISOString());
    expect(result.deferred).toBe(new Date(requested).getTime() !== new Date(received).getTime());
    if (receivedLocal !== undefined) expect(formatLocal(result.receivedAt, timezone)).toBe(receivedLocal);
  });
}

describe('receiptAndDue: default hours, America/Chicago (CST = UTC-6, CDT = UTC-5)', () => {
  const tz = 'America/Chicago';
  runCases([
    {
      name: 'Tuesday 10:15, inside hours: received at once, due 24 h later',
      timezone: tz,
      requested: '2026-11-17T10:15:00-06:00',
      received: '2026-11-17T10:15:00-06:00',
      due: '2026-11-18T10:15:00-06:00',
    },
    {
      name: 'a summer weekday inside hours (CDT)',
      timezone: tz,
      requested: '2026-07-14T13:05:27.250-05:00',
      received: '2026-07-14T13:05:27.250-05:00',
      due: '2026-07-15T13:05:27.250-05:00',
    },
    {
      name: 'Wednesday 07:59:59, before opening: received 08:00 the same day',
      timezone: tz,
      requested: '2026-11-18T07:59:59-06:00',
      received: '2026-11-18T08:00:00-06:00',
      due: '2026-11-19T08:00:00-06:00',
      receivedLocal: 'Wed 2026-11-18 08:00 CST',
    },
    {
      name: 'Wednesday 00:00, local midnight: received 08:00 the same day',
      timezone: tz,
      requested: '2026-11-18T00:00:00-06:00',
      received: '2026-11-18T08:00:00-06:00',
      due: '2026-11-19T08:00:00-06:00',
    },
    {
      name: 'exactly 08:00 is inside hours',
      timezone: tz,
      requested: '2026-11-18T08:00:00-06:00',
      received: '2026-11-18T08:00:00-06:00',
      due: '2026-11-19T08:00:00-06:00',
    },
    {
      name: '16:59:59 is inside hours',
      timezone: tz,
      requested: '2026-11-18T16:59:59-06:00',
      received: '2026-11-18T16:59:59-06:00',
      due: '2026-11-19T16:59:59-06:00',
    },
    {
      name: '16:59:59.999 is inside hours',
      timezone: tz,
      requested: '2026-11-18T16:59:59.999-06:00',
      received: '2026-11-18T16:59:59.999-06:00',
      due: '2026-11-19T16:59:59.999-06:00',
    },
    {
      name: 'exactly 17:00 is closed: received 08:00 the next day',
      timezone: tz,
      requested: '2026-11-18T17:00:00-06:00',
      received: '2026-11-19T08:00:00-06:00',
      due: '2026-11-20T08:00:00-06:00',
      receivedLocal: 'Thu 2026-11-19 08:00 CST',
    },
    {
      name: 'Friday 18:00: received Monday 08:00, due Tuesday 08:00',
      timezone: tz,
      requested: '2026-11-20T18:00:00-06:00',
      received: '2026-11-23T08:00:00-06:00',
      due: '2026-11-24T08:00:00-06:00',
      receivedLocal: 'Mon 2026-11-23 08:00 CST',
    },
    {
      name: 'Saturday noon: received Monday 08:00',
      timezone: tz,
      requested: '2026-11-21T12:00:00-06:00',
      received: '2026-11-23T08:00:00-06:00',
      due: '2026-11-24T08:00:00-06:00',
    },
    {
      name: 'Sunday 23:59:59: received Monday 08:00',
      timezone: tz,
      requested: '2026-11-22T23:59:59-06:00',
      received: '2026-11-23T08:00:00-06:00',
      due: '2026-11-24T08:00:00-06:00',
    },
    {
      name: 'Friday 18:00 before MLK Day (Mon Jan 19 2026): received Tuesday 08:00, due Wednesday 08:00',
      timezone: tz,
      requested: '2026-01-16T18:00:00-06:00',
      received: '2026-01-20T08:00:00-06:00',
      due: '2026-01-21T08:00:00-06:00',
      receivedLocal: 'Tue 2026-01-20 08:00 CST',
    },
    {
      name: 'on MLK Day itself at 10:00: received Tuesday 08:00',
      timezone: tz,
      requested: '2026-01-19T10:00:00-06:00',
      received: '2026-01-20T08:00:00-06:00',
      due: '2026-01-21T08:00:00-06:00',
    },
    {
      name: 'Wednesday before Thanksgiving 17:30: Thanksgiving is closed, received Friday 08:00',
      timezone: tz,
      requested: '2026-11-25T17:30:00-06:00',
      received: '2026-11-27T08:00:00-06:00',
      due: '2026-11-28T08:00:00-06:00',
      receivedLocal: 'Fri 2026-11-27 08:00 CST',
    },
    {
      name: 'Thanksgiving Thursday 10:00: received Friday 08:00 (the Friday after is a business day)',
      timezone: tz,
      requested: '2026-11-26T10:00:00-06:00',
      received: '2026-11-27T08:00:00-06:00',
      due: '2026-11-28T08:00:00-06:00',
    },
    {
      name: 'Friday after Thanksgiving 10:00 is inside hours',
      timezone: tz,
      requested: '2026-11-27T10:00:00-06:00',
      received: '2026-11-27T10:00:00-06:00',
      due: '2026-11-28T10:00:00-06:00',
    },
    {
      name: 'the due time may land on a holiday (Veterans Day, Wed Nov 11 2026): only receipt is deferred',
      timezone: tz,
      requested: '2026-11-10T09:00:00-06:00',
      received: '2026-11-10T09:00:00-06:00',
      due: '2026-11-11T09:00:00-06:00',
    },
    {
      name: 'Christmas 2027 is a Saturday, observed Fri Dec 24: Thursday 17:00 is received Monday Dec 27',
      timezone: tz,
      requested: '2027-12-23T17:00:00-06:00',
      received: '2027-12-27T08:00:00-06:00',
      due: '2027-12-28T08:00:00-06:00',
      receivedLocal: 'Mon 2027-12-27 08:00 CST',
    },
    {
      name: 'Jan 1 2028 is a Saturday, observed Fri Dec 31 2027: Thursday Dec 30 18:00 is received Mon Jan 3',
      timezone: tz,
      requested: '2027-12-30T18:00:00-06:00',
      received: '2028-01-03T08:00:00-06:00',
      due: '2028-01-04T08:00:00-06:00',
      receivedLocal: 'Mon 2028-01-03 08:00 CST',
    },
    {
      name: 'Fri Dec 31 2027 (observed New Year) at 10:00 is closed',
      timezone: tz,
      requested: '2027-12-31T10:00:00-06:00',
      received: '2028-01-03T08:00:00-06:00',
      due: '2028-01-04T08:00:00-06:00',
    },
    {
      name: 'Jul 4 2026 is a Saturday, observed Fri Jul 3: Thursday 18:00 is received Monday Jul 6',
      timezone: tz,
      requested: '2026-07-02T18:00:00-05:00',
      received: '2026-07-06T08:00:00-05:00',
      due: '2026-07-07T08:00:00-05:00',
      receivedLocal: 'Mon 2026-07-06 08:00 CDT',
    },
    {
      name: 'Jul 4 2027 is a Sunday, observed Mon Jul 5: Friday 18:00 is received Tuesday Jul 6',
      timezone: tz,
      requested: '2027-07-02T18:00:00-05:00',
      received: '2027-07-06T08:00:00-05:00',
      due: '2027-07-07T08:00:00-05:00',
      receivedLocal: 'Tue 2027-07-06 08:00 CDT',
    },
    {
      name: 'Juneteenth 2020 (Friday) predates the holiday: inside hours',
      timezone: tz,
      requested: '2020-06-19T10:00:00-05:00',
      received: '2020-06-19T10:00:00-05:00',
      due: '2020-06-20T10:00:00-05:00',
    },
    {
      name: 'Juneteenth 2021 fell on a Saturday, so Friday Jun 18 2021 was closed',
      timezone: tz,
      requested: '2021-06-18T10:00:00-05:00',
      received: '2021-06-21T08:00:00-05:00',
      due: '2021-06-22T08:00:00-05:00',
    },
    {
      name: 'Juneteenth 2026 (Friday) is closed: received Monday Jun 22',
      timezone: tz,
      requested: '2026-06-19T10:00:00-05:00',
      received: '2026-06-22T08:00:00-05:00',
      due: '2026-06-23T08:00:00-05:00',
    },
  ]);
});

describe('receiptAndDue across daylight-saving changes, America/New_York', () => {
  const tz = 'America/New_York';
  const sevenDays: Partial<BusinessCalendar> = { days: [1, 2, 3, 4, 5, 6, 7], holidays: 'none' };
  runCases([
    {
      name: 'spring forward (Sun Mar 8 2026): Saturday noon EST is received Monday 08:00 EDT',
      timezone: tz,
      requested: '2026-03-07T12:00:00-05:00',
      received: '2026-03-09T08:00:00-04:00',
      due: '2026-03-10T08:00:00-04:00',
      receivedLocal: 'Mon 2026-03-09 08:00 EDT',
    },
    {
      name: 'spring forward: Friday 18:00 EST is received Monday 08:00 EDT',
      timezone: tz,
      requested: '2026-03-06T18:00:00-05:00',
      received: '2026-03-09T08:00:00-04:00',
      due: '2026-03-10T08:00:00-04:00',
    },
    {
      name: 'fall back (Sun Nov 1 2026): Saturday noon EDT is received Monday 08:00 EST',
      timezone: tz,
      requested: '2026-10-31T12:00:00-04:00',
      received: '2026-11-02T08:00:00-05:00',
      due: '2026-11-03T08:00:00-05:00',
      receivedLocal: 'Mon 2026-11-02 08:00 EST',
    },
    {
      name: 'seven-day calendar, spring forward: received Sat 12:00 EST, due 24 elapsed hours later = Sun 13:00 EDT',
      timezone: tz,
      calendar: sevenDays,
      requested: '2026-03-07T12:00:00-05:00',
      received: '2026-03-07T12:00:00-05:00',
      due: '2026-03-08T13:00:00-04:00',
    },
    {
      name: 'seven-day calendar, fall back: received Sat 12:00 EDT, due 24 elapsed hours later = Sun 11:00 EST',
      timezone: tz,
      calendar: sevenDays,
      requested: '2026-10-31T12:00:00-04:00',
      received: '2026-10-31T12:00:00-04:00',
      due: '2026-11-01T11:00:00-05:00',
    },
    {
      name: 'opening time skipped by spring forward (02:30): opens at the jump, 03:00 EDT',
      timezone: tz,
      calendar: { ...sevenDays, open: '02:30' },
      requested: '2026-03-08T01:00:00-05:00',
      received: '2026-03-08T03:00:00-04:00',
      due: '2026-03-09T03:00:00-04:00',
    },
    {
      name: 'opening time repeated by fall back (01:30): opens at the first 01:30 (EDT)',
      timezone: tz,
      calendar: { ...sevenDays, open: '01:30' },
      requested: '2026-11-01T01:00:00-04:00',
      received: '2026-11-01T01:30:00-04:00',
      due: '2026-11-02T00:30:00-05:00',
    },
    {
      name: 'the second 01:15 (EST) after opening at the first 01:30 (EDT) is still inside hours',
      timezone: tz,
      calendar: { ...sevenDays, open: '01:30' },
      requested: '2026-11-01T01:15:00-05:00',
      received: '2026-11-01T01:15:00-05:00',
      due: '2026-11-02T01:15:00-05:00',
    },
    {
      name: 'closing time skipped by spring forward (02:30): closed from the jump',
      timezone: tz,
      calendar: { ...sevenDays, open: '00:00', close: '02:30' },
      requested: '2026-03-08T03:00:00-04:00',
      received: '2026-03-09T00:00:00-04:00',
      due: '2026-03-10T00:00:00-04:00',
    },
    {
      name: 'the last millisecond before the jump is inside those hours',
      timezone: tz,
      calendar: { ...sevenDays, open: '00:00', close: '02:30' },
      requested: '2026-03-08T01:59:59.999-05:00',
      received: '2026-03-08T01:59:59.999-05:00',
      due: '2026-03-09T02:59:59.999-04:00',
    },
  ]);
});

describe('receiptAndDue in US time zones beyond the contiguous states', () => {
  runCases([
    {
      name: 'Pacific/Honolulu (HST, UTC-10, no DST): 07:59 in July is received 08:00 HST',
      timezone: 'Pacific/Honolulu',
      requested: '2026-07-13T17:59:00Z',
      received: '2026-07-13T18:00:00Z',
      due: '2026-07-14T18:00:00Z',
      receivedLocal: 'Mon 2026-07-13 08:00 HST',
    },
    {
      name: 'Pacific/Honolulu: the same 08:00 opening is 18:00Z in January too',
      timezone: 'Pacific/Honolulu',
      requested: '2026-01-12T17:59:00Z',
      received: '2026-01-12T18:00:00Z',
      due: '2026-01-13T18:00:00Z',
    },
    {
      name: 'America/Anchorage (AKST, UTC-9): Friday 17:00 is received Monday 08:00 AKST',
      timezone: 'America/Anchorage',
      requested: '2026-11-20T17:00:00-09:00',
      received: '2026-11-23T08:00:00-09:00',
      due: '2026-11-24T08:00:00-09:00',
      receivedLocal: 'Mon 2026-11-23 08:00 AKST',
    },
    {
      name: 'America/Anchorage in summer (AKDT, UTC-8): 07:30 is received 08:00 AKDT',
      timezone: 'America/Anchorage',
      requested: '2026-07-14T07:30:00-08:00',
      received: '2026-07-14T08:00:00-08:00',
      due: '2026-07-15T08:00:00-08:00',
      receivedLocal: 'Tue 2026-07-14 08:00 AKDT',
    },
    {
      name: 'America/Phoenix (MST all year): 14:59Z in July is 07:59 local, received 15:00Z',
      timezone: 'America/Phoenix',
      requested: '2026-07-13T14:59:00Z',
      received: '2026-07-13T15:00:00Z',
      due: '2026-07-14T15:00:00Z',
      receivedLocal: 'Mon 2026-07-13 08:00 MST',
    },
    {
      name: 'America/Denver contrast: the same 14:59Z is 08:59 MDT, inside hours',
      timezone: 'America/Denver',
      requested: '2026-07-13T14:59:00Z',
      received: '2026-07-13T14:59:00Z',
      due: '2026-07-14T14:59:00Z',
    },
    {
      name: 'America/Puerto_Rico (AST, UTC-4): 12:00Z is 08:00, inside hours',
      timezone: 'America/Puerto_Rico',
      requested: '2026-01-12T12:00:00Z',
      received: '2026-01-12T12:00:00Z',
      due: '2026-01-13T12:00:00Z',
    },
    {
      name: 'America/Puerto_Rico: Friday 21:00Z is 17:00 AST; Monday is MLK Day, received Tuesday 08:00 AST',
      timezone: 'America/Puerto_Rico',
      requested: '2026-01-16T21:00:00Z',
      received: '2026-01-20T12:00:00Z',
      due: '2026-01-21T12:00:00Z',
      receivedLocal: 'Tue 2026-01-20 08:00 AST',
    },
    {
      name: 'Pacific/Guam (UTC+10): Sunday 23:30Z is already Monday 09:30 in Guam, inside hours',
      timezone: 'Pacific/Guam',
      requested: '2026-11-22T23:30:00Z',
      received: '2026-11-22T23:30:00Z',
      due: '2026-11-23T23:30:00Z',
    },
    {
      name: 'Pacific/Guam: Friday 23:30Z is Saturday 09:30 local, received Monday 08:00 (a Sunday in UTC)',
      timezone: 'Pacific/Guam',
      requested: '2026-11-20T23:30:00Z',
      received: '2026-11-22T22:00:00Z',
      due: '2026-11-23T22:00:00Z',
      receivedLocal: 'Mon 2026-11-23 08:00 GMT+10',
    },
    {
      name: 'Pacific/Guam: Wednesday 23:30Z is Thanksgiving morning in Guam, received Friday 08:00',
      timezone: 'Pacific/Guam',
      requested: '2026-11-25T23:30:00Z',
      received: '2026-11-26T22:00:00Z',
      due: '2026-11-27T22:00:00Z',
      receivedLocal: 'Fri 2026-11-27 08:00 GMT+10',
    },
    {
      name: 'Pacific/Pago_Pago (UTC-11): Monday 18:30Z is 07:30 local, received 08:00',
      timezone: 'Pacific/Pago_Pago',
      requested: '2026-11-23T18:30:00Z',
      received: '2026-11-23T19:00:00Z',
      due: '2026-11-24T19:00:00Z',
    },
  ]);
});

describe('receiptAndDue with custom calendars', () => {
  runCases([
    {
      name: 'always open: Christmas Day 2026 at 03:00 is received at once',
      timezone: 'America/Chicago',
      calendar: ALWAYS_OPEN_CALENDAR,
      requested: '2026-12-25T03:00:00-06:00',
      received: '2026-12-25T03:00:00-06:00',
      due: '2026-12-26T03:00:00-06:00',
    },
    {
      name: 'always open: local midnight is inside hours',
      timezone: 'America/Chicago',
      calendar: ALWAYS_OPEN_CALENDAR,
      requested: '2026-11-22T00:00:00-06:00',
      received: '2026-11-22T00:00:00-06:00',
      due: '2026-11-23T00:00:00-06:00',
    },
    {
      name: 'close 24:00: 23:59:59.999 is inside hours',
      timezone: 'America/Chicago',
      calendar: { close: '24:00' },
      requested: '2026-11-18T23:59:59.999-06:00',
      received: '2026-11-18T23:59:59.999-06:00',
      due: '2026-11-19T23:59:59.999-06:00',
    },
    {
      name: 'open Monday-Saturday 09:00-13:00: Saturday 12:59 is inside hours',
      timezone: 'America/Los_Angeles',
      calendar: { days: [1, 2, 3, 4, 5, 6], open: '09:00', close: '13:00' },
      requested: '2026-11-21T12:59:00-08:00',
      received: '2026-11-21T12:59:00-08:00',
      due: '2026-11-22T12:59:00-08:00',
    },
    {
      name: 'open Monday-Saturday 09:00-13:00: Saturday 13:00 is received Monday 09:00',
      timezone: 'America/Los_Angeles',
      calendar: { days: [1, 2, 3, 4, 5, 6], open: '09:00', close: '13:00' },
      requested: '2026-11-21T13:00:00-08:00',
      received: '2026-11-23T09:00:00-08:00',
      due: '2026-11-24T09:00:00-08:00',
    },
    {
      name: 'a weekend-open calendar still closes on a Saturday holiday (Dec 25 2027) and its observed Friday',
      timezone: 'America/Chicago',
      calendar: { days: [1, 2, 3, 4, 5, 6, 7] },
      requested: '2027-12-23T17:00:00-06:00',
      received: '2027-12-26T08:00:00-06:00',
      due: '2027-12-27T08:00:00-06:00',
    },
    {
      name: "holidays 'none': Thanksgiving is a business day",
      timezone: 'America/Chicago',
      calendar: { holidays: 'none' },
      requested: '2026-11-26T10:00:00-06:00',
      received: '2026-11-26T10:00:00-06:00',
      due: '2026-11-27T10:00:00-06:00',
    },
    {
      name: 'extraClosedDates: an executive-order closure on Thu Dec 24 2026 pushes receipt past Christmas',
      timezone: 'America/Chicago',
      calendar: { extraClosedDates: ['2026-12-24'] },
      requested: '2026-12-23T17:30:00-06:00',
      received: '2026-12-28T08:00:00-06:00',
      due: '2026-12-29T08:00:00-06:00',
    },
    {
      name: 'extraClosedDates are local dates: Guam closes on its own Dec 24, which starts at 14:00Z Dec 23',
      timezone: 'Pacific/Guam',
      calendar: { extraClosedDates: ['2026-12-24'] },
      requested: '2026-12-23T14:00:00Z',
      received: '2026-12-27T22:00:00Z',
      due: '2026-12-28T22:00:00Z',
    },
  ]);

  it('uses answerWindowHours when given', () => {
    const cal = calendarIn('America/Chicago');
    const { receivedAt, dueAt } = receiptAndDue(new Date('2026-11-20T18:00:00-06:00'), cal, 48);
    expect(receivedAt.toISOString()).toBe('2026-11-23T14:00:00.000Z');
    expect(dueAt.getTime() - receivedAt.getTime()).toBe(48 * HOUR_MS);
  });

  it('does not mutate the calendar it is given', () => {
    const cal = calendarIn('America/Chicago', { days: [5, 1, 3], extraClosedDates: ['2026-12-24'] });
    const before = structuredClone(cal);
    receiptAndDue(new Date('2026-12-23T18:00:00-06:00'), cal);
    expect(cal).toEqual(before);
  });
});

describe('receiptAndDue refuses bad input', () => {
  const cal = calendarIn('America/Chicago');
  it.each([
    ['an invalid Date', () => receiptAndDue(new Date('not a date'), cal), /requestedAt is an invalid Date/],
    ['a zero window', () => receiptAndDue(new Date(), cal, 0), /answerWindowHours/],
    ['a negative window', () => receiptAndDue(new Date(), cal, -24), /answerWindowHours/],
    ['a NaN window', () => receiptAndDue(new Date(), cal, Number.NaN), /answerWindowHours/],
    [
      'an unknown time zone',
      () => receiptAndDue(new Date(), calendarIn('America/Chikago')),
      /invalid business calendar: timezone: unknown time zone "America\/Chikago"/,
    ],
    [
      'close before open',
      () => receiptAndDue(new Date(), calendarIn('America/Chicago', { open: '17:00', close: '08:00' })),
      /close: must be after open/,
    ],
    [
      'a date before computed holidays (1970)',
      () => receiptAndDue(new Date('1970-06-01T12:00:00Z'), cal),
      /computed for the years 1971-9999/,
    ],
    [
      'a calendar whose only open weekday is closed for ten years',
      () => {
        const mondays: string[] = [];
        for (let d = new Date('2026-01-05T00:00:00Z'); d.getUTCFullYear() < 2037;) {
          mondays.push(d.toISOString().slice(0, 10));
          d = new Date(d.getTime() + 7 * 24 * HOUR_MS);
        }
        return receiptAndDue(
          new Date('2026-01-01T12:00:00Z'),
          calendarIn('UTC', { days: [1], holidays: 'none', extraClosedDates: mondays }),
        );
      },
      /no business day within 3660 days/,
    ],
  ])('throws RangeError for %s', (_label, run, message) => {
    expect(run).toThrow(RangeError);
    expect(run).toThrow(message);
  });
});

describe('isBusinessDay', () => {
  const chicago = calendarIn('America/Chicago');
  it.each([
    ['2026-11-23', chicago, true, 'an ordinary Monday'],
    ['2026-11-21', chicago, false, 'a Saturday'],
    ['2026-11-22', chicago, false, 'a Sunday'],
    ['2026-11-26', chicago, false, 'Thanksgiving'],
    ['2026-11-27', chicago, true, 'the Friday after Thanksgiving'],
    ['2026-07-03', chicago, false, 'Fri Jul 3 2026, Independence Day observed'],
    ['2027-07-05', chicago, false, 'Mon Jul 5 2027, Independence Day observed'],
    ['2027-12-24', chicago, false, 'Fri Dec 24 2027, Christmas observed'],
    ['2027-12-31', chicago, false, 'Fri Dec 31 2027, New Year 2028 observed'],
    ['2021-12-31', chicago, false, 'Fri Dec 31 2021, New Year 2022 observed'],
    ['2020-06-19', chicago, true, 'Juneteenth 2020, before the holiday existed'],
    ['2024-06-19', chicago, false, 'Juneteenth 2024'],
    [
      '2026-12-24',
      calendarIn('America/Chicago', { extraClosedDates: ['2026-12-24'] }),
      false,
      'an extra closed date',
    ],
    [
      '2026-11-26',
      calendarIn('America/Chicago', { holidays: 'none' }),
      true,
      "Thanksgiving with holidays 'none'",
    ],
    [
      '2027-12-25',
      calendarIn('America/Chicago', { days: [6] }),
      false,
      'Saturday Dec 25 2027 on a Saturday-only calendar',
    ],
    [
      '2027-12-18',
      calendarIn('America/Chicago', { days: [6] }),
      true,
      'an ordinary Saturday on a Saturday-only calendar',
    ],
  ])('%s → %s (%s)', (date, cal, expected) => {
    expect(isBusinessDay(date, cal)).toBe(expected);
  });

  it.each(['2026-02-29', '2026-13-01', '2026-1-5', '2026-01-05T00:00', ''])(
    'throws on malformed date %j',
    (date) => {
      expect(() => isBusinessDay(date, chicago)).toThrow(RangeError);
    },
  );
});

describe('validateBusinessCalendar', () => {
  it('fills omitted fields from the defaults; only timezone is required', () => {
    expect(validateBusinessCalendar({ timezone: 'America/Chicago' })).toEqual({
      ok: true,
      value: {
        timezone: 'America/Chicago',
        days: [1, 2, 3, 4, 5],
        open: '08:00',
        close: '17:00',
        holidays: 'us-federal',
      },
    });
  });

  it('accepts the always-open calendar (00:00-24:00, seven days) and sorts days', () => {
    const result = validateBusinessCalendar({
      ...ALWAYS_OPEN_CALENDAR,
      days: [7, 1, 2, 3, 4, 5, 6],
      timezone: 'UTC',
    });
    expect(result).toEqual({ ok: true, value: { ...ALWAYS_OPEN_CALENDAR, timezone: 'UTC' } });
  });

  it('copies arrays so the result does not alias the input', () => {
    const input = { timezone: 'Pacific/Guam', days: [1, 2], extraClosedDates: ['2026-12-24'] };
    const result = validateBusinessCalendar(input);
    if (!result.ok) throw new Error('expected a valid calendar');
    input.days.push(3);
    input.extraClosedDates.push('2026-12-31');
    expect(result.value.days).toEqual([1, 2]);
    expect(result.value.extraClosedDates).toEqual(['2026-12-24']);
  });

  it.each<[string, unknown, Array<{ path: string; message: RegExp }>]>([
    ['not an object', 'America/Chicago', [{ path: '', message: /must be an object/ }]],
    ['null', null, [{ path: '', message: /must be an object/ }]],
    ['an array', [], [{ path: '', message: /must be an object/ }]],
    ['missing timezone', {}, [{ path: 'timezone', message: /required/ }]],
    [
      'unknown timezone',
      { timezone: 'Mars/Olympus_Mons' },
      [{ path: 'timezone', message: /unknown time zone/ }],
    ],
    ['legacy fixed-offset zone EST', { timezone: 'EST' }, [{ path: 'timezone', message: /Area\/Location/ }]],
    [
      'offset instead of a zone',
      { timezone: '-06:00' },
      [{ path: 'timezone', message: /unknown time zone/ }],
    ],
    ['open without leading zero', { timezone: 'UTC', open: '8:00' }, [{ path: 'open', message: /HH:MM/ }]],
    ['open 24:00', { timezone: 'UTC', open: '24:00' }, [{ path: 'open', message: /00:00 to 23:59/ }]],
    ['open with seconds', { timezone: 'UTC', open: '08:00:00' }, [{ path: 'open', message: /HH:MM/ }]],
    ['open not a string', { timezone: 'UTC', open: 800 }, [{ path: 'open', message: /HH:MM/ }]],
    ['close minute 60', { timezone: 'UTC', close: '17:60' }, [{ path: 'close', message: /HH:MM/ }]],
    ['close 24:01', { timezone: 'UTC', close: '24:01' }, [{ path: 'close', message: /00:01 to 24:00/ }]],
    ['close 25:00', { timezone: 'UTC', close: '25:00' }, [{ path: 'close', message: /HH:MM/ }]],
    [
      'close equal to open',
      { timezone: 'UTC', open: '09:00', close: '09:00' },
      [{ path: 'close', message: /after open/ }],
    ],
    [
      'hours across midnight',
      { timezone: 'UTC', open: '22:00', close: '06:00' },
      [{ path: 'close', message: /cross midnight/ }],
    ],
    ['empty days', { timezone: 'UTC', days: [] }, [{ path: 'days', message: /at least one/ }]],
    ['days not an array', { timezone: 'UTC', days: '1-5' }, [{ path: 'days', message: /array/ }]],
    [
      'days out of range',
      { timezone: 'UTC', days: [0, 1, 8, 2.5, '3'] },
      [
        { path: 'days[0]', message: /ISO weekday/ },
        { path: 'days[2]', message: /ISO weekday/ },
        { path: 'days[3]', message: /ISO weekday/ },
        { path: 'days[4]', message: /ISO weekday/ },
      ],
    ],
    [
      'duplicate day',
      { timezone: 'UTC', days: [1, 2, 1] },
      [{ path: 'days[2]', message: /duplicate weekday 1/ }],
    ],
    [
      'holidays unknown',
      { timezone: 'UTC', holidays: 'us-state' },
      [{ path: 'holidays', message: /us-federal/ }],
    ],
    [
      'extraClosedDates not an array',
      { timezone: 'UTC', extraClosedDates: '2026-12-24' },
      [{ path: 'extraClosedDates', message: /array/ }],
    ],
    [
      'bad extra closed dates',
      {
        timezone: 'UTC',
        extraClosedDates: ['2026-12-24', '2026-02-29', '2026-13-01', '12/24/2026', 20261224],
      },
      [
        { path: 'extraClosedDates[1]', message: /real calendar date/ },
        { path: 'extraClosedDates[2]', message: /real calendar date/ },
        { path: 'extraClosedDates[3]', message: /real calendar date/ },
        { path: 'extraClosedDates[4]', message: /real calendar date/ },
      ],
    ],
    [
      'unknown field',
      { timezone: 'UTC', close_time: '18:00' },
      [{ path: 'close_time', message: /unknown field/ }],
    ],
    [
      'several problems at once, all reported',
      { timezone: 'Nowhere/Land', days: [], open: '7am', holidays: 'all' },
      [
        { path: 'timezone', message: /unknown time zone/ },
        { path: 'days', message: /at least one/ },
        { path: 'open', message: /HH:MM/ },
        { path: 'holidays', message: /us-federal/ },
      ],
    ],
  ])('rejects %s', (_label, input, expected) => {
    const result = validateBusinessCalendar(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(expected.length);
    expected.forEach(({ path, message }, i) => {
      expect(result.errors[i]?.path).toBe(path);
      expect(result.errors[i]?.message).toMatch(message);
    });
  });
});

describe('formatLocal', () => {
  it.each([
    ['2026-11-30T14:00:00Z', 'America/Chicago', 'Mon 2026-11-30 08:00 CST'],
    ['2026-07-13T13:00:00Z', 'America/Chicago', 'Mon 2026-07-13 08:00 CDT'],
    ['2026-11-30T22:59:59.999Z', 'America/Chicago', 'Mon 2026-11-30 16:59 CST'],
    ['2026-03-08T07:00:00Z', 'America/New_York', 'Sun 2026-03-08 03:00 EDT'],
    ['2026-11-01T05:30:00Z', 'America/New_York', 'Sun 2026-11-01 01:30 EDT'],
    ['2026-11-01T06:30:00Z', 'America/New_York', 'Sun 2026-11-01 01:30 EST'],
    ['2026-11-30T18:00:00Z', 'Pacific/Honolulu', 'Mon 2026-11-30 08:00 HST'],
    ['2026-11-29T23:30:00Z', 'Pacific/Guam', 'Mon 2026-11-30 09:30 GMT+10'],
    ['2026-11-30T12:00:00Z', 'America/Puerto_Rico', 'Mon 2026-11-30 08:00 AST'],
    ['2026-11-29T00:00:00Z', 'UTC', 'Sun 2026-11-29 00:00 UTC'],
  ])('%s in %s is %s', (iso, timezone, expected) => {
    expect(formatLocal(new Date(iso), timezone)).toBe(expected);
  });

  it('throws on an unknown zone or an invalid Date', () => {
    expect(() => formatLocal(new Date(), 'Central')).toThrow(RangeError);
    expect(() => formatLocal(new Date(Number.NaN), 'America/Chicago')).toThrow(RangeError);
  });
});
