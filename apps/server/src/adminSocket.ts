import { chmodSync, existsSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { DataDirLock, DataDirOwner } from '@hoptrace/db';

/**
 * The admin socket (decision 0021): a server that owns an embedded data directory listens on a Unix
 * socket beside its lock, and CLI commands that need the database (`provider import`, `user create`,
 * `calls import`, …) run inside the server on its open database instead of opening the directory a
 * second time. The socket file is the owner's only (0600); whoever can use it could read the data
 * directory anyway.
 *
 * Wire format: one JSON line from the client (`AdminRequest`), then JSON lines from the server:
 * `{"o": text}` standard output, `{"e": text}` standard error, and last `{"x": exit code}`. A
 * connection that closes before `x` leaves the result unknown, and the CLI says so.
 */
export interface AdminRequest {
  argv: string[];
  /** The client's working directory: file arguments are relative to it. */
  cwd: string;
  /** Whether the client's stderr is a terminal (progress bars are drawn only then). */
  tty: boolean;
}

export interface AdminIo {
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
}

/** Runs one CLI command in the server process; resolves to its exit code. */
export type AdminHandler = (request: AdminRequest, io: AdminIo) => Promise<number>;

const MAX_REQUEST = 1 << 20;
/** Unix socket paths are short (108 bytes on Linux): a deep data directory gets one in a private temp directory. */
const MAX_SOCKET_PATH = 100;

export interface AdminSocket {
  path: string;
  close(): Promise<void>;
}

function frameWriter(socket: Socket, key: 'o' | 'e', tty: boolean): Writable & { isTTY?: boolean } {
  const w = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      // A client that went away does not stop the command: its transaction decides what is kept.
      if (socket.destroyed || !socket.writable) return cb();
      socket.write(`${JSON.stringify({ [key]: chunk.toString() })}\n`, () => cb());
    },
  }) as Writable & { isTTY?: boolean };
  w.isTTY = tty;
  return w;
}

export async function listenAdminSocket(
  lock: DataDirLock,
  handler: AdminHandler,
  log: (msg: string, extra?: Record<string, unknown>) => void,
): Promise<AdminSocket> {
  let path = join(lock.dataDir, 'hoptrace.sock');
  let privateDir: string | null = null;
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    privateDir = mkdtempSync(join(tmpdir(), 'hoptrace-'));
    path = join(privateDir, 'admin.sock');
  }
  // We hold the lock: a socket file left here is a dead owner's.
  if (existsSync(path)) unlinkSync(path);
  const server: Server = createServer((socket) => {
    let buffered = '';
    let started = false;
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      if (started) return;
      buffered += chunk;
      const nl = buffered.indexOf('\n');
      if (nl < 0) {
        if (buffered.length > MAX_REQUEST) socket.destroy();
        return;
      }
      started = true;
      let request: AdminRequest;
      try {
        const parsed = JSON.parse(buffered.slice(0, nl)) as Partial<AdminRequest>;
        if (
          !Array.isArray(parsed.argv) ||
          !parsed.argv.every((a) => typeof a === 'string') ||
          typeof parsed.cwd !== 'string'
        )
          throw new Error('not an admin request');
        request = { argv: parsed.argv, cwd: parsed.cwd, tty: parsed.tty === true };
      } catch {
        socket.end(
          `${JSON.stringify({ e: 'hoptrace: not an admin request\n' })}\n${JSON.stringify({ x: 2 })}\n`,
        );
        return;
      }
      const io = { stdout: frameWriter(socket, 'o', false), stderr: frameWriter(socket, 'e', request.tty) };
      // The command's words are logged, never its values (they may hold a password).
      log('admin socket: command', {
        command: request.argv.filter((a) => /^[a-z][a-z-]*$/.test(a)).slice(0, 2),
      });
      void handler(request, io)
        .catch((err: unknown) => {
          io.stderr.write(`hoptrace: ${err instanceof Error ? err.message : String(err)}\n`);
          return 1;
        })
        .then(async (code) => {
          // The command's last lines may still wait in the writers: they go out before the exit code.
          await Promise.all([io.stdout, io.stderr].map((w) => finished(w.end())));
          if (!socket.destroyed) socket.end(`${JSON.stringify({ x: code })}\n`);
        });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, 0o600);
  lock.setSocket(path);
  return {
    path,
    async close() {
      lock.setSocket(null);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (existsSync(path)) unlinkSync(path);
      if (privateDir) rmSync(privateDir, { recursive: true, force: true });
    },
  };
}

/** Why a command sent to the server has no known result. */
export class AdminConnectionError extends Error {}

/**
 * Sends a CLI command to the server that owns the data directory and relays its output; resolves to
 * the command's exit code. Throws `AdminConnectionError` when the server cannot be reached (nothing was
 * run) or stopped before answering (the result is unknown).
 */
export function runThroughServer(
  owner: DataDirOwner,
  request: AdminRequest,
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  const socketPath = owner.socket;
  if (!socketPath) return Promise.reject(new AdminConnectionError('the owner has no admin socket'));
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let connected = false;
    let buffered = '';
    let exit: number | null = null;
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      connected = true;
      socket.write(`${JSON.stringify(request)}\n`);
    });
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const frame = JSON.parse(line) as { o?: string; e?: string; x?: number };
        if (frame.o !== undefined) io.stdout.write(frame.o);
        if (frame.e !== undefined) io.stderr.write(frame.e);
        if (frame.x !== undefined) exit = frame.x;
      }
    });
    socket.on('error', (err) => {
      if (!connected)
        reject(new AdminConnectionError(`cannot reach the running server at ${socketPath}: ${err.message}`));
    });
    socket.on('close', () => {
      if (exit !== null) resolve(exit);
      else if (connected)
        reject(
          new AdminConnectionError(
            'the server stopped before the command finished: its result is unknown (run the command again; imports skip what is already stored)',
          ),
        );
    });
  });
}
