import { DNO_CATEGORIES } from './types';
import type { DnoCategory, DnoEntry } from './types';

export interface DnoIndexStats {
  entries: number;
  /** Distinct single numbers. */
  singles: number;
  ranges: number;
  /** Disjoint intervals the ranges were flattened into. */
  segments: number;
  rejected: number;
}

export interface RejectedDnoEntry<T extends DnoEntry = DnoEntry> {
  entry: T;
  reason: string;
}

/** Immutable after build: safe to share between all requests and to swap atomically on change. */
export interface DnoIndex<T extends DnoEntry = DnoEntry> {
  /** The entry that covers this E.164 number, or null (also for input that is not E.164). */
  check(e164: string): T | null;
  checkBatch(e164s: readonly string[]): Array<T | null>;
  readonly stats: DnoIndexStats;
  /** Entries left out of the index (malformed numbers, reversed range, unknown category). */
  readonly rejected: ReadonlyArray<RejectedDnoEntry<T>>;
}

const CATEGORY_RANK: Record<DnoCategory, number> = {
  subscriber_requested: 0,
  invalid: 1,
  unallocated: 2,
  allocated_unused: 3,
};

/**
 * An E.164 number as an integer: "+" and 2–15 digits, the first not 0. Numbers of different
 * lengths never share a value, and every integer between two numbers of the same length has that
 * length too, so a same-length range is exactly an integer interval. Up to 15 digits fit a double
 * exactly (< 2^53). Returns -1 for anything else.
 */
export function e164Key(e164: string): number {
  const length = e164.length;
  if (length < 3 || length > 16 || e164.charCodeAt(0) !== 43) return -1;
  const first = e164.charCodeAt(1) - 48;
  if (first < 1 || first > 9) return -1;
  let value = first;
  for (let i = 2; i < length; i++) {
    const digit = e164.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * Which entry answers for a number several entries cover, best first:
 * 1. subscriber-requested: it names who asked and why, which is what a flagged call must show;
 * 2. the narrowest (a single number before its block, a block before its area code): the more
 *    specific statement about the number;
 * 3. category: invalid, unallocated, allocated-but-unused (from the most to the least certain);
 * 4. id, so the answer never depends on input order.
 */
function precedes(a: DnoEntry, widthA: number, b: DnoEntry, widthB: number): number {
  const subA = a.category === 'subscriber_requested' ? 0 : 1;
  const subB = b.category === 'subscriber_requested' ? 0 : 1;
  return (
    subA - subB ||
    widthA - widthB ||
    CATEGORY_RANK[a.category] - CATEGORY_RANK[b.category] ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** A binary min-heap of range ranks; the sweep below keeps the active ranges in it. */
class RankHeap {
  private readonly items: number[] = [];
  get size(): number {
    return this.items.length;
  }
  top(): number {
    return this.items[0] ?? -1;
  }
  push(value: number): void {
    const items = this.items;
    let i = items.push(value) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] ?? 0;
      if (p <= value) break;
      items[i] = p;
      i = parent;
    }
    items[i] = value;
  }
  pop(): void {
    const items = this.items;
    const last = items.pop();
    if (last === undefined || items.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && (items[right] ?? 0) < (items[left] ?? 0) ? right : left;
      const c = items[child] ?? 0;
      if (c >= last) break;
      items[i] = c;
      i = child;
    }
    items[i] = last;
  }
}

/**
 * Builds the in-memory DNO index: single numbers in a sorted Float64Array, ranges flattened into
 * sorted disjoint intervals that each point at the entry winning there (see `precedes`), so a
 * check is two binary searches over typed arrays and never walks overlapping entries. Entries
 * are returned as given (extra fields such as source or organisation come back with them); the
 * index keeps references and never changes them.
 */
export function buildDnoIndex<T extends DnoEntry>(entries: readonly T[]): DnoIndex<T> {
  const rejected: Array<RejectedDnoEntry<T>> = [];
  const accepted: Array<{ entry: T; start: number; end: number }> = [];
  for (const entry of entries) {
    const start = e164Key(entry.start);
    const end = e164Key(entry.end);
    let reason: string | null = null;
    if (!DNO_CATEGORIES.includes(entry.category)) reason = `unknown category "${String(entry.category)}"`;
    else if (start < 0) reason = `start "${entry.start}" is not an E.164 number`;
    else if (end < 0) reason = `end "${entry.end}" is not an E.164 number`;
    else if (entry.start.length !== entry.end.length) reason = 'start and end have different lengths';
    else if (start > end) reason = 'start is after end';
    if (reason) rejected.push({ entry, reason });
    else accepted.push({ entry, start, end });
  }

  // Rank every accepted entry once; the structures below only compare ranks.
  const order = accepted
    .map((_, i) => i)
    .sort((i, j) => {
      const a = accepted[i];
      const b = accepted[j];
      return a && b ? precedes(a.entry, a.end - a.start, b.entry, b.end - b.start) : 0;
    });
  const ranked = order.map((i) => accepted[i]).filter((a) => a !== undefined);

  // Ranges: sweep their boundaries with a heap of active ranks; each elementary interval gets the
  // best active rank, and neighbours with the same winner merge.
  const rangeRanks = ranked.flatMap((a, rank) => (a.start < a.end ? [rank] : []));
  const byStart = [...rangeRanks].sort((i, j) => (ranked[i]?.start ?? 0) - (ranked[j]?.start ?? 0));
  const points = [
    ...new Set(rangeRanks.flatMap((rank) => [ranked[rank]?.start ?? 0, (ranked[rank]?.end ?? 0) + 1])),
  ].sort((a, b) => a - b);
  const segStarts: number[] = [];
  const segEnds: number[] = [];
  const segRanks: number[] = [];
  const heap = new RankHeap();
  let next = 0;
  for (let k = 0; k < points.length; k++) {
    const point = points[k] ?? 0;
    while (next < byStart.length && ranked[byStart[next] ?? 0]?.start === point)
      heap.push(byStart[next++] ?? 0);
    while (heap.size > 0 && (ranked[heap.top()]?.end ?? 0) < point) heap.pop();
    if (heap.size === 0) continue;
    const winner = heap.top();
    const end = (points[k + 1] ?? point + 1) - 1;
    const last = segRanks.length - 1;
    if (last >= 0 && segRanks[last] === winner && segEnds[last] === point - 1) segEnds[last] = end;
    else {
      segStarts.push(point);
      segEnds.push(end);
      segRanks.push(winner);
    }
  }
  const rangeStart = Float64Array.from(segStarts);
  const rangeEnd = Float64Array.from(segEnds);
  const rangeRank = Int32Array.from(segRanks);

  function rangeRankAt(key: number): number {
    let lo = 0;
    let hi = rangeStart.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((rangeStart[mid] ?? Infinity) <= key) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 && key <= (rangeEnd[found] ?? -1) ? (rangeRank[found] ?? -1) : -1;
  }

  // Singles: the best rank per number, unless a range covering it ranks better (only a
  // subscriber-requested range over a number listed for another reason can).
  const singleRank = new Map<number, number>();
  ranked.forEach((a, rank) => {
    if (a.start === a.end && !singleRank.has(a.start)) singleRank.set(a.start, rank);
  });
  const singleKeys = Float64Array.from([...singleRank.keys()].sort((a, b) => a - b));
  const singleRanks = Int32Array.from(singleKeys, (key) => {
    const own = singleRank.get(key) ?? -1;
    const range = rangeRankAt(key);
    return range >= 0 && range < own ? range : own;
  });
  const winners: T[] = ranked.map((a) => a.entry);

  function lookup(key: number): T | null {
    if (key < 0) return null;
    let lo = 0;
    let hi = singleKeys.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const value = singleKeys[mid] ?? 0;
      if (value < key) lo = mid + 1;
      else if (value > key) hi = mid - 1;
      else return winners[singleRanks[mid] ?? -1] ?? null;
    }
    const rank = rangeRankAt(key);
    return rank >= 0 ? (winners[rank] ?? null) : null;
  }

  const stats: DnoIndexStats = Object.freeze({
    entries: accepted.length,
    singles: singleKeys.length,
    ranges: rangeRanks.length,
    segments: rangeStart.length,
    rejected: rejected.length,
  });

  return Object.freeze({
    check: (e164: string) => lookup(e164Key(e164)),
    checkBatch(e164s: readonly string[]): Array<T | null> {
      const out = new Array<T | null>(e164s.length);
      for (let i = 0; i < e164s.length; i++) out[i] = lookup(e164Key(e164s[i] ?? ''));
      return out;
    },
    stats,
    rejected: Object.freeze(rejected),
  });
}
