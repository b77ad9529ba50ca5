import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromEnv, startServer } from '@hoptrace/server';
import type { Db } from '@hoptrace/db';

export interface Portal {
  url: string;
  db: Db;
  /** Where the worker writes the email it sends (as .eml files), when there is a worker. */
  mailDir: string;
  close(): Promise<void>;
}

/**
 * `hoptrace start` in-process on a fresh embedded database in a temporary
 * directory, serving the built portal on a free port. With `worker`, the
 * clock and the notices run too, and email lands in `mailDir`.
 */
export async function startPortal(opts: { worker?: boolean } = {}): Promise<Portal> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hoptrace-portal-'));
  const server = await startServer(
    {
      ...configFromEnv({}),
      port: 0,
      host: '127.0.0.1',
      dataDir,
      adminEmail: 'root@hoptrace.test',
      adminPassword: 'root-password-0123',
      role: opts.worker ? 'all' : 'web',
      logLevel: 'warn',
    },
    () => undefined,
  );
  if (!server.url) throw new Error('the web role did not listen');
  return {
    url: server.url,
    db: server.database.db,
    mailDir: join(dataDir, 'mail'),
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
