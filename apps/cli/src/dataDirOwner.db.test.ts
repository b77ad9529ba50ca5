import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LOCK_FILE, lockDataDir } from '@hoptrace/db';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/hoptrace.js', import.meta.url));
const GOOD = fileURLToPath(new URL('./testdata/providers-good.csv', import.meta.url));
// The case of issue 18: an import beside a running server on the same embedded data directory.
const dir = mkdtempSync(join(tmpdir(), 'hoptrace-owner-'));
const dataDir = join(dir, 'data');
copyFileSync(GOOD, join(dir, 'providers.csv'));
const env = {
  ...process.env,
  HOPTRACE_DATA_DIR: dataDir,
  DATABASE_URL: '',
  HOPTRACE_ADMIN_EMAIL: 'admin@example.test',
  HOPTRACE_ADMIN_PASSWORD: 'a-long-password-1',
};

async function hoptrace(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    // From another directory than the server's: file arguments are resolved where the command was typed.
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env, cwd: dir });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** `hoptrace start` as its own process; resolves once it serves, with what it printed. */
function startServer(): Promise<{ child: ChildProcess; output: () => string }> {
  // The worker role: the same lock and admin socket as `npm start`, without building the portal.
  const child = spawn(process.execPath, [BIN, 'start', '--role', 'worker', '--no-demo'], {
    env,
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('run through this server')) {
        clearInterval(timer);
        resolve({ child, output: () => output });
      }
    }, 100);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`hoptrace start exited with ${code}: ${output}`));
    });
  });
}

const stopped = (p: ChildProcess) =>
  new Promise<void>((resolve) => (p.exitCode !== null ? resolve() : p.once('exit', () => resolve())));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('one owner per embedded data directory', { timeout: 180_000 }, () => {
  it('runs a CLI import beside a running server through the server: what it reports done is kept', async () => {
    const server = await startServer();
    try {
      // The import goes through the server; the file is named relative to where the command runs
      // (the server runs elsewhere).
      const missing = await hoptrace('provider', 'import', 'nope.csv');
      expect(missing.code).toBe(2);
      // Checked where the command runs, before the server is asked (worded as every command words it).
      expect(missing.stderr.trim()).toBe('hoptrace: cannot read nope.csv: no such file');
      const imported = await hoptrace('provider', 'import', 'providers.csv');
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stdout).toContain('2 created, 0 skipped, 0 invalid');
      const user = await hoptrace('user', 'create', '--email', 'ana@example.test', '--role', 'analyst');
      expect(user.code, user.stderr).toBe(0);
      expect(user.stdout).toContain('created analyst ana@example.test');
      // The server sees them at once: the same import again finds both there.
      const again = await hoptrace('provider', 'import', GOOD);
      expect(again.stdout).toContain('0 created, 2 skipped, 0 invalid');
      expect(server.output()).toContain('admin socket: command {"command":["provider","import"]}');

      // A second server on the same directory is refused at once, saying what to do instead.
      const second = await hoptrace('start', '--role', 'worker', '--no-demo');
      expect(second.code).toBe(2);
      expect(second.stderr).toContain(`the embedded database in ${dataDir} is in use by \`hoptrace start\``);
      expect(second.stderr).toContain('stop it first');
    } finally {
      server.child.kill('SIGTERM');
      await stopped(server.child);
    }
    expect(existsSync(join(dataDir, LOCK_FILE)), 'the lock is released on shutdown').toBe(false);

    // With the server stopped the CLI opens the directory itself: everything reported done is on disk.
    const after = await hoptrace('provider', 'import', GOOD);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toContain('0 created, 2 skipped, 0 invalid');
    const dup = await hoptrace('user', 'create', '--email', 'ana@example.test', '--role', 'analyst');
    expect(dup.code).toBe(2);
    expect(dup.stderr).toContain('already exists');
  });

  it('refuses, writing nothing, while another command (not a server) holds the directory', async () => {
    const lock = lockDataDir(dataDir, 'hoptrace calls import');
    try {
      const r = await hoptrace('provider', 'import', GOOD);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('in use by `hoptrace calls import`');
      expect(r.stderr).toContain('wait for it to finish');
    } finally {
      lock.release();
    }
  });
});
