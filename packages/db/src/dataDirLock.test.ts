import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DataDirInUseError,
  dataDirOwner,
  LOCK_FILE,
  lockDataDir,
  processStartTicks,
  type DataDirOwner,
} from './dataDirLock';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./dataDirLock.child.ts', import.meta.url));

/** The pid of a process that has run and exited: certainly not alive. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

function writeLock(dir: string, owner: Partial<DataDirOwner>): void {
  writeFileSync(
    join(dir, LOCK_FILE),
    JSON.stringify({
      pid: process.pid,
      host: hostname(),
      startTicks: null,
      command: 'hoptrace start',
      since: '2026-01-01T00:00:00.000Z',
      socket: null,
      ...owner,
    }),
  );
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the data directory lock', () => {
  it('is taken once: a second taker is refused with who holds it and what to do, until it is released', () => {
    const lock = lockDataDir(dir, 'hoptrace start');
    const written = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as DataDirOwner;
    expect(written).toMatchObject({ pid: process.pid, host: hostname(), command: 'hoptrace start' });
    let refused: unknown;
    try {
      lockDataDir(dir, 'hoptrace provider import');
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(DataDirInUseError);
    const message = (refused as Error).message;
    expect(message).toContain(`is in use by \`hoptrace start\` (pid ${process.pid}`);
    expect(message).toContain('stop it first');
    expect(message).toContain('DATABASE_URL');
    expect(dataDirOwner(dir)?.pid).toBe(process.pid);
    lock.setSocket('/tmp/x.sock');
    expect(dataDirOwner(dir)?.socket).toBe('/tmp/x.sock');
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect(dataDirOwner(dir)).toBeNull();
    lockDataDir(dir, 'hoptrace start').release();
  });

  it('takes over a lock whose process is gone, or whose pid now belongs to another process', () => {
    writeLock(dir, { pid: deadPid() });
    expect(dataDirOwner(dir)).toBeNull();
    const a = lockDataDir(dir, 'hoptrace start');
    expect(a.owner.pid).toBe(process.pid);
    a.release();

    const ticks = processStartTicks(process.pid);
    if (ticks !== null) {
      // Our own pid, but a start time that is not ours: the pid was reused after the owner died.
      writeLock(dir, { pid: process.ppid, startTicks: ticks + 12345 });
      expect(dataDirOwner(dir)).toBeNull();
      lockDataDir(dir, 'hoptrace start').release();
    }
    // A torn or empty lock (its writer died while writing) is stale too.
    writeFileSync(join(dir, LOCK_FILE), '{"pid": 1');
    lockDataDir(dir, 'hoptrace start').release();
  });

  it('counts a lock from another host as held, and says how to clear it', () => {
    writeLock(dir, { host: 'other-host.example', pid: 1 });
    expect(() => lockDataDir(dir, 'hoptrace start')).toThrow(
      /on other-host\.example.*delete .*hoptrace\.lock/,
    );
  });

  it('goes to exactly one of several processes racing for a stale lock', { timeout: 60_000 }, async () => {
    writeLock(dir, { pid: deadPid() });
    const racers = await Promise.all(
      Array.from({ length: 4 }, () =>
        run(process.execPath, ['--import', 'tsx', CHILD, dir, '1500'], {
          cwd: fileURLToPath(new URL('../../..', import.meta.url)),
        }),
      ),
    );
    const results = racers.map((r) => r.stdout.trim()).sort();
    expect(results).toEqual(['refused', 'refused', 'refused', 'won']);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });
});
