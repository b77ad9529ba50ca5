/**
 * Property checks of receiptAndDue over thousands of seeded random requests. Local times are read with
 * Intl.DateTimeFormat, not with the module's own zone arithmetic, so a shared mistake cannot hide.
 * Opening and closing times stay at or after 03:00: US clocks change between 01:00 and 03:00, where
 * "inside hours" by clock reading and by instant differ (covered by the example tests instead).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_BUSINESS_CALENDAR, isBusinessDay, receiptAndDue } from './businessHours';
import type { BusinessCalendar } from './businessHours';
import { HOUR_MS } from './clock';

const ZONES = [
  'America/New_York',
  'America/Detroit',
  'America/Indiana/Indianapolis',
  'America/Chicago',
  'America/Denver',
  'America/Boise',
  'America/Phoenix',
  'America/Los_Angeles',
  'America/Anchorage',
  'America/Adak',
  'Pacific/Honolulu',
  'America/Puerto_Rico',
  'America/St_Thomas',
  'Pacific/Guam',
  'Pacific/Saipan',
  'Pacific/Pago_Pago',
];

const FROM = Date.parse('2024-01-01T00:00:00Z');
const TO = Date.parse('2032-01-01T00:00:00Z');

/** mulberry32: small, fast and the same on every machine, so a failure names a reproducible case. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Local date and milliseconds since local midnight, per ICU. */
function localParts(t: number, timezone: string): { date: string; msOfDay: number } {
  let format = formatters.get(timezone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timezone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(t)).map((p) => [p.type, p.value]));
  const ms = ((t % 1000) + 1000) % 1000;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    msOfDay: ((Number(parts.hour) * 60 + Number(parts.minute)) * 60 + Number(parts.second)) * 1000 + ms,
  };
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function insideHours(t: number, cal: BusinessCalendar): boolean {
  const { date, msOfDay } = localParts(t, cal.timezone);
  return (
    isBusinessDay(date, cal) &&
    msOfDay >= minutesOf(cal.open) * 60_000 &&
    msOfDay < minutesOf(cal.close) * 60_000
  );
}

function datesStrictlyBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  for (
    let t = Date.parse(`${from}T00:00:00Z`) + 86_400_000;
    t < Date.parse(`${to}T00:00:00Z`);
    t += 86_400_000
  ) {
    dates.push(new Date(t).toISOString().slice(0, 10));
  }
  return dates;
}

const hhmm = (minutes: number): string =>
  minutes === 24 * 60
    ? '24:00'
    : `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

/**
 * Request times: uniform, but often snapped to a whole UTC hour or minute, which in every zone here is
 * a whole local hour or minute, so exact opening and closing instants are hit often.
 */
function randomInstant(random: () => number): number {
  const t = FROM + Math.floor(random() * (TO - FROM));
  const snap = random();
  if (snap < 0.3) return t - (t % HOUR_MS);
  if (snap < 0.5) return t - (t % 60_000);
  return t;
}

function randomCalendar(random: () => number, timezone: string): BusinessCalendar {
  const days = [1, 2, 3, 4, 5, 6, 7].filter(() => random() < 0.6);
  if (days.length === 0) days.push(1 + Math.floor(random() * 7));
  const open = 3 * 60 + Math.floor(random() * 17 * 60);
  const close = random() < 0.2 ? 24 * 60 : open + 1 + Math.floor(random() * (24 * 60 - open - 1));
  const extraClosedDates = Array.from({ length: Math.floor(random() * 40) }, () =>
    new Date(FROM + Math.floor(random() * (TO - FROM))).toISOString().slice(0, 10),
  );
  return {
    timezone,
    days,
    open: hhmm(open),
    close: hhmm(close),
    holidays: random() < 0.5 ? 'us-federal' : 'none',
    extraClosedDates,
  };
}

function checkProperties(requested: number, cal: BusinessCalendar): void {
  const context = `${new Date(requested).toISOString()} ${JSON.stringify(cal)}`;
  const { receivedAt, dueAt, deferred } = receiptAndDue(new Date(requested), cal);
  const received = receivedAt.getTime();
  const wasInside = insideHours(requested, cal);

  expect(received, context).toBeGreaterThanOrEqual(requested);
  expect(insideHours(received, cal), `received outside business hours: ${context}`).toBe(true);
  expect(received === requested, `received === requested iff inside hours: ${context}`).toBe(wasInside);
  expect(deferred, context).toBe(!wasInside);
  expect(dueAt.getTime() - received, context).toBe(24 * HOUR_MS);

  if (!deferred) return;
  // Deferred receipt is the *first* opening after the request: at opening time, with nothing open between.
  const req = localParts(requested, cal.timezone);
  const rec = localParts(received, cal.timezone);
  expect(rec.msOfDay, `deferred receipt not at opening time: ${context}`).toBe(minutesOf(cal.open) * 60_000);
  for (const date of datesStrictlyBetween(req.date, rec.date)) {
    expect(isBusinessDay(date, cal), `skipped business day ${date}: ${context}`).toBe(false);
  }
  if (rec.date === req.date) {
    expect(req.msOfDay, context).toBeLessThan(minutesOf(cal.open) * 60_000);
  } else if (isBusinessDay(req.date, cal)) {
    expect(req.msOfDay, `skipped the rest of a business day: ${context}`).toBeGreaterThanOrEqual(
      minutesOf(cal.close) * 60_000,
    );
  }
}

describe('receiptAndDue properties', () => {
  it('default calendar, 4000 random requests across 16 US zones', () => {
    const random = seededRandom(20_231_215);
    let deferredCount = 0;
    for (let i = 0; i < 4000; i++) {
      const cal = { ...DEFAULT_BUSINESS_CALENDAR, timezone: pick(random, ZONES) };
      const requested = randomInstant(random);
      checkProperties(requested, cal);
      if (!insideHours(requested, cal)) deferredCount++;
    }
    // Guards against a generator that never exercises one side (about 73% of the week is closed).
    expect(deferredCount).toBeGreaterThan(2400);
    expect(deferredCount).toBeLessThan(3600);
  });

  it('random custom calendars, 2000 random requests', () => {
    const random = seededRandom(64_1200);
    let deferredCount = 0;
    for (let i = 0; i < 2000; i++) {
      const cal = randomCalendar(random, pick(random, ZONES));
      const requested = randomInstant(random);
      checkProperties(requested, cal);
      if (!insideHours(requested, cal)) deferredCount++;
    }
    expect(deferredCount).toBeGreaterThan(200);
    expect(deferredCount).toBeLessThan(1800);
  });
});
