/**
 * Dates are shown in the viewer's time zone, with the UTC instant on hover;
 * deadlines as a countdown. Everything takes `now` so it can be tested.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const local = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
});
const localDate = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const localShort = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
});

export const viewerTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

export function formatLocal(iso: string, format: Intl.DateTimeFormat = local): string {
  return format.format(new Date(iso));
}

export const formatLocalDate = (iso: string): string => formatLocal(iso, localDate);

/** For tables and cards: the year only when it is not this one (the full instant is on hover). */
export function formatLocalCompact(iso: string, now = Date.now()): string {
  const sameYear = new Date(iso).getFullYear() === new Date(now).getFullYear();
  return sameYear ? formatLocal(iso, localShort) : formatLocal(iso, localDate);
}

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
