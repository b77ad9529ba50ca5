/**
 * When a traceback request counts as received, and when its answer is due.
 *
 * 47 CFR 64.1200(n)(1) (FCC Seventh Report and Order): a voice provider must answer a traceback request
 * fully within 24 hours of receipt; a request that arrives outside business hours counts as received at
 * 8:00 a.m. on the next business day, in the provider's time zone.
 */
import type { IANAZone } from 'luxon';
import { HOUR_MS } from './clock';
import { formatEpochDay, isoWeekdayOfEpochDay, parseCivilDate } from './civilDate';
import { isUsFederalHolidayClosure } from './holidays';
import { firstInstantAtOrAfter, ianaZone, wallAt, zoneOrUndefined } from './zonedTime';

/**
 * A provider's business hours. Opening and closing are local clock times on each open day, and `close`
 * is exclusive: a request at exactly 17:00 is outside business hours.
 *
 * A provider that is always open (a 24x7 NOC) is `days: [1..7], open: '00:00', close: '24:00',
 * holidays: 'none'` ({@link ALWAYS_OPEN_CALENDAR}); '24:00' is accepted for `close` only and means the
 * next local midnight. Hours crossing midnight (22:00-06:00) are not expressible, and are refused.
 */
export interface BusinessCalendar {
  /** IANA Area/Location name, e.g. 'America/Chicago'. */
  timezone: string;
  /** ISO weekdays open, 1 = Monday .. 7 = Sunday. */
  days: number[];
  /** 'HH:MM' local, 00:00-23:59. */
  open: string;
  /** 'HH:MM' local, after `open`; 00:01-24:00. */
  close: string;
  /**
   * 'us-federal' closes on each federal holiday's legal date and on its observed weekday
   * (see usFederalHolidays).
   */
  holidays: 'us-federal' | 'none';
  /**
   * Further closed dates, 'YYYY-MM-DD' in the provider's time zone. Closures declared by executive order
   * (such as an extra day at Christmas) are announced ad hoc and cannot be computed: they go here.
   */
  extraClosedDates?: string[];
}

export const DEFAULT_BUSINESS_CALENDAR: Omit<BusinessCalendar, 'timezone'> = {
  days: [1, 2, 3, 4, 5],
  open: '08:00',
  close: '17:00',
  holidays: 'us-federal',
};

export const ALWAYS_OPEN_CALENDAR: Omit<BusinessCalendar, 'timezone'> = {
  days: [1, 2, 3, 4, 5, 6, 7],
  open: '00:00',
  close: '24:00',
  holidays: 'none',
};

export const DEFAULT_ANSWER_WINDOW_HOURS = 24;

export interface ValidationError {
  path: string;
  message: string;
}

export type BusinessCalendarValidation =
  { ok: true; value: BusinessCalendar } | { ok: false; errors: ValidationError[] };

const KNOWN_FIELDS = new Set(['timezone', 'days', 'open', 'close', 'holidays', 'extraClosedDates']);
const MINUTES_PER_DAY = 24 * 60;
const HH_MM_PATTERN = /^(\d{2}):(\d{2})$/;

/** Minutes since midnight of a strict 'HH:MM', or undefined. '24:00' only when `allowEndOfDay`. */
function parseClockTime(text: string, allowEndOfDay: boolean): number | undefined {
  const match = HH_MM_PATTERN.exec(text);
  if (!match) return undefined;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59) return undefined;
  const total = hours * 60 + minutes;
  if (total < MINUTES_PER_DAY || (allowEndOfDay && total === MINUTES_PER_DAY)) return total;
  return undefined;
}

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/**
 * Checks a calendar from configuration or an API body, filling omitted fields from
 * DEFAULT_BUSINESS_CALENDAR (only `timezone` is required). Every problem is reported, with a path, so a
 * form can show them all at once. Unknown fields are errors, so a misspelt `close_time` does not
 * silently leave the default in force.
 */
export function validateBusinessCalendar(input: unknown): BusinessCalendarValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [{ path: '', message: 'must be an object' }] };
  }
  const raw = input as Record<string, unknown>;
  const errors: ValidationError[] = [];
  for (const key of Object.keys(raw)) {
    if (!KNOWN_FIELDS.has(key)) errors.push({ path: key, message: 'unknown field' });
  }

  const timezone = raw.timezone;
  if (typeof timezone !== 'string') {
    errors.push({ path: 'timezone', message: 'required: an IANA time zone such as America/Chicago' });
  } else if (zoneOrUndefined(timezone) === undefined) {
    errors.push({
      path: 'timezone',
      message: `unknown time zone ${JSON.stringify(timezone)}: use an IANA Area/Location name such as America/Chicago`,
    });
  }

  const days = raw.days ?? DEFAULT_BUSINESS_CALENDAR.days;
  if (!Array.isArray(days)) {
    errors.push({ path: 'days', message: 'must be an array of ISO weekdays (1 = Monday .. 7 = Sunday)' });
  } else if (days.length === 0) {
    errors.push({ path: 'days', message: 'must name at least one open weekday' });
  } else {
    const seen = new Set<unknown>();
    days.forEach((day: unknown, i) => {
      if (typeof day !== 'number' || !Number.isInteger(day) || day < 1 || day > 7) {
        errors.push({ path: `days[${i}]`, message: 'must be an ISO weekday, 1 (Monday) to 7 (Sunday)' });
      } else if (seen.has(day)) {
        errors.push({ path: `days[${i}]`, message: `duplicate weekday ${day}` });
      }
      seen.add(day);
    });
  }

  const open = raw.open ?? DEFAULT_BUSINESS_CALENDAR.open;
  const openMinutes = typeof open === 'string' ? parseClockTime(open, false) : undefined;
  if (openMinutes === undefined) {
    errors.push({ path: 'open', message: 'must be a local time HH:MM from 00:00 to 23:59' });
  }
  const close = raw.close ?? DEFAULT_BUSINESS_CALENDAR.close;
  const closeMinutes = typeof close === 'string' ? parseClockTime(close, true) : undefined;
  if (closeMinutes === undefined) {
    errors.push({ path: 'close', message: 'must be a local time HH:MM from 00:01 to 24:00' });
  }
  if (openMinutes !== undefined && closeMinutes !== undefined && closeMinutes <= openMinutes) {
    errors.push({
      path: 'close',
      message: `must be after open (${hhmm(openMinutes)}); hours that cross midnight are not supported`,
    });
  }

  const holidays = raw.holidays ?? DEFAULT_BUSINESS_CALENDAR.holidays;
  if (holidays !== 'us-federal' && holidays !== 'none') {
    errors.push({ path: 'holidays', message: "must be 'us-federal' or 'none'" });
  }

  const extra = raw.extraClosedDates;
  if (extra !== undefined) {
    if (!Array.isArray(extra)) {
      errors.push({ path: 'extraClosedDates', message: 'must be an array of YYYY-MM-DD dates' });
    } else {
      extra.forEach((date: unknown, i) => {
        if (typeof date !== 'string' || parseCivilDate(date) === undefined) {
          errors.push({ path: `extraClosedDates[${i}]`, message: 'must be a real calendar date YYYY-MM-DD' });
        }
      });
    }
  }

  if (errors.length > 0) return { ok: false, errors };
  const value: BusinessCalendar = {
    timezone: timezone as string,
    days: [...(days as number[])].sort((a, b) => a - b),
    open: open as string,
    close: close as string,
    holidays: holidays as BusinessCalendar['holidays'],
  };
  if (extra !== undefined) value.extraClosedDates = [...(extra as string[])];
  return { ok: true, value };
}

/** A calendar parsed once per call, so the day-by-day search does not re-validate. */
interface CompiledCalendar {
  zone: IANAZone;
  days: ReadonlySet<number>;
  openMinutes: number;
  closeMinutes: number;
  federalHolidays: boolean;
  extraClosed: ReadonlySet<string>;
}

function compile(cal: BusinessCalendar): CompiledCalendar {
  const checked = validateBusinessCalendar(cal);
  if (!checked.ok) {
    const detail = checked.errors.map((e) => `${e.path || '(calendar)'}: ${e.message}`).join('; ');
    throw new RangeError(`invalid business calendar: ${detail}`);
  }
  const { value } = checked;
  return {
    zone: ianaZone(value.timezone),
    days: new Set(value.days),
    openMinutes: parseClockTime(value.open, false) ?? 0,
    closeMinutes: parseClockTime(value.close, true) ?? 0,
    federalHolidays: value.holidays === 'us-federal',
    extraClosed: new Set(value.extraClosedDates ?? []),
  };
}

function isOpenDay(cal: CompiledCalendar, epochDay: number): boolean {
  if (!cal.days.has(isoWeekdayOfEpochDay(epochDay))) return false;
  if (cal.extraClosed.has(formatEpochDay(epochDay))) return false;
  return !(cal.federalHolidays && isUsFederalHolidayClosure(epochDay));
}

function opensAt(cal: CompiledCalendar, epochDay: number): number {
  return firstInstantAtOrAfter(cal.zone, epochDay, cal.openMinutes);
}

function closesAt(cal: CompiledCalendar, epochDay: number): number {
  return cal.closeMinutes === MINUTES_PER_DAY
    ? firstInstantAtOrAfter(cal.zone, epochDay + 1, 0)
    : firstInstantAtOrAfter(cal.zone, epochDay, cal.closeMinutes);
}

/**
 * Bounds the search for the next open day. Every calendar has an open weekday, so only a very long
 * extraClosedDates list can exhaust it; failing loudly beats looping.
 */
const MAX_SEARCH_DAYS = 3660;

/**
 * Business hours are the instants from a day's opening to its closing, not a comparison of clock
 * readings: on a fall-back night a clock reading repeats, and an interval keeps "opened at 01:30"
 * from becoming "closed again at the second 01:15" (only custom calendars open at such hours).
 */
function firstBusinessInstantAtOrAfter(cal: CompiledCalendar, t: number): number {
  const { epochDay } = wallAt(cal.zone, t);
  if (isOpenDay(cal, epochDay)) {
    const opening = opensAt(cal, epochDay);
    if (t < opening) return opening;
    if (t < closesAt(cal, epochDay)) return t;
  }
  for (let day = epochDay + 1; day <= epochDay + MAX_SEARCH_DAYS; day++) {
    if (isOpenDay(cal, day)) return opensAt(cal, day);
  }
  throw new RangeError(`no business day within ${MAX_SEARCH_DAYS} days of ${new Date(t).toISOString()}`);
}

function epochDayOrThrow(localDate: string): number {
  const epochDay = parseCivilDate(localDate);
  if (epochDay === undefined) {
    throw new RangeError(`not a real calendar date YYYY-MM-DD: ${JSON.stringify(localDate)}`);
  }
  return epochDay;
}

/** Whether the provider is open on this local date: an open weekday, not a holiday, not an extra closure. */
export function isBusinessDay(localDate: string, cal: BusinessCalendar): boolean {
  return isOpenDay(compile(cal), epochDayOrThrow(localDate));
}

export interface ReceiptAndDue {
  /** When the request counts as received: the request time if inside business hours, else the next opening. */
  receivedAt: Date;
  /** receivedAt + the answer window, in elapsed time. */
  dueAt: Date;
  /** True when the request arrived outside business hours, so receivedAt is later than the request. */
  deferred: boolean;
}

/**
 * Receipt and due time of a traceback request made at `requestedAt` to a provider with calendar `cal`.
 *
 * The due time is receipt plus 24 *elapsed* hours, not "the same local clock time tomorrow". The rule
 * grants "24 hours", a duration, and elapsed time gives every provider exactly that much time to answer
 * whatever the date; it also needs no time zone to check later. The consequence, on purpose: across a
 * daylight-saving change the local due time moves by an hour (received Saturday 12:00 EST, due Sunday
 * 13:00 EDT). With Monday-Friday hours no 24-hour window reaches the 02:00 Sunday change, so it only
 * shows on calendars that open at weekends. The due time may fall outside business hours or on a
 * holiday: only receipt is deferred.
 */
export function receiptAndDue(
  requestedAt: Date,
  cal: BusinessCalendar,
  answerWindowHours: number = DEFAULT_ANSWER_WINDOW_HOURS,
): ReceiptAndDue {
  const requested = requestedAt.getTime();
  if (Number.isNaN(requested)) throw new RangeError('requestedAt is an invalid Date');
  if (!Number.isFinite(answerWindowHours) || answerWindowHours <= 0) {
    throw new RangeError(`answerWindowHours must be a positive number of hours, got ${answerWindowHours}`);
  }
  const received = firstBusinessInstantAtOrAfter(compile(cal), requested);
  return {
    receivedAt: new Date(received),
    dueAt: new Date(received + answerWindowHours * HOUR_MS),
    deferred: received !== requested,
  };
}

const WEEKDAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/**
 * 'Mon 2026-11-30 08:00 CST': local time to the minute (seconds truncated) with the zone's short name,
 * for notices a person reads. Weekday names are fixed English rather than locale-dependent so notices
 * match across servers. The zone name comes from ICU in en-US, which has no abbreviation for some US
 * zones: Guam prints as 'GMT+10', which is still unambiguous.
 */
export function formatLocal(at: Date, timezone: string): string {
  const t = at.getTime();
  if (Number.isNaN(t)) throw new RangeError('formatLocal: invalid Date');
  const zone = ianaZone(timezone);
  const { epochDay, msOfDay } = wallAt(zone, t);
  const weekday = WEEKDAY_NAMES[isoWeekdayOfEpochDay(epochDay) - 1] ?? '';
  const abbreviation = zone.offsetName(t, { format: 'short', locale: 'en-US' }) ?? '';
  return `${weekday} ${formatEpochDay(epochDay)} ${hhmm(Math.floor(msOfDay / 60_000))} ${abbreviation}`.trimEnd();
}
