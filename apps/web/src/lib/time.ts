/**
 * Every time shown says its zone: the viewer's own by default, a provider's own for its deadlines, and
 * UTC for a call's time (the zone the open form and call records use). Everything takes `now` where it
 * matters so it can be tested.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** `full`: date and time; `compact`: the year only when it is not this one; `date`: the day alone. */
export type InstantStyle = 'full' | 'compact' | 'date';

const OPTIONS: Record<'full' | 'short' | 'date', Intl.DateTimeFormatOptions> = {
  full: {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  },
  short: { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' },
  date: { year: 'numeric', month: 'short', day: 'numeric' },
};

// Building a DateTimeFormat is slow next to using one; a table draws hundreds of dates.
const formats = new Map<string, Intl.DateTimeFormat>();
function formatOf(kind: keyof typeof OPTIONS, timeZone: string | undefined): Intl.DateTimeFormat {
  const key = `${kind} ${timeZone ?? ''}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(undefined, { ...OPTIONS[kind], ...(timeZone ? { timeZone } : {}) });
    formats.set(key, f);
  }
  return f;
}

export const viewerTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

const yearIn = (at: number, timeZone: string | undefined): string =>
  formatOf('date', timeZone)
    .formatToParts(at)
    .find((p) => p.type === 'year')?.value ?? '';

/**
 * An instant in a time zone (the viewer's when none is given), its zone named: `Nov 1, 2026, 2:03 PM UTC`,
 * compact `Nov 1, 8:03 AM CST`. A date alone carries no zone.
 */
export function formatInstant(
  iso: string,
  opts: { style?: InstantStyle; timeZone?: string | undefined; now?: number } = {},
): string {
  const at = Date.parse(iso);
  const style = opts.style ?? 'full';
  if (style === 'date') return formatOf('date', opts.timeZone).format(at);
  if (style === 'compact') {
    const sameYear = yearIn(at, opts.timeZone) === yearIn(opts.now ?? Date.now(), opts.timeZone);
    return formatOf(sameYear ? 'short' : 'date', opts.timeZone).format(at);
  }
  return formatOf('full', opts.timeZone).format(at);
}

/** The zone's short name at that instant, as dates show it: `UTC`, `CST`, `GMT+1`. */
export function zoneName(iso: string, timeZone?: string): string {
  return (
    formatOf('full', timeZone)
      .formatToParts(Date.parse(iso))
      .find((p) => p.type === 'timeZoneName')?.value ?? ''
  );
}

/** A call's time: in UTC, the zone the open form takes it in and providers' call records use. */
export const CALL_TIME_ZONE = 'UTC';

export const formatLocal = (iso: string): string => formatInstant(iso);

export const formatLocalDate = (iso: string): string => formatInstant(iso, { style: 'date' });

/** For tables and cards: the year only when it is not this one (the full instant is on hover). */
export const formatLocalCompact = (iso: string, now = Date.now()): string =>
  formatInstant(iso, { style: 'compact', now });

/** `2026-11-02 15:00:00 UTC`: unambiguous, and what providers' call records use. */
export function formatUtc(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A duration as people say it: `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < MINUTE) return `${Math.floor(abs / 1000)} s`;
  if (abs < HOUR) return `${Math.floor(abs / MINUTE)} min`;
  if (abs < DAY) {
    const h = Math.floor(abs / HOUR);
    const m = Math.floor((abs % HOUR) / MINUTE);
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  const d = Math.floor(abs / DAY);
  const h = Math.floor((abs % DAY) / HOUR);
  return h ? `${d} d ${h} h` : `${d} d`;
}

export type Urgency = 'overdue' | 'soon' | 'later';

/** Matches the dashboard's "due within 2 hours". */
export const SOON_MS = 2 * HOUR;

export interface Countdown {
  urgency: Urgency;
  /** `due in 3 h 5 min`, `overdue by 12 min`. */
  text: string;
}

export function countdown(dueAt: string, now: number): Countdown {
  const left = Date.parse(dueAt) - now;
  if (left <= 0) return { urgency: 'overdue', text: `overdue by ${formatDuration(-left)}` };
  return { urgency: left <= SOON_MS ? 'soon' : 'later', text: `due in ${formatDuration(left)}` };
}

/** How often a countdown needs redrawing: every second in the last minutes, else every 30 s. */
export function tickFor(dueAt: string, now: number): number {
  return Math.abs(Date.parse(dueAt) - now) < 10 * MINUTE ? 1000 : 30_000;
}

/** Hours as a statistic: `45 min`, `3.2 h`, `2.5 d`. */
export function formatHours(hours: number | null): string {
  if (hours === null) return '—';
  if (hours < 1) return `${Math.round(hours * 60)} min`;
  if (hours < 48) return `${Math.round(hours * 10) / 10} h`;
  return `${Math.round((hours / 24) * 10) / 10} d`;
}

export type ParsedInstant = { ok: true; iso: string } | { ok: false; reason: string };

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?\s*(Z|UTC|[+-]\d{2}:?\d{2})?$/i;

/**
 * A call time as analysts paste it from honeypot and provider records:
 * `2026-11-20 15:04`, `2026-11-20T15:04:05Z`, `2026-11-20 10:04:05 -05:00`.
 * Without an offset the time is UTC, as the form's label says.
 */
export function parseCallTime(input: string): ParsedInstant {
  const text = input.trim();
  if (!text) return { ok: false, reason: 'Enter the time of the call' };
  const m = INSTANT.exec(text);
  if (!m) return { ok: false, reason: 'Write it as 2026-11-20 15:04 (UTC) or an ISO 8601 date-time' };
  const [, y, mo, d, h, mi, s = '0', frac = '0', zone] = m;
  const offset = !zone || /^(z|utc)$/i.test(zone) ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const iso = `${y}-${mo}-${d}T${h!.padStart(2, '0')}:${mi}:${s.padStart(2, '0')}.${frac.padEnd(3, '0')}${offset}`;
  const at = new Date(iso);
  // Date accepts 2026-02-31 by rolling over; a call record never means that.
  const check = new Date(at.getTime() + (offset === 'Z' ? 0 : offsetMinutes(offset) * MINUTE));
  if (
    Number.isNaN(at.getTime()) ||
    check.getUTCFullYear() !== Number(y) ||
    check.getUTCMonth() + 1 !== Number(mo) ||
    check.getUTCDate() !== Number(d) ||
    check.getUTCHours() !== Number(h) ||
    Number(mi) > 59 ||
    Number(s) > 59
  )
    return { ok: false, reason: 'That date or time does not exist' };
  return { ok: true, iso: at.toISOString() };
}

function offsetMinutes(offset: string): number {
  const sign = offset.startsWith('-') ? -1 : 1;
  return sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
}

/** Local midnight of a `YYYY-MM-DD` day from a date input, as an instant. */
export function startOfLocalDay(day: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return undefined;
  const at = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

/** The local midnight after that day: the exclusive end of a "to" date. */
export function endOfLocalDay(day: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return undefined;
  const at = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

export interface ResponseScale {
  /** Minutes when every median is under two hours (so answers within minutes still show), else hours. */
  unit: 'min' | 'h';
  /** Each week's median in that unit; null for a week with no answer (nothing drawn, not a zero). */
  values: Array<number | null>;
  /** The top of the axis: never zero, so the axis has ticks even when every answer came at once. */
  max: number;
  /** The 24-hour deadline, drawn when the axis is in hours. */
  deadline: number | null;
}

/** How to draw a provider's median response times per week, from zero minutes to days. */
export function responseScale(medianHours: Array<number | null>): ResponseScale {
  const known = medianHours.filter((h): h is number => h !== null);
  const top = Math.max(0, ...known);
  if (top < 2) {
    const values = medianHours.map((h) => (h === null ? null : Math.round(h * 600) / 10));
    return { unit: 'min', values, max: Math.max(10, Math.ceil((top * 60) / 10) * 10), deadline: null };
  }
  const values = medianHours.map((h) => (h === null ? null : Math.round(h * 10) / 10));
  return { unit: 'h', values, max: Math.max(24, Math.ceil(top)), deadline: 24 };
}
