/**
 * Record times without guesswork: a timestamp is read only when it says which instant it is, by its
 * own offset, by being an epoch, or by the time zone configured for its source. Anything else
 * (a zoneless time with no zone given, `05/12/2026`, a syslog stamp without a year) is an error.
 */

export class RecordTimeError extends Error {}

/** A time zone name the runtime knows (IANA, e.g. `America/Chicago`), or an error saying so. */
export function checkTimeZone(zone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new RecordTimeError(`--time-zone "${zone}" is not a time zone name (e.g. America/Chicago, UTC)`);
  }
  return zone;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterOf(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The zone's offset from UTC at an instant, in ms (wall clock minus UTC). */
function offsetAt(ms: number, zone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatterOf(zone).formatToParts(new Date(ms)))
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wall - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * The instant a wall-clock time in `zone` stands for. In the hour a clock goes back, the earlier of the
 * two instants; in the hour it skips, the time as if the clock had not moved yet (both as Temporal's
 * "compatible"). Decision 0031 says why that cannot produce a wrong answer.
 */
export function wallTimeToInstant(wallAsUtcMs: number, zone: string): number {
  // Offsets half a day either side bracket any transition; each gives an instant that is right if the
  // zone really has that offset then.
  const before = offsetAt(wallAsUtcMs - 43_200_000, zone);
  const after = offsetAt(wallAsUtcMs + 43_200_000, zone);
  const valid = [before, after]
    .map((o) => wallAsUtcMs - o)
    .filter((t) => offsetAt(t, zone) === wallAsUtcMs - t);
  if (valid.length) return Math.min(...valid);
  return wallAsUtcMs - before;
}

/** `YYYY-MM-DD HH:MM:SS` (with the date and time in the zone, or UTC when the zone is UTC). */
export function formatInZone(ms: number, zone: string): string {
  const p: Record<string, string> = {};
  for (const part of formatterOf(zone).formatToParts(new Date(ms))) p[part.type] = part.value;
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

const ISO_ZONED =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)$/i;
const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?$/;
const EPOCH = /^\d{9,10}(\.\d+)?$/;
const EPOCH_MS = /^\d{13}$/;
const EPOCH_US = /^\d{16}$/;
const SLASHED = /^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}/;
const SYSLOG = /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+\d{1,2}\s+\d{2}:\d{2}/i;

function wallMs(m: RegExpExecArray): number {
  const [, y, mo, d, h, mi, s, frac] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    throw new RecordTimeError('is not a calendar date and time');
  const ms = Date.UTC(Number(y), month - 1, day, hour, minute, second) + Math.round(Number(frac ?? 0) * 1000);
  if (new Date(ms).getUTCDate() !== day) throw new RecordTimeError('is not a calendar date');
  return ms;
}

/**
 * A record's time as epoch ms. `zone` is the source's configured time zone (null: none given, so a
 * zoneless time is refused rather than read in this process's zone). Throws RecordTimeError with
 * the reason; callers name the row.
 */
export function parseRecordTime(raw: string, zone: string | null): number {
  const s = raw.trim();
  if (EPOCH.test(s)) return Math.round(Number(s) * 1000);
  if (EPOCH_MS.test(s)) return Number(s);
  if (EPOCH_US.test(s)) return Math.round(Number(s) / 1000);
  const zoned = ISO_ZONED.exec(s);
  if (zoned) {
    const tz = zoned[8]!.toUpperCase();
    if (tz === 'Z') return wallMs(zoned);
    const sign = tz.startsWith('-') ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    const offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0)) * 60_000;
    return wallMs(zoned) - offset;
  }
  const local = ISO_LOCAL.exec(s);
  if (local) {
    if (!zone)
      throw new RecordTimeError(
        `"${s}" has no time zone and none is configured: give --time-zone (the switch's zone, e.g. America/Chicago or UTC)`,
      );
    return wallTimeToInstant(wallMs(local), zone);
  }
  if (SLASHED.test(s))
    throw new RecordTimeError(`"${s}" is ambiguous (day/month or month/day): use YYYY-MM-DD, or a mapping`);
  if (SYSLOG.test(s)) throw new RecordTimeError(`"${s}" has no year (a syslog stamp): it cannot be placed`);
  throw new RecordTimeError(`"${s}" is not a time the agent reads (ISO 8601, or Unix epoch seconds)`);
}

/** Whether a time needs the source's zone to be read (so a start-up check can refuse early). */
export const isZoneless = (raw: string): boolean => ISO_LOCAL.test(raw.trim());
