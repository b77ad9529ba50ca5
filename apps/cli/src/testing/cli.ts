import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { systemActor, systemClock, type Clock } from '@hoptrace/core';
import type { Database } from '@hoptrace/db';
import { main, runCli } from '../main';

/**
 * The CLI's tests drive the `hoptrace` command three ways. Starting the real binary costs seconds a time
 * (a Node.js process, tsx's transform of the sources, PGlite's boot), so each command keeps a case or two
 * that cross the process boundary (exit codes, standard streams, the environment) and runs the rest in
 * this process: `main` exactly as bin/hoptrace.js calls it, or `runCli` on a test database the file holds.
 */

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type Env = Record<string, string | undefined>;

const execFileAsync = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/hoptrace.js', import.meta.url));

/** `node bin/hoptrace.js ARGS` as a process of its own, with `env` over this process's environment. */
export async function runBinary(args: string[], env: Env = {}, cwd?: string): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      ...(cwd ? { cwd } : {}),
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A stream that keeps what is written to it, as a terminal that is not one (no TTY: no progress bars). */
function captured(): Writable & { text: () => string; isTTY?: boolean } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      done();
    },
  });
  return Object.assign(stream, { text: () => Buffer.concat(chunks).toString('utf8'), isTTY: false });
}

/** Runs `fn` with `env` over process.env, then puts every variable back as it was. */
async function withEnv<T>(env: Env, fn: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const set = (vars: Env) => {
    for (const [k, v] of Object.entries(vars))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  };
  set(env);
  try {
    return await fn();
  } finally {
    set(before);
  }
}

/**
 * `hoptrace ARGS` in this process as bin/hoptrace.js runs it (`main`: the database the environment names,
 * opened, migrated and closed by the command, or the running server's), with `env` over process.env.
 */
export async function runMain(args: string[], env: Env = {}, cwd = process.cwd()): Promise<CliResult> {
  const stdout = captured();
  const stderr = captured();
  const code = await withEnv(env, () => main(['node', 'hoptrace', ...args], { stdout, stderr, cwd }));
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/**
 * `hoptrace ARGS` in this process on `database`, which stays open between commands (a test database:
 * PGlite in memory, or PostgreSQL when DATABASE_URL is set), as the server runs commands sent to it.
 */
export function cliOn(
  database: Database,
  opts: { cwd?: string; clock?: Clock } = {},
): (...args: string[]) => Promise<CliResult> {
  return async (...args) => {
    const stdout = captured();
    const stderr = captured();
    const code = await runCli(['node', 'hoptrace', ...args], {
      stdout,
      stderr,
      cwd: opts.cwd ?? process.cwd(),
      withDatabase: (fn) =>
        fn(database, {
          db: database.db,
          clock: opts.clock ?? systemClock,
          actor: systemActor('cli'),
          settings: { callRetentionDays: 0 },
        }),
    });
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  };
}
