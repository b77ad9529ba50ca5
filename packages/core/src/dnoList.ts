import type { TDnoEntry } from '@hoptrace/contracts';
import { dnoVersion, liveDnoEntries, type Db, type DnoEntryRow } from '@hoptrace/db';
import { buildDnoIndex, type DnoIndex } from '@hoptrace/registry';

/** The entry as the index keeps it and the API shows it. */
export type DnoListEntry = TDnoEntry;

/** The live DNO list at one version, with its index: immutable, shared by every request. */
export interface DnoSnapshot {
  readonly version: number;
  /** Live entries ordered by start, end, id (the order the list is published in). */
  readonly entries: readonly DnoListEntry[];
  readonly index: DnoIndex<DnoListEntry>;
  check(e164: string): DnoListEntry | null;
}

export function presentDnoEntry(row: DnoEntryRow): DnoListEntry {
  return {
    id: row.id,
    category: row.category,
    start: row.start,
    end: row.end,
    source: row.source,
    reason: row.reason,
    organisation: row.organisation,
    evidence: row.evidence,
    addedAt: row.addedAt.toISOString(),
    removedAt: row.removedAt?.toISOString() ?? null,
    versionAdded: row.versionAdded,
    versionRemoved: row.versionRemoved ?? null,
  };
}

function snapshotOf(version: number, rows: DnoEntryRow[]): DnoSnapshot {
  const entries = rows.map(presentDnoEntry);
  const index = buildDnoIndex(entries);
  return Object.freeze({ version, entries, index, check: (e164: string) => index.check(e164) });
}

export interface DnoListOptions {
  /**
   * How long a snapshot is trusted before the stored version is checked again (one indexed
   * `max(version)` read). Changes made through this process rebuild at once; this only bounds how
   * late a change made by another process is seen.
   */
  recheckMs?: number;
  /** Monotonic milliseconds; a test may pass its own. */
  now?: () => number;
}

/**
 * Holds the current DNO snapshot for a process. `current()` returns it, rebuilding first when the
 * stored version is newer; concurrent callers share one rebuild, and an older rebuild finishing
 * late never replaces a newer snapshot.
 */
export class DnoList {
  private snapshot: DnoSnapshot | null = null;
  private checkedAt = -Infinity;
  private pending: Promise<DnoSnapshot> | null = null;
  private readonly recheckMs: number;
  private readonly now: () => number;

  constructor(
    private readonly db: Db,
    opts: DnoListOptions = {},
  ) {
    this.recheckMs = opts.recheckMs ?? 2000;
    this.now = opts.now ?? (() => performance.now());
  }

  async current(): Promise<DnoSnapshot> {
    const snapshot = this.snapshot;
    const age = this.now() - this.checkedAt;
    if (snapshot && age < this.recheckMs) {
      // Refresh ahead: past half the interval the version is rechecked in the background, so
      // under steady traffic no request waits for the database (a check's p99 stays in memory).
      if (age >= this.recheckMs / 2 && !this.pending) void this.refresh().catch(() => undefined);
      return snapshot;
    }
    return this.refresh();
  }

  private refresh(): Promise<DnoSnapshot> {
    return (this.pending ??= this.refreshIfStale().finally(() => {
      this.pending = null;
    }));
  }

  /** Called after a change commits: the next request sees it without waiting for the recheck. */
  async changed(): Promise<DnoSnapshot> {
    this.checkedAt = -Infinity;
    await this.pending?.catch(() => undefined);
    return this.current();
  }

  private async refreshIfStale(): Promise<DnoSnapshot> {
    const startedAt = this.now();
    const stored = await dnoVersion(this.db);
    if (this.snapshot && this.snapshot.version >= stored) {
      this.checkedAt = startedAt;
      return this.snapshot;
    }
    // Entries and version read in one snapshot, so the version names exactly this list.
    const loaded = await this.db.transaction(
      async (tx) => {
        const version = await dnoVersion(tx);
        return snapshotOf(version, await liveDnoEntries(tx));
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    );
    if (!this.snapshot || loaded.version >= this.snapshot.version) this.snapshot = loaded;
    this.checkedAt = startedAt;
    return this.snapshot;
  }
}
