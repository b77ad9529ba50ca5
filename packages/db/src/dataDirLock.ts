import { existsSync, linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * One owner per embedded (PGlite) data directory (decision 0021). PGlite is PostgreSQL in the process:
 * two processes that open the same directory each keep their own copy of the database in memory and
 * overwrite each other's files, so what one of them writes can vanish. The owner holds
 * `hoptrace.lock` in the directory: created with O_EXCL, it names the process (pid, host, its start
 * time where the system tells it, the command, and the admin socket a server listens on). A lock whose
 * process is gone (killed, crashed) is taken over; a live one is refused with `DataDirInUseError`.
 */
export const LOCK_FILE = 'hoptrace.lock';

export interface DataDirOwner {
  pid: number;
  host: string;
  /** The process's start time in clock ticks since boot (Linux `/proc/PID/stat`), against pid reuse. */
  startTicks: number | null;
  /** What holds it, e.g. `hoptrace start` or `hoptrace provider import`. */
  command: string;
  since: string;
  /** The owner's admin socket: CLI commands that change data are sent there (a running server). */
  socket: string | null;
}

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: DataDirOwner,
  ) {
    super(inUseMessage(dataDir, owner));
    this.name = 'DataDirInUseError';
  }
}

function inUseMessage(dataDir: string, owner: DataDirOwner): string {
  const who = `\`${owner.command}\` (pid ${owner.pid}${owner.host === hostname() ? '' : ` on ${owner.host}`}, since ${owner.since})`;
  const what =
    owner.command === 'hoptrace start'
      ? 'stop it first (Ctrl-C or SIGTERM), or run commands that change data while it runs: they go through it'
      : 'wait for it to finish, then try again';
  return (
    `the embedded database in ${dataDir} is in use by ${who}. Only one process may open an embedded database: ${what}. ` +
    'To run several processes at once, use another HOPTRACE_DATA_DIR or PostgreSQL (DATABASE_URL).' +
    (owner.host === hostname()
      ? ''
      : ` If no hoptrace runs on ${owner.host} any more, delete ${join(dataDir, LOCK_FILE)}.`)
  );
}

/** The start time of a process in clock ticks since boot, where the system says (Linux), else null. */
export function processStartTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

/** Whether the process that wrote this lock still runs. A lock from another host cannot be checked: it counts as live. */
export function ownerAlive(owner: DataDirOwner): boolean {
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // The pid may have been reused by an unrelated process since (after a crash or a reboot).
  const ticks = processStartTicks(owner.pid);
  return owner.startTicks === null || ticks === null || ticks === owner.startTicks;
}

function readOwnerFile(path: string): DataDirOwner | 'unreadable' | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const o = JSON.parse(text) as Partial<DataDirOwner>;
    if (typeof o.pid !== 'number' || typeof o.host !== 'string') return 'unreadable';
    return {
      pid: o.pid,
      host: o.host,
      startTicks: typeof o.startTicks === 'number' ? o.startTicks : null,
      command: typeof o.command === 'string' ? o.command : 'hoptrace',
      since: typeof o.since === 'string' ? o.since : 'an unknown time',
      socket: typeof o.socket === 'string' ? o.socket : null,
    };
  } catch {
    // Empty or torn: written by a process that died between creating and filling it.
    return 'unreadable';
  }
}

/** The live owner of a data directory, or null when nobody holds it (no lock, or a stale one). */
export function dataDirOwner(dataDir: string): DataDirOwner | null {
  const owner = readOwnerFile(join(resolve(dataDir), LOCK_FILE));
  return owner && owner !== 'unreadable' && ownerAlive(owner) ? owner : null;
}

/**
 * Creates `path` with `content`, or returns false when it exists. The content is written to a file of
 * our own first and linked into place (atomic, fails on EEXIST like O_EXCL), so a reader never sees
 * a lock half written.
 */
function createExclusive(path: string, content: string): boolean {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}

export interface DataDirLock {
  readonly dataDir: string;
  readonly owner: DataDirOwner;
  /** Records the admin socket the owner now listens on (read by CLI commands). */
  setSocket(socket: string | null): void;
  release(): void;
}

/**
 * Takes the directory's lock or throws `DataDirInUseError`. A stale lock (its process gone) is taken
 * over under a second O_EXCL file (`hoptrace.lock.takeover`), so two processes that find the same stale
 * lock at once cannot both take it.
 */
export function lockDataDir(dataDir: string, command: string): DataDirLock {
  const dir = resolve(dataDir);
  const path = join(dir, LOCK_FILE);
  const owner: DataDirOwner = {
    pid: process.pid,
    host: hostname(),
    startTicks: processStartTicks(process.pid),
    command,
    since: new Date().toISOString(),
    socket: null,
  };
  const write = () => `${JSON.stringify(owner)}\n`;
  for (let attempt = 0; ; attempt++) {
    if (createExclusive(path, write())) break;
    const found = readOwnerFile(path);
    if (found === null) continue; // released between our two looks: try again
    if (found !== 'unreadable' && ownerAlive(found)) throw new DataDirInUseError(dir, found);
    if (attempt >= 3) throw new Error(`could not take over the stale lock ${path}; delete it by hand`);
    takeOverStale(path, found);
  }
  let released = false;
  return {
    dataDir: dir,
    owner,
    setSocket(socket) {
      owner.socket = socket;
      // Replaced whole (rename is atomic): only the owner writes its lock.
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, write(), { mode: 0o600 });
      renameSync(tmp, path);
    },
    release() {
      if (released) return;
      released = true;
      const current = readOwnerFile(path);
      if (current && current !== 'unreadable' && current.pid === owner.pid && current.host === owner.host)
        unlinkSync(path);
    },
  };
}

function takeOverStale(path: string, stale: DataDirOwner | 'unreadable'): void {
  const guard = `${path}.takeover`;
  const me = JSON.stringify({
    pid: process.pid,
    host: hostname(),
    startTicks: processStartTicks(process.pid),
  });
  if (!createExclusive(guard, me)) {
    // Another process is taking it over now, or died doing so (then its guard is stale too).
    const other = readOwnerFile(guard);
    if (other !== null && other !== 'unreadable' && ownerAlive(other)) return;
    try {
      unlinkSync(guard);
    } catch {
      /* gone already */
    }
    return;
  }
  try {
    // Still the stale lock we judged (not one a faster process has just written)?
    const again = readOwnerFile(path);
    const same =
      again === 'unreadable'
        ? stale === 'unreadable'
        : again !== null && stale !== 'unreadable' && again.pid === stale.pid && again.since === stale.since;
    if (same && existsSync(path)) unlinkSync(path);
  } finally {
    unlinkSync(guard);
  }
}
