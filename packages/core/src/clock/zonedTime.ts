import { IANAZone } from 'luxon';
import { DAY_MS } from './civilDate';

const MINUTE_MS = 60_000;

/**
 * An IANA zone, or RangeError. Only Area/Location names (and UTC) are accepted: tzdb also carries
 * legacy names such as 'EST', a fixed UTC-5 with no daylight saving time, which a provider in New York
 * would pick by mistake and get every summer deadline wrong by an hour.
 */
export function ianaZone(name: string): IANAZone {
  const zone = zoneOrUndefined(name);
  if (zone === undefined) throw new RangeError(`unknown IANA time zone: ${JSON.stringify(name)}`);
  return zone;
}

const ZONE_NAME_PATTERN = /^(?:UTC|[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)+)$/;

export function zoneOrUndefined(name: string): IANAZone | undefined {
  if (!ZONE_NAME_PATTERN.test(name)) return undefined;
  const zone = IANAZone.create(name);
  return zone.isValid ? zone : undefined;
}

/**
 * A zone's UTC offset (minutes) at instant `t`, remembered per exact instant: luxon asks
 * Intl.DateTimeFormat each time (tens of microseconds), and deadline arithmetic asks again and
 * again about the same instants (the opening minute of the same day, a day either side), so most
 * questions are answered from memory. Exact keys keep it exact; the memory is bounded.
 */
const offsets = new Map<string, Map<number, number>>();
const OFFSETS_KEPT = 20_000;
export function offsetAt(zone: IANAZone, t: number): number {
  let known = offsets.get(zone.name);
  if (!known) offsets.set(zone.name, (known = new Map<number, number>()));
  let offset = known.get(t);
  if (offset === undefined) {
    if (known.size >= OFFSETS_KEPT) known.clear();
    offset = zone.offset(t);
    known.set(t, offset);
  }
  return offset;
}

export interface Wall {
  /** Local calendar date as days since 1970-01-01. */
  epochDay: number;
  /** Milliseconds the local clock shows since local midnight. */
  msOfDay: number;
}

/** What a clock on the wall in `zone` shows at instant `t` (epoch ms). */
export function wallAt(zone: IANAZone, t: number): Wall {
  const local = t + offsetAt(zone, t) * MINUTE_MS;
  const epochDay = Math.floor(local / DAY_MS);
  return { epochDay, msOfDay: local - epochDay * DAY_MS };
}

/**
 * The first instant at which the local clock shows `minuteOfDay` on `epochDay`, or a later time of that
 * day. Luxon's own local-to-instant conversion resolves an ambiguous (fall-back) time by guessing from
 * the offset in effect *now*, which would make results depend on when they are computed; this is
 * deterministic:
 * - an ambiguous time (it happens twice) resolves to its first occurrence;
 * - a time skipped by spring-forward resolves to the instant of the jump, the first moment the clock
 *   reads that time or later.
 * Assumes no two offset changes within two days of each other, true of every zone in tzdb today.
 */
export function firstInstantAtOrAfter(zone: IANAZone, epochDay: number, minuteOfDay: number): number {
  const local = epochDay * DAY_MS + minuteOfDay * MINUTE_MS;
  const offsetBefore = offsetAt(zone, local - DAY_MS);
  const offsetAfter = offsetAt(zone, local + DAY_MS);
  const asBefore = local - offsetBefore * MINUTE_MS;
  const asAfter = local - offsetAfter * MINUTE_MS;
  const candidates = [asBefore, asAfter].filter((t) => t + offsetAt(zone, t) * MINUTE_MS === local);
  if (candidates.length > 0) return Math.min(...candidates);

  // Skipped time: the clock jumped forward across it. Bisect for the first instant on the new offset.
  let lo = Math.min(asBefore, asAfter);
  let hi = Math.max(asBefore, asAfter);
  const newOffset = offsetAt(zone, hi);
  if (offsetAt(zone, lo) === newOffset) {
    throw new RangeError(`cannot resolve local time in ${zone.name}: offset changes twice within two days`);
  }
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (offsetAt(zone, mid) === newOffset) hi = mid;
    else lo = mid;
  }
  return hi;
}
