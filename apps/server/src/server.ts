import { createUser, generatePassword, systemActor, systemClock, type Clock } from '@hoptrace/core';
import { countUsers, openDatabase, type Database } from '@hoptrace/db';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app';

export interface ServerConfig {
  port: number;
  host: string;
  databaseUrl?: string | undefined;
  dataDir: string;
  adminEmail?: string | undefined;
  adminPassword?: string | undefined;
  secureCookies: boolean;
  logLevel: string;
  version: string;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  return {
    port: Number(env.PORT ?? 3000),
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.HOPTRACE_DATA_DIR ?? './data',
    adminEmail: env.HOPTRACE_ADMIN_EMAIL || undefined,
    adminPassword: env.HOPTRACE_ADMIN_PASSWORD || undefined,
    secureCookies: env.HOPTRACE_SECURE_COOKIES === 'true',
    logLevel: env.LOG_LEVEL ?? 'info',
    version: env.npm_package_version ?? '0.1.0',
  };
}

/**
 * On an empty database, creates the first admin from HOPTRACE_ADMIN_EMAIL /
 * HOPTRACE_ADMIN_PASSWORD, or with a generated password that is printed once.
 */
export async function ensureAdmin(
  database: Database,
  clock: Clock,
  cfg: Pick<ServerConfig, 'adminEmail' | 'adminPassword'>,
  print: (line: string) => void,
): Promise<void> {
  if ((await countUsers(database.db)) > 0) return;
  const email = cfg.adminEmail ?? 'admin@hoptrace.local';
  const password = cfg.adminPassword ?? generatePassword();
  await createUser({
    db: database.db,
    clock,
    actor: systemActor('bootstrap'),
    input: { email, name: 'Administrator', role: 'admin', password },
  });
  print(`Created the first admin: ${email}`);
  if (!cfg.adminPassword) print(`  password (shown once): ${password}`);
}

export interface RunningServer {
  app: FastifyInstance;
  database: Database;
  url: string;
  close(): Promise<void>;
}

export async function startServer(
  cfg: ServerConfig,
  print: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<RunningServer> {
  const database = await openDatabase({ url: cfg.databaseUrl, dataDir: cfg.dataDir });
  await database.migrate();
  const clock = systemClock;
  await ensureAdmin(database, clock, cfg, print);
  const app = await buildApp({
    db: database.db,
    clock,
    secureCookies: cfg.secureCookies,
    version: cfg.version,
    logger: { level: cfg.logLevel },
  });
  await app.listen({ port: cfg.port, host: cfg.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : cfg.port;
  const url = `http://${cfg.host === '0.0.0.0' ? 'localhost' : cfg.host}:${port}`;
  print(
    `hoptrace is up at ${url} (database: ${database.kind === 'pglite' ? `embedded, ${cfg.dataDir}` : 'PostgreSQL'})`,
  );
  print(`  API reference: ${url}/api/docs`);
  let closing: Promise<void> | undefined;
  return {
    app,
    database,
    url,
    close() {
      closing ??= (async () => {
        await app.close();
        await database.close();
      })();
      return closing;
    },
  };
}
