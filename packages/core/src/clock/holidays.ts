import { epochDayOf, formatEpochDay, isoWeekdayOfEpochDay, yearOfEpochDay } from './civilDate';

/**
 * US federal holidays (5 U.S.C. 6103(a)), computed from the statute's rules rather than listed, so the
 * calendar never runs out. One-off closures declared by executive order, and Inauguration Day (a holiday
 * only in the Washington, DC area, 6103(c)), cannot be computed: pass them as
 * `BusinessCalendar.extraClosedDates`.
 */
export interface FederalHoliday {
  /** The legal date, 'YYYY-MM-DD'. */
  date: string;
  /** Name as in 5 U.S.C. 6103(a) and the OPM lists. */
  name: string;
  /**
   * The weekday federal offices close, 'YYYY-MM-DD' (5 U.S.C. 6103(b), Executive Order 11582): a
   * Saturday holiday is observed the Friday before, a Sunday holiday the Monday after. For New Year's
   * Day on a Saturday this is December 31 of the previous year, as OPM publishes it.
   */
  observed: string;
}

/**
 * Before 1971 (Uniform Monday Holiday Act) several holidays fell on other dates; the rules below would
 * silently give wrong answers for those years, so they are refused instead.
 */
export const FIRST_COMPUTED_HOLIDAY_YEAR = 1971;
const LAST_COMPUTED_HOLIDAY_YEAR = 9999;

const MONDAY = 1;
const THURSDAY = 4;
const SATURDAY = 6;
const SUNDAY = 7;

function nthWeekday(year: number, month: number, isoWeekday: number, n: number): number {
  const first = epochDayOf(year, month, 1);
  return first + ((isoWeekday - isoWeekdayOfEpochDay(first) + 7) % 7) + (n - 1) * 7;
}

function lastWeekday(year: number, month: number, isoWeekday: number): number {
  const last = epochDayOf(year, month + 1, 0);
  return last - ((isoWeekdayOfEpochDay(last) - isoWeekday + 7) % 7);
}

function observedDay(epochDay: number): number {
  const weekday = isoWeekdayOfEpochDay(epochDay);
  if (weekday === SATURDAY) return epochDay - 1;
  if (weekday === SUNDAY) return epochDay + 1;
  return epochDay;
}

/** The federal holidays whose legal date falls in `year`, in date order. */
export function usFederalHolidays(year: number): FederalHoliday[] {
  if (!Number.isInteger(year) || year < FIRST_COMPUTED_HOLIDAY_YEAR || year > LAST_COMPUTED_HOLIDAY_YEAR) {
    throw new RangeError(
      `US federal holidays are computed for the years ${FIRST_COMPUTED_HOLIDAY_YEAR}-${LAST_COMPUTED_HOLIDAY_YEAR}, not ${year}`,
    );
  }
  const days: Array<[string, number]> = [["New Year's Day", epochDayOf(year, 1, 1)]];
  // First observed in 1986 (Pub. L. 98-144).
  if (year >= 1986) days.push(['Birthday of Martin Luther King, Jr.', nthWeekday(year, 1, MONDAY, 3)]);
  days.push(
    ["Washington's Birthday", nthWeekday(year, 2, MONDAY, 3)],
    ['Memorial Day', lastWeekday(year, 5, MONDAY)],
  );
  // Pub. L. 117-17, signed June 17, 2021: 2021 is the first year.
  if (year >= 2021) days.push(['Juneteenth National Independence Day', epochDayOf(year, 6, 19)]);
  days.push(
    ['Independence Day', epochDayOf(year, 7, 4)],
    ['Labor Day', nthWeekday(year, 9, MONDAY, 1)],
    ['Columbus Day', nthWeekday(year, 10, MONDAY, 2)],
    // The Uniform Monday Holiday Act moved it to the fourth Monday of October until Pub. L. 94-97
    // restored November 11 from 1978.
    ['Veterans Day', year <= 1977 ? nthWeekday(year, 10, MONDAY, 4) : epochDayOf(year, 11, 11)],
    ['Thanksgiving Day', nthWeekday(year, 11, THURSDAY, 4)],
    ['Christmas Day', epochDayOf(year, 12, 25)],
  );
  return days.map(([name, day]) => ({
    date: formatEpochDay(day),
    name,
    observed: formatEpochDay(observedDay(day)),
  }));
}

const closedDatesByYear = new Map<number, ReadonlySet<string>>();

/**
 * Dates in `year` that are a federal holiday or its observed day. The next year's list is consulted
 * because New Year's Day on a Saturday closes December 31 of this year. Memoised: the receipt search
 * asks about the same few years over and over.
 */
function federalClosedDates(year: number): ReadonlySet<string> {
  let dates = closedDatesByYear.get(year);
  if (dates === undefined) {
    const holidays = usFederalHolidays(year);
    if (year < LAST_COMPUTED_HOLIDAY_YEAR) holidays.push(...usFederalHolidays(year + 1));
    const prefix = `${String(year).padStart(4, '0')}-`;
    dates = new Set(holidays.flatMap((h) => [h.date, h.observed]).filter((date) => date.startsWith(prefix)));
    closedDatesByYear.set(year, dates);
  }
  return dates;
}

/**
 * Whether federal offices are closed for a holiday on this date. Both the legal date and the observed
 * weekday count, so a calendar that opens on weekends still closes on Saturday, December 25.
 */
export function isUsFederalHolidayClosure(epochDay: number): boolean {
  return federalClosedDates(yearOfEpochDay(epochDay)).has(formatEpochDay(epochDay));
}
