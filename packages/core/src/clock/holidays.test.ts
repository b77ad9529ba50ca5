import { describe, expect, it } from 'vitest';
import { usFederalHolidays } from './holidays';

/** [legal date, observed date] in date order. */
type Expected = Array<[string, string]>;

const NAMES = [
  "New Year's Day",
  'Birthday of Martin Luther King, Jr.',
  "Washington's Birthday",
  'Memorial Day',
  'Juneteenth National Independence Day',
  'Independence Day',
  'Labor Day',
  'Columbus Day',
  'Veterans Day',
  'Thanksgiving Day',
  'Christmas Day',
];

function expectYear(year: number, expected: Expected): void {
  expect(usFederalHolidays(year)).toEqual(
    expected.map(([date, observed], i) => ({ date, name: NAMES[i], observed })),
  );
}

describe('usFederalHolidays against the OPM published lists', () => {
  // opm.gov "Federal Holidays" for 2024: no holiday fell on a weekend.
  it('2024', () => {
    expectYear(2024, [
      ['2024-01-01', '2024-01-01'],
      ['2024-01-15', '2024-01-15'],
      ['2024-02-19', '2024-02-19'],
      ['2024-05-27', '2024-05-27'],
      ['2024-06-19', '2024-06-19'],
      ['2024-07-04', '2024-07-04'],
      ['2024-09-02', '2024-09-02'],
      ['2024-10-14', '2024-10-14'],
      ['2024-11-11', '2024-11-11'],
      ['2024-11-28', '2024-11-28'],
      ['2024-12-25', '2024-12-25'],
    ]);
  });

  it('2025', () => {
    expectYear(2025, [
      ['2025-01-01', '2025-01-01'],
      ['2025-01-20', '2025-01-20'],
      ['2025-02-17', '2025-02-17'],
      ['2025-05-26', '2025-05-26'],
      ['2025-06-19', '2025-06-19'],
      ['2025-07-04', '2025-07-04'],
      ['2025-09-01', '2025-09-01'],
      ['2025-10-13', '2025-10-13'],
      ['2025-11-11', '2025-11-11'],
      ['2025-11-27', '2025-11-27'],
      ['2025-12-25', '2025-12-25'],
    ]);
  });

  // 2026: Independence Day is a Saturday; OPM lists Friday, July 3.
  it('2026', () => {
    expectYear(2026, [
      ['2026-01-01', '2026-01-01'],
      ['2026-01-19', '2026-01-19'],
      ['2026-02-16', '2026-02-16'],
      ['2026-05-25', '2026-05-25'],
      ['2026-06-19', '2026-06-19'],
      ['2026-07-04', '2026-07-03'],
      ['2026-09-07', '2026-09-07'],
      ['2026-10-12', '2026-10-12'],
      ['2026-11-11', '2026-11-11'],
      ['2026-11-26', '2026-11-26'],
      ['2026-12-25', '2026-12-25'],
    ]);
  });

  // 2027: Juneteenth and Christmas on Saturdays, Independence Day on a Sunday.
  it('2027', () => {
    expectYear(2027, [
      ['2027-01-01', '2027-01-01'],
      ['2027-01-18', '2027-01-18'],
      ['2027-02-15', '2027-02-15'],
      ['2027-05-31', '2027-05-31'],
      ['2027-06-19', '2027-06-18'],
      ['2027-07-04', '2027-07-05'],
      ['2027-09-06', '2027-09-06'],
      ['2027-10-11', '2027-10-11'],
      ['2027-11-11', '2027-11-11'],
      ['2027-11-25', '2027-11-25'],
      ['2027-12-25', '2027-12-24'],
    ]);
  });
});

describe('observed dates', () => {
  const observedOf = (year: number, name: string): string | undefined =>
    usFederalHolidays(year).find((h) => h.name === name)?.observed;

  it.each([
    [2028, "New Year's Day", '2027-12-31', 'Saturday Jan 1 -> Friday Dec 31 of the previous year'],
    [2022, "New Year's Day", '2021-12-31', 'Saturday Jan 1 -> Friday Dec 31 of the previous year'],
    [2023, "New Year's Day", '2023-01-02', 'Sunday Jan 1 -> Monday Jan 2'],
    [2027, 'Christmas Day', '2027-12-24', 'Saturday -> Friday'],
    [2022, 'Christmas Day', '2022-12-26', 'Sunday -> Monday'],
    [2026, 'Independence Day', '2026-07-03', 'Saturday -> Friday'],
    [2027, 'Independence Day', '2027-07-05', 'Sunday -> Monday'],
    [2021, 'Juneteenth National Independence Day', '2021-06-18', 'Saturday -> Friday'],
    [2022, 'Juneteenth National Independence Day', '2022-06-20', 'Sunday -> Monday'],
    [2023, 'Veterans Day', '2023-11-10', 'Saturday -> Friday'],
    [2029, 'Veterans Day', '2029-11-12', 'Sunday -> Monday'],
  ])('%i %s is observed %s (%s)', (year, name, observed) => {
    expect(observedOf(year, name)).toBe(observed);
  });

  it('every observed date from 1971 to 2200 is a weekday within a day of the legal date', () => {
    for (let year = 1971; year <= 2200; year++) {
      for (const h of usFederalHolidays(year)) {
        const legal = new Date(`${h.date}T00:00:00Z`);
        const observed = new Date(`${h.observed}T00:00:00Z`);
        const weekday = observed.getUTCDay();
        expect(weekday, `${year} ${h.name}`).not.toBe(0);
        expect(weekday, `${year} ${h.name}`).not.toBe(6);
        expect(Math.abs(observed.getTime() - legal.getTime()), `${year} ${h.name}`).toBeLessThanOrEqual(
          86_400_000,
        );
        if (legal.getUTCDay() >= 1 && legal.getUTCDay() <= 5) expect(h.observed).toBe(h.date);
      }
    }
  });

  it('Monday holidays are on the right Monday in every year', () => {
    for (let year = 1986; year <= 2200; year++) {
      const byName = new Map(usFederalHolidays(year).map((h) => [h.name, new Date(`${h.date}T00:00:00Z`)]));
      const check = (name: string, month: number, dayRange: [number, number]): void => {
        const d = byName.get(name);
        expect(d?.getUTCDay(), `${year} ${name}`).toBe(1);
        expect(d?.getUTCMonth(), `${year} ${name}`).toBe(month - 1);
        expect(d?.getUTCDate(), `${year} ${name}`).toBeGreaterThanOrEqual(dayRange[0]);
        expect(d?.getUTCDate(), `${year} ${name}`).toBeLessThanOrEqual(dayRange[1]);
      };
      check('Birthday of Martin Luther King, Jr.', 1, [15, 21]);
      check("Washington's Birthday", 2, [15, 21]);
      check('Memorial Day', 5, [25, 31]);
      check('Labor Day', 9, [1, 7]);
      check('Columbus Day', 10, [8, 14]);
      const thanksgiving = byName.get('Thanksgiving Day');
      expect(thanksgiving?.getUTCDay(), `${year} Thanksgiving`).toBe(4);
      expect(thanksgiving?.getUTCDate(), `${year} Thanksgiving`).toBeGreaterThanOrEqual(22);
      expect(thanksgiving?.getUTCDate(), `${year} Thanksgiving`).toBeLessThanOrEqual(28);
    }
  });
});

describe('holidays that began or moved after 1971', () => {
  const datesOf = (year: number, name: string): string[] =>
    usFederalHolidays(year)
      .filter((h) => h.name === name)
      .map((h) => h.date);

  it('Juneteenth is a holiday from 2021, not before', () => {
    expect(datesOf(2020, 'Juneteenth National Independence Day')).toEqual([]);
    expect(usFederalHolidays(2020)).toHaveLength(10);
    expect(datesOf(2021, 'Juneteenth National Independence Day')).toEqual(['2021-06-19']);
    expect(usFederalHolidays(2021)).toHaveLength(11);
  });

  it('Martin Luther King Jr. Day is a holiday from 1986 (first observed Jan 20, 1986), not before', () => {
    expect(datesOf(1985, 'Birthday of Martin Luther King, Jr.')).toEqual([]);
    expect(datesOf(1986, 'Birthday of Martin Luther King, Jr.')).toEqual(['1986-01-20']);
  });

  it('Veterans Day was the fourth Monday of October from 1971 to 1977, November 11 from 1978', () => {
    expect(datesOf(1971, 'Veterans Day')).toEqual(['1971-10-25']);
    expect(datesOf(1975, 'Veterans Day')).toEqual(['1975-10-27']);
    expect(datesOf(1977, 'Veterans Day')).toEqual(['1977-10-24']);
    expect(datesOf(1978, 'Veterans Day')).toEqual(['1978-11-11']);
  });

  it.each([1970, 1900, 2026.5, Number.NaN, 10_000])('refuses year %s', (year) => {
    expect(() => usFederalHolidays(year)).toThrow(RangeError);
  });

  it('returns a fresh array each call, so callers cannot corrupt later answers', () => {
    const first = usFederalHolidays(2026);
    first.length = 0;
    expect(usFederalHolidays(2026)).toHaveLength(11);
  });
});
