import {
  CampaignDetection,
  createUser,
  DEFAULT_REMINDER_SCHEDULE,
  DEFAULT_URGENT_HOURS,
  DEFAULT_SESSION_IDLE_MINUTES,
  DEFAULT_AUDIT_HEAD_MINUTES,
  DEFAULT_LEGAL_REMINDER_DAYS,
  DEFAULT_RMD_EVERY_HOURS,
  parseLegalReminderDays,
  DEFAULT_SESSION_MAX_HOURS,
  weakPasswordReason,
  generatePassword,
  parseSecretKey,
  REQUIRE_MFA,
  systemActor,
  systemClock,
  type AuthSettings,
  type Clock,
  type CoreSettings,
  type ReminderSchedule,
  type RequireMfa,
} from '@hoptrace/core';
import { countUsers, openDatabase, type Database } from '@hoptrace/db';
import {
  createVerifier,
  emptyTrustStore,
  readTrustStoreFile,
  type TrustStore,
  type Verifier,
  type VerifierOptions,
} from '@hoptrace/shaken';
import { createSimVerifier, demoShaken, isEmptyDatabase, loadDemo } from '@hoptrace/sim';
import type { FastifyInstance } from 'fastify';
import { join } from 'node:path';
import { buildApp, trustProxyFromEnv, type StartupState } from './app';
import { listenAdminSocket, type AdminIo, type AdminRequest, type AdminSocket } from './adminSocket';
import { diagnose, formatFinding } from './ops/doctor';
import { createMetrics, type Metrics } from './ops/metrics';
import { DEFAULT_SWEEP_MAX_AGE_S, type ReadinessOptions } from './ops/ready';
import { buildOpsApp } from './ops/routes';
import { isIP } from 'node:net';
import { DEFAULT_IDEMPOTENCY_LEASE_MS } from './plugins/idempotency';
import { SERVER_API_KEY_PER_MINUTE, type LimitSettings } from './plugins/limits';
import { ensureWebBuild } from './webBuild';
import { createEmailTransport } from './worker/email';
import { startWorker, type RunningWorker } from './worker/jobs';
import { parseRmdSource, rmdReader, type RmdSource } from './worker/rmdSource';
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
  /** How often the worker publishes the audit ledger's head (HOPTRACE_AUDIT_HEAD_MINUTES, default 60). */
  auditHeadMinutes?: number | undefined;
  /** An urgent agency request's hops are due this many hours after they are asked, any hour (HOPTRACE_URGENT_HOURS). */
  urgentHours?: number | undefined;
  /** Days before a legal request's due date that staff are reminded (HOPTRACE_LEGAL_REMINDER_DAYS, default 7,2). */
  legalReminderDays?: number[] | undefined;
  /** Where the worker re-imports the RMD export from (HOPTRACE_RMD_SOURCE: absolute path or https URL). */
  rmdSource?: RmdSource | undefined;
  /** How often (HOPTRACE_RMD_EVERY_HOURS, default 24). */
  rmdEveryHours?: number | undefined;
  outboxLeaseMs?: number | undefined;
  /** How long an Idempotency-Key claim holds unrenewed (a request cut off by a crash frees its key after this). */
  idempotencyLeaseMs?: number | undefined;
  reminders: ReminderSchedule;
  outboxRetryBaseMs?: number | undefined;
  /** Rate limits and upload limits (HOPTRACE_LOGIN_RATE_LIMIT, HOPTRACE_API_KEY_RATE_LIMIT, HOPTRACE_BULK_*). */
  limits?: Partial<LimitSettings> | undefined;
  /** Which proxies to believe about the client's address (HOPTRACE_TRUST_PROXY). */
  trustProxy?: boolean | string[] | undefined;
  /** Load the simulated demo history into an empty embedded database (`hoptrace start --no-demo` turns it off). */
  demo?: boolean | undefined;
  /** A smaller demo (tests): how many tracebacks and honeypot call records it loads. */
  demoSize?: { tracebacks: number; honeypotCalls: number } | undefined;
  /** `GET /metrics` needs `Authorization: Bearer` with this; unset, the public port answers 404. */
  metricsToken?: string | undefined;
  /** A second listener for `/metrics`, `/api/v1/health` and `/api/v1/ready` (any role, the worker too). */
  metricsPort?: number | undefined;
  metricsHost: string;
  /** A worker whose sweeps have not succeeded for this long is not ready (seconds). */
  readySweepMaxAgeSeconds: number;
  /** Second factor and session timeouts (HOPTRACE_REQUIRE_MFA, HOPTRACE_SESSION_*, HOPTRACE_SECRET_KEY). */
  auth?: AuthSettings | undefined;
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
  extra: {
    /** More trusted certificates than the configured anchors (the CLI's --intermediates, --crl-signer). */
    add?: Pick<TrustStore, 'intermediates' | 'crlSigners'>;
    fetch?: VerifierOptions['fetch'];
  } = {},
): Promise<Verifier> {
  const base = await loadTrustAnchors(cfg.stiTrustAnchors);
  const trust: TrustStore = {
    anchors: base.anchors,
    intermediates: [...base.intermediates, ...(extra.add?.intermediates ?? [])],
    crlSigners: [...base.crlSigners, ...(extra.add?.crlSigners ?? [])],
  };
  const options = extra.fetch ? { fetch: extra.fetch } : {};
  return demo
    ? createSimVerifier(demoShaken(), { trust, ...options })
    : createVerifier({ trust, ...options });
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

function wholeNumberFromEnv(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
) {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  return n;
}

/**
 * `HOPTRACE_REQUIRE_MFA=none|staff|all` (who must set up a second factor), `HOPTRACE_SESSION_IDLE_MINUTES`
 * (default 60) and `HOPTRACE_SESSION_MAX_HOURS` (default 12), `HOPTRACE_SECRET_KEY` (seals TOTP secrets).
 */
export function authSettingsFromEnv(env: NodeJS.ProcessEnv): AuthSettings {
  const require = env.HOPTRACE_REQUIRE_MFA?.trim() || 'none';
  if (!(REQUIRE_MFA as readonly string[]).includes(require))
    throw new ConfigError(`HOPTRACE_REQUIRE_MFA must be none, staff or all (got "${require}")`);
  let secretKey: Buffer | undefined;
  if (env.HOPTRACE_SECRET_KEY?.trim()) {
    try {
      secretKey = parseSecretKey(env.HOPTRACE_SECRET_KEY);
    } catch (err) {
      throw new ConfigError(`HOPTRACE_SECRET_KEY ${(err as Error).message}`);
    }
  }
  return {
    requireMfa: require as RequireMfa,
    sessionIdleMinutes: wholeNumberFromEnv(
      env,
      'HOPTRACE_SESSION_IDLE_MINUTES',
      DEFAULT_SESSION_IDLE_MINUTES,
      5,
      43_200,
    ),
    sessionMaxHours: wholeNumberFromEnv(env, 'HOPTRACE_SESSION_MAX_HOURS', DEFAULT_SESSION_MAX_HOURS, 1, 720),
    secretKey,
  };
}

/** HOPTRACE_URGENT_HOURS: a whole number of hours from 1 to 72 (default 4). */
export function urgentHoursFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.HOPTRACE_URGENT_HOURS?.trim() || String(DEFAULT_URGENT_HOURS);
  const hours = Number(raw);
  if (!Number.isInteger(hours) || hours < 1 || hours > 72)
    throw new ConfigError(
      `HOPTRACE_URGENT_HOURS must be a whole number of hours from 1 to 72 (got "${raw}")`,
    );
  return hours;
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

/** A port number from the environment or a flag; `what` names it in the error. */
export function portFrom(raw: string, what: string): number {
  const port = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`${what} must be a port number (got "${raw}")`);
  return port;
}

function positiveSeconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new ConfigError(`${name} must be a number of seconds above 0 (got "${raw}")`);
  return n;
}

/** A whole number setting between `min` and `max`, or its default when unset. */
/** HOPTRACE_RMD_SOURCE, checked at start-up (a bad value stops the server with what to write instead). */
function rmdSourceFromEnv(env: NodeJS.ProcessEnv): RmdSource | undefined {
  try {
    return parseRmdSource(env.HOPTRACE_RMD_SOURCE);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

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
    auditHeadMinutes: intFromEnv(
      env,
      'HOPTRACE_AUDIT_HEAD_MINUTES',
      DEFAULT_AUDIT_HEAD_MINUTES,
      1,
      10_080,
      'a number of minutes',
    ),
    urgentHours: urgentHoursFromEnv(env),
    legalReminderDays: parseLegalReminderDays(env.HOPTRACE_LEGAL_REMINDER_DAYS),
    rmdSource: rmdSourceFromEnv(env),
    rmdEveryHours: intFromEnv(
      env,
      'HOPTRACE_RMD_EVERY_HOURS',
      DEFAULT_RMD_EVERY_HOURS,
      1,
      720,
      'a number of hours',
    ),
    outboxLeaseMs: env.HOPTRACE_OUTBOX_LEASE_MS ? Number(env.HOPTRACE_OUTBOX_LEASE_MS) : undefined,
    outboxRetryBaseMs: env.HOPTRACE_OUTBOX_RETRY_MS ? Number(env.HOPTRACE_OUTBOX_RETRY_MS) : undefined,
    idempotencyLeaseMs: intFromEnv(
      env,
      'HOPTRACE_IDEMPOTENCY_LEASE_MS',
      DEFAULT_IDEMPOTENCY_LEASE_MS,
      1_000,
      600_000,
      'milliseconds',
    ),
    limits: limitsFromEnv(env),
    trustProxy: trustProxyConfig(env),
    webhookPolicy: {
      allowHttp: env.HOPTRACE_WEBHOOK_ALLOW_HTTP === 'true',
      allowPrivateNetworks: env.HOPTRACE_WEBHOOK_ALLOW_PRIVATE === 'true',
    },
    metricsToken: env.HOPTRACE_METRICS_TOKEN || undefined,
    metricsPort: env.HOPTRACE_METRICS_PORT
      ? portFrom(env.HOPTRACE_METRICS_PORT, 'HOPTRACE_METRICS_PORT')
      : undefined,
    metricsHost: env.HOPTRACE_METRICS_HOST || '127.0.0.1',
    readySweepMaxAgeSeconds: positiveSeconds(env, 'HOPTRACE_READY_SWEEP_MAX_AGE_S', DEFAULT_SWEEP_MAX_AGE_S),
    auth: authSettingsFromEnv(env),
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
  /** The metrics port's address, when one was asked for. */
  metricsUrl: string | null;
  /** The admin socket CLI commands reach this server through (embedded database only). */
  adminSocket: string | null;
  close(): Promise<void>;
}

export interface StartOptions {
  /**
   * Runs a CLI command sent to the admin socket, in this process, on its database and settings
   * (decision 0021). Without it, no admin socket is opened.
   */
  admin?: (
    request: AdminRequest,
    io: AdminIo,
    server: { database: Database; settings: CoreSettings },
  ) => Promise<number>;
  /** The process's metrics (default: a new registry with the Node.js process metrics). */
  metrics?: Metrics;
}

export async function startServer(
  cfg: ServerConfig,
  print: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  opts: StartOptions = {},
): Promise<RunningServer> {
  // A chosen first password must pass the same check as any other, before anything is written.
  const weak = cfg.adminPassword ? weakPasswordReason(cfg.adminPassword, [cfg.adminEmail]) : null;
  if (weak) throw new ConfigError(`HOPTRACE_ADMIN_PASSWORD ${weak}`);
  const database = await openDatabase({
    url: cfg.databaseUrl,
    dataDir: cfg.dataDir,
    command: 'hoptrace start',
  });
  // Whatever fails from here on, the database (and the data directory's lock) is let go.
  const closers: Array<() => Promise<void>> = [() => database.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    return await serve(cfg, print, opts, database, closers, closeAll);
  } catch (err) {
    await closeAll();
    throw err;
  }
}

async function serve(
  cfg: ServerConfig,
  print: (line: string) => void,
  opts: StartOptions,
  database: Database,
  closers: Array<() => Promise<void>>,
  closeAll: () => Promise<void>,
): Promise<RunningServer> {
  await database.migrate();
  const clock = systemClock;
  const metrics = opts.metrics ?? createMetrics();
  metrics.attach({ db: database.db, clock, poolStats: () => database.poolStats() });
  const demo = cfg.demo && database.kind === 'pglite';
  const verifier = await buildVerifier(cfg, demo);
  const settings: CoreSettings = {
    reminders: cfg.reminders,
    shaken: { verifier, signerHops: cfg.shakenSignerHops ?? 'auto' },
    callRetentionDays: cfg.callRetentionDays ?? 0,
    auditHeadMinutes: cfg.auditHeadMinutes ?? DEFAULT_AUDIT_HEAD_MINUTES,
    urgentHours: cfg.urgentHours ?? DEFAULT_URGENT_HOURS,
    legalReminderDays: cfg.legalReminderDays ?? [...DEFAULT_LEGAL_REMINDER_DAYS],
    observer: metrics.observer,
    ...(cfg.auth ? { auth: cfg.auth } : {}),
  };
  // What `hoptrace doctor` would say, said once at start.
  // On the demo (a trial on this machine) links to localhost are right and the demo's simulated STI-CA
  // is trusted: those two warnings would only alarm a first-time user (`hoptrace doctor` still says them).
  const trialOnly = new Set(demo ? ['public-url-unset', 'sti-trust-anchors-unset'] : []);
  for (const f of await diagnose(cfg, process.env, database))
    if (!trialOnly.has(f.id)) print(`warning: ${formatFinding(f)}`);
  const log = (msg: string, extra?: Record<string, unknown>) =>
    print(`${msg}${extra ? ` ${JSON.stringify(extra)}` : ''}`);
  let adminSocket: AdminSocket | null = null;
  if (opts.admin && database.lock) {
    const admin = opts.admin;
    adminSocket = await listenAdminSocket(
      database.lock,
      (request, io) => admin(request, io, { database, settings }),
      log,
    );
    const socket = adminSocket;
    closers.push(() => socket.close());
  }
  // A first start on a new embedded database fills it with the demo. The server listens first (the
  // health check answers, the portal says the demo is loading, requests that need the database wait
  // for it), so a new user sees hoptrace up within seconds rather than after the whole load.
  const loadingDemo = demo && (await isEmptyDatabase(database.db));
  const startup: StartupState = { demo: loadingDemo ? 'loading' : 'done' };
  // Without the demo the first admin exists before the server answers, so a sign-in right after the
  // health check succeeds (the demo needs an empty database, so with it the admin comes after).
  if (!loadingDemo) await ensureAdmin(database, clock, cfg, print);
  let worker: RunningWorker | null = null;
  const readiness: ReadinessOptions = {
    worker: () => worker?.status() ?? null,
    sweepMaxAgeSeconds: cfg.readySweepMaxAgeSeconds,
  };
  let app: FastifyInstance | null = null;
  let url: string | null = null;
  if (cfg.role !== 'worker') {
    await ensureWebBuild(print);
    const web = await buildApp({
      db: database.db,
      clock,
      secureCookies: cfg.secureCookies,
      version: cfg.version,
      logger: { level: cfg.logLevel },
      webhookPolicy: cfg.webhookPolicy,
      settings,
      verifier,
      metrics,
      metricsToken: cfg.metricsToken,
      poolStats: () => database.poolStats(),
      readiness,
      startup,
      limits: cfg.limits,
      idempotencyLeaseMs: cfg.idempotencyLeaseMs,
      ...(cfg.trustProxy !== undefined ? { trustProxy: cfg.trustProxy } : {}),
    });
    app = web;
    closers.push(() => web.close());
    await web.listen({ port: cfg.port, host: cfg.host });
    const address = web.server.address();
    const port = typeof address === 'object' && address ? address.port : cfg.port;
    url = `http://${cfg.host === '0.0.0.0' ? 'localhost' : cfg.host}:${port}`;
    print(
      `hoptrace is up at ${url} (database: ${database.kind === 'pglite' ? `embedded, ${cfg.dataDir}` : 'PostgreSQL'})`,
    );
    print(`  API reference: ${url}/api/docs`);
  }
  let metricsUrl: string | null = null;
  if (cfg.metricsPort !== undefined) {
    const ops = await buildOpsApp({
      db: database.db,
      clock,
      metrics,
      token: cfg.metricsToken,
      readiness,
      startup,
    });
    closers.push(() => ops.close());
    await ops.listen({ port: cfg.metricsPort, host: cfg.metricsHost });
    const address = ops.server.address();
    const port = typeof address === 'object' && address ? address.port : cfg.metricsPort;
    metricsUrl = `http://${cfg.metricsHost.includes(':') ? `[${cfg.metricsHost}]` : cfg.metricsHost}:${port}`;
    print(`  metrics: ${metricsUrl}/metrics (health and readiness under ${metricsUrl}/api/v1)`);
  }
  if (loadingDemo) {
    print('Loading the demo: six months of fictional tracebacks, then two weeks of honeypot call records…');
    await loadDemo({
      db: database.db,
      settings,
      print,
      progress: (line) => print(`  ${line}`),
      ...cfg.demoSize,
      admin: { email: cfg.adminEmail, password: cfg.adminPassword },
    });
    startup.demo = 'done';
  }
  if (loadingDemo) await ensureAdmin(database, clock, cfg, print);
  if (cfg.role !== 'web') {
    const email = createEmailTransport({ smtpUrl: cfg.smtpUrl, mailDir: join(cfg.dataDir, 'mail') });
    const running = startWorker(
      {
        db: database.db,
        clock,
        settings,
        detection: new CampaignDetection(database.db, clock, { verifier }),
        ...(cfg.rmdSource
          ? {
              rmdWatch: {
                everyHours: cfg.rmdEveryHours ?? DEFAULT_RMD_EVERY_HOURS,
                read: rmdReader(cfg.rmdSource),
                source: cfg.rmdSource.kind === 'file' ? cfg.rmdSource.path : cfg.rmdSource.display,
              },
            }
          : {}),
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
          onResult: (channel, result) => metrics.notice(channel, result),
        },
      },
      { log, observer: metrics },
    );
    worker = running;
    // Stopped first: its jobs finish before the database closes.
    closers.push(() => running.stop());
    print(
      `  worker: clock sweeps and notices (${email.kind === 'smtp' ? 'SMTP' : `email to ${join(cfg.dataDir, 'mail')}`})`,
    );
  }
  if (adminSocket)
    print(`  commands such as \`hoptrace provider import\` run through this server while it runs`);
  let closing: Promise<void> | undefined;
  return {
    app,
    worker,
    database,
    url,
    metricsUrl,
    adminSocket: adminSocket?.path ?? null,
    close() {
      closing ??= closeAll();
      return closing;
    },
  };
}
