import {
  CampaignDetection,
  createUser,
  DEFAULT_REMINDER_SCHEDULE,
  weakPasswordReason,
  generatePassword,
  systemActor,
  systemClock,
  type Clock,
  type CoreSettings,
  type ReminderSchedule,
} from '@hoptrace/core';
import { countUsers, openDatabase, type Database } from '@hoptrace/db';
import {
  createVerifier,
  emptyTrustStore,
  readTrustStoreFile,
  type TrustStore,
  type Verifier,
} from '@hoptrace/shaken';
import { createSimVerifier, demoShaken, loadDemo } from '@hoptrace/sim';
import type { FastifyInstance } from 'fastify';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { buildApp, trustProxyFromEnv } from './app';
import { SERVER_API_KEY_PER_MINUTE, type LimitSettings } from './plugins/limits';
import { ensureWebBuild } from './webBuild';
import { createEmailTransport } from './worker/email';
import { startWorker, type RunningWorker } from './worker/jobs';
import type { WebhookPolicy } from './worker/webhooks';

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
  /** `web` serves HTTP, `worker` runs the clock sweeps and the notice dispatcher, `all` does both. */
  role: 'web' | 'worker' | 'all';
  /** Where links in emails point (the portal's address as providers reach it). */
  publicUrl?: string | undefined;
  smtpUrl?: string | undefined;
  mailFrom: string;
  webhookPolicy: WebhookPolicy;
  /** PEM bundle (or STI-PA trust list) of the STI-CA roots that Identity headers must chain to. */
  stiTrustAnchors?: string | undefined;
  /** `auto` (default): a valid A/B signature opens a hop to its signer at once; `manual`: an analyst asks. */
  shakenSignerHops?: 'auto' | 'manual' | undefined;
  /** Call records older than this many days are dropped (a month at a time) and refused at import; 0 keeps all. */
  callRetentionDays?: number | undefined;
  outboxLeaseMs?: number | undefined;
  reminders: ReminderSchedule;
  outboxRetryBaseMs?: number | undefined;
  /** Rate limits and upload limits (HOPTRACE_LOGIN_RATE_LIMIT, HOPTRACE_API_KEY_RATE_LIMIT, HOPTRACE_BULK_*). */
  limits?: Partial<LimitSettings> | undefined;
  /** Which proxies to believe about the client's address (HOPTRACE_TRUST_PROXY). */
  trustProxy?: boolean | string[] | undefined;
  /** Load the simulated demo history into an empty embedded database (`hoptrace start --no-demo` turns it off). */
  demo?: boolean | undefined;
}

/** A setting in the environment that cannot be used; the CLI prints it and exits 2. */
export class ConfigError extends Error {}

/** The STI-CA trust anchors from a file; none configured means no signature can be fully trusted (and results say so). */
export async function loadTrustAnchors(path: string | undefined): Promise<TrustStore> {
  if (!path) return emptyTrustStore();
  const parsed = await readTrustStoreFile(path);
  if (!parsed.ok) throw new ConfigError(`HOPTRACE_STI_TRUST_ANCHORS: ${parsed.reason}`);
  return parsed.store;
}

/**
 * The verifier of Identity headers (POST /shaken/verify and tracebacks on open). With the demo, it also
 * trusts the simulated STI-CA and reads the simulated certificates from memory (see packages/sim/src/shaken.ts);
 * `--no-demo` leaves only the configured anchors.
 */
export async function buildVerifier(
  cfg: Pick<ServerConfig, 'stiTrustAnchors'>,
  demo: boolean | undefined,
): Promise<Verifier> {
  const trust = await loadTrustAnchors(cfg.stiTrustAnchors);
  return demo ? createSimVerifier(demoShaken(), { trust }) : createVerifier({ trust });
}

/** `HOPTRACE_REMINDER_HOURS=12,2` (hours before due) and `HOPTRACE_ESCALATE_AT_DUE=false`. */
export function reminderScheduleFromEnv(env: NodeJS.ProcessEnv): ReminderSchedule {
  const raw = env.HOPTRACE_REMINDER_HOURS;
  const hours =
    raw === undefined
      ? DEFAULT_REMINDER_SCHEDULE.beforeDueHours
      : raw
          .split(',')
          .filter((h) => h.trim() !== '')
          .map(Number);
  if (hours.some((h) => !Number.isFinite(h) || h <= 0 || h > 24))
    throw new ConfigError(
      `HOPTRACE_REMINDER_HOURS must be hours before the deadline between 0 and 24, comma-separated (got "${raw}")`,
    );
  return { beforeDueHours: hours, escalateAtDue: env.HOPTRACE_ESCALATE_AT_DUE !== 'false' };
}

/** `HOPTRACE_SHAKEN_SIGNER_HOPS=auto|manual`. */
export function signerHopsFromEnv(env: NodeJS.ProcessEnv): 'auto' | 'manual' {
  const raw = env.HOPTRACE_SHAKEN_SIGNER_HOPS?.trim() || 'auto';
  if (raw !== 'auto' && raw !== 'manual')
    throw new ConfigError(`HOPTRACE_SHAKEN_SIGNER_HOPS must be auto or manual (got "${raw}")`);
  return raw;
}

function retentionFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.HOPTRACE_CALL_RETENTION_DAYS?.trim() || '0';
  const days = Number(raw);
  if (!Number.isInteger(days) || days < 0 || days > 36_500)
    throw new ConfigError(
      `HOPTRACE_CALL_RETENTION_DAYS must be a whole number of days, 0 to keep every call (got "${raw}")`,
    );
  return days;
}

/** A whole number setting between `min` and `max`, or its default when unset. */
function intFromEnv(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
  what: string,
) {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(`${name} must be ${what} between ${min} and ${max} (got "${raw}")`);
  return n;
}

/** HOPTRACE_LOGIN_RATE_LIMIT, HOPTRACE_API_KEY_RATE_LIMIT and the HOPTRACE_BULK_* limits (decision 0019). */
export function limitsFromEnv(env: NodeJS.ProcessEnv): Partial<LimitSettings> {
  return {
    loginPerAddressPerMinute: intFromEnv(
      env,
      'HOPTRACE_LOGIN_RATE_LIMIT',
      10,
      1,
      10_000,
      'sign-in attempts per address a minute',
    ),
    apiKeyPerMinute: intFromEnv(
      env,
      'HOPTRACE_API_KEY_RATE_LIMIT',
      SERVER_API_KEY_PER_MINUTE,
      0,
      1_000_000,
      'requests per API key a minute (0: no limit)',
    ),
    bulkMaxBytes: intFromEnv(
      env,
      'HOPTRACE_BULK_MAX_BYTES',
      20 * 1024 * 1024,
      1024,
      1024 * 1024 * 1024,
      'bytes',
    ),
    bulkMaxRows: intFromEnv(env, 'HOPTRACE_BULK_MAX_ROWS', 50_000, 1, 1_000_000, 'rows'),
    bulkUploadsAtOnce: intFromEnv(
      env,
      'HOPTRACE_BULK_UPLOADS_AT_ONCE',
      1,
      1,
      100,
      'uploads per provider at once',
    ),
  };
}

/** HOPTRACE_TRUST_PROXY, checked: every listed proxy must be an address or a CIDR range. */
export function trustProxyConfig(env: NodeJS.ProcessEnv): boolean | string[] {
  const trust = trustProxyFromEnv(env);
  if (Array.isArray(trust))
    for (const entry of trust) {
      const [address = '', bits] = entry.split('/');
      if (!isIP(address) || (bits !== undefined && !/^\d{1,3}$/.test(bits)))
        throw new ConfigError(
          `HOPTRACE_TRUST_PROXY must be false, true, or the proxies' addresses / CIDR ranges separated by commas (got "${entry}")`,
        );
    }
  return trust;
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
    role: 'all',
    publicUrl: env.HOPTRACE_PUBLIC_URL || undefined,
    smtpUrl: env.SMTP_URL || undefined,
    mailFrom: env.HOPTRACE_MAIL_FROM ?? 'hoptrace <no-reply@hoptrace.local>',
    reminders: reminderScheduleFromEnv(env),
    stiTrustAnchors: env.HOPTRACE_STI_TRUST_ANCHORS || undefined,
    shakenSignerHops: signerHopsFromEnv(env),
    callRetentionDays: retentionFromEnv(env),
    outboxLeaseMs: env.HOPTRACE_OUTBOX_LEASE_MS ? Number(env.HOPTRACE_OUTBOX_LEASE_MS) : undefined,
    outboxRetryBaseMs: env.HOPTRACE_OUTBOX_RETRY_MS ? Number(env.HOPTRACE_OUTBOX_RETRY_MS) : undefined,
    limits: limitsFromEnv(env),
    trustProxy: trustProxyConfig(env),
    webhookPolicy: {
      allowHttp: env.HOPTRACE_WEBHOOK_ALLOW_HTTP === 'true',
      allowPrivateNetworks: env.HOPTRACE_WEBHOOK_ALLOW_PRIVATE === 'true',
    },
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
  app: FastifyInstance | null;
  worker: RunningWorker | null;
  database: Database;
  url: string | null;
  close(): Promise<void>;
}

export async function startServer(
  cfg: ServerConfig,
  print: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<RunningServer> {
  // A chosen first password must pass the same check as any other, before anything is written.
  const weak = cfg.adminPassword ? weakPasswordReason(cfg.adminPassword, [cfg.adminEmail]) : null;
  if (weak) throw new ConfigError(`HOPTRACE_ADMIN_PASSWORD ${weak}`);
  const database = await openDatabase({ url: cfg.databaseUrl, dataDir: cfg.dataDir });
  await database.migrate();
  const clock = systemClock;
  const demo = cfg.demo && database.kind === 'pglite';
  const verifier = await buildVerifier(cfg, demo);
  const settings: CoreSettings = {
    reminders: cfg.reminders,
    shaken: { verifier, signerHops: cfg.shakenSignerHops ?? 'auto' },
    callRetentionDays: cfg.callRetentionDays ?? 0,
  };
  if (demo)
    await loadDemo({
      db: database.db,
      settings,
      print,
      admin: { email: cfg.adminEmail, password: cfg.adminPassword },
    });
  await ensureAdmin(database, clock, cfg, print);
  const log = (msg: string, extra?: Record<string, unknown>) =>
    print(`${msg}${extra ? ` ${JSON.stringify(extra)}` : ''}`);
  let app: FastifyInstance | null = null;
  let url: string | null = null;
  if (cfg.role !== 'worker') {
    await ensureWebBuild(print);
    app = await buildApp({
      db: database.db,
      clock,
      secureCookies: cfg.secureCookies,
      version: cfg.version,
      logger: { level: cfg.logLevel },
      webhookPolicy: cfg.webhookPolicy,
      settings,
      verifier,
      limits: cfg.limits,
      ...(cfg.trustProxy !== undefined ? { trustProxy: cfg.trustProxy } : {}),
    });
    await app.listen({ port: cfg.port, host: cfg.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : cfg.port;
    url = `http://${cfg.host === '0.0.0.0' ? 'localhost' : cfg.host}:${port}`;
    print(
      `hoptrace is up at ${url} (database: ${database.kind === 'pglite' ? `embedded, ${cfg.dataDir}` : 'PostgreSQL'})`,
    );
    print(`  API reference: ${url}/api/docs`);
  }
  let worker: RunningWorker | null = null;
  if (cfg.role !== 'web') {
    const email = createEmailTransport({ smtpUrl: cfg.smtpUrl, mailDir: join(cfg.dataDir, 'mail') });
    worker = startWorker(
      {
        db: database.db,
        clock,
        settings,
        detection: new CampaignDetection(database.db, clock, { verifier }),
        dispatcher: {
          db: database.db,
          clock,
          email,
          mailFrom: cfg.mailFrom,
          publicUrl: cfg.publicUrl ?? url ?? `http://localhost:${cfg.port}`,
          webhookPolicy: cfg.webhookPolicy,
          leaseMs: cfg.outboxLeaseMs,
          retryBaseMs: cfg.outboxRetryBaseMs,
          log,
        },
      },
      { log },
    );
    print(
      `  worker: clock sweeps and notices (${email.kind === 'smtp' ? 'SMTP' : `email to ${join(cfg.dataDir, 'mail')}`})`,
    );
  }
  let closing: Promise<void> | undefined;
  return {
    app,
    worker,
    database,
    url,
    close() {
      closing ??= (async () => {
        await worker?.stop();
        await app?.close();
        await database.close();
      })();
      return closing;
    },
  };
}
