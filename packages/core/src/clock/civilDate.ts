/**
 * Calendar dates without a time zone ('YYYY-MM-DD'), counted as days since 1970-01-01 so that date
 * arithmetic is integer arithmetic and never goes through a local clock.
 */

export const DAY_MS = 86_400_000;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a proleptic Gregorian date; month and day may overflow (day 0 = last of previous month). */
export function epochDayOf(year: number, month: number, day: number): number {
  // setUTCFullYear rather than Date.UTC: Date.UTC maps years 0-99 to 1900-1999.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return Math.round(d.getTime() / DAY_MS);
}

/** ISO weekday, 1 = Monday .. 7 = Sunday. */
export function isoWeekdayOfEpochDay(epochDay: number): number {
  // 1970-01-01 was a Thursday (ISO 4).
  return ((((epochDay + 3) % 7) + 7) % 7) + 1;
}

export function formatEpochDay(epochDay: number): string {
  const d = new Date(epochDay * DAY_MS);
  const y = String(d.getUTCFullYear()).padStart(4, '0');
  const m = String(d.getUTCMonth() + 1).padStart(2, '0');
  const day = String(d.getUTCDate()).padStart(2, '0');
  return `${y}-${m}-${day}`;
}

/** Strict 'YYYY-MM-DD' that names a real date (no 2026-02-30), or undefined. */
export function parseCivilDate(text: string): number | undefined {
  const match = DATE_PATTERN.exec(text);
  if (!match) return undefined;
  const epochDay = epochDayOf(Number(match[1]), Number(match[2]), Number(match[3]));
  // Round-tripping rejects anything Date normalised (month 13, day 31 in a 30-day month).
  return formatEpochDay(epochDay) === text ? epochDay : undefined;
}

export function yearOfEpochDay(epochDay: number): number {
  return new Date(epochDay * DAY_MS).getUTCFullYear();
}
