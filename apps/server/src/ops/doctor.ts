import { isIP } from 'node:net';
import { databaseNow, migrationStatus, readDatabaseHealth, type Database } from '@hoptrace/db';
import { readTrustStoreFile } from '@hoptrace/shaken';
import { ConfigError, configFromEnv, type ServerConfig } from '../server';

/**
 * The checks of `hoptrace doctor`, also run by the server at start, which logs what they find
 * (decision 0021). Each finding says what is wrong and how to fix it. Nothing here changes anything.
 */
export interface Finding {
  /** Stable id, e.g. `autovacuum-off`. */
  id: string;
  problem: string;
  fix: string;
}

/** Beyond this the process's clock and the database's disagree enough to matter for deadlines. */
export const MAX_CLOCK_SKEW_MS = 2_000;

/**
 * A deployment that others rely on: NODE_ENV=production, or a PostgreSQL database (the embedded one is
 * for trying hoptrace out and for one-machine pilots).
 */
export function isProduction(env: NodeJS.ProcessEnv, cfg: Pick<ServerConfig, 'databaseUrl'> | null): boolean {
  return env.NODE_ENV === 'production' || !!(cfg?.databaseUrl ?? env.DATABASE_URL);
}

const isLoopback = (host: string) =>
  host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));

/** Checks of the configuration alone (no database). */
export async function checkConfiguration(env: NodeJS.ProcessEnv): Promise<{
  findings: Finding[];
  config: ServerConfig | null;
}> {
  let cfg: ServerConfig;
  try {
    cfg = configFromEnv(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return {
      findings: [
        { id: 'config', problem: err.message, fix: 'correct that variable (README: Configuration)' },
      ],
      config: null,
    };
  }
  return { findings: await checkConfig(cfg, env), config: cfg };
}

/** Checks of a configuration as the server runs with it (flags applied); `env` says whether this is production. */
export async function checkConfig(cfg: ServerConfig, env: NodeJS.ProcessEnv): Promise<Finding[]> {
  const findings: Finding[] = [];
  const production = isProduction(env, cfg);

  if (!cfg.publicUrl)
    findings.push({
      id: 'public-url-unset',
      problem: `HOPTRACE_PUBLIC_URL is not set: links in emails to providers point to http://localhost:${cfg.port}, which they cannot open`,
      fix: 'set HOPTRACE_PUBLIC_URL to the address providers reach the portal at, e.g. https://traceback.example.org',
    });
  let publicHttps = false;
  if (cfg.publicUrl) {
    let url: URL | null = null;
    try {
      url = new URL(cfg.publicUrl);
    } catch {
      /* reported below */
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
      findings.push({
        id: 'public-url-invalid',
        problem: `HOPTRACE_PUBLIC_URL is not an http(s) address (got "${cfg.publicUrl}")`,
        fix: "set it to the portal's address, e.g. https://traceback.example.org",
      });
    publicHttps = url?.protocol === 'https:';
  }
  if (publicHttps && !cfg.secureCookies)
    findings.push({
      id: 'insecure-cookies',
      problem:
        'the portal is served over HTTPS (HOPTRACE_PUBLIC_URL) but session cookies lack the Secure flag: a browser may send them over plain HTTP',
      fix: 'set HOPTRACE_SECURE_COOKIES=true',
    });
  if (cfg.secureCookies && cfg.publicUrl?.startsWith('http:'))
    findings.push({
      id: 'secure-cookies-over-http',
      problem:
        'HOPTRACE_SECURE_COOKIES=true but HOPTRACE_PUBLIC_URL is http://: browsers will not send the session cookie, so nobody can stay signed in',
      fix: 'serve the portal over HTTPS (a reverse proxy with TLS) and put its https:// address in HOPTRACE_PUBLIC_URL',
    });
  if (production && !cfg.smtpUrl)
    findings.push({
      id: 'smtp-unset',
      problem: `SMTP_URL is not set: notices to providers are written as files under ${cfg.dataDir}/mail and nobody receives them`,
      fix: 'set SMTP_URL, e.g. smtps://user:password@smtp.example.org:465',
    });
  if (!cfg.stiTrustAnchors)
    findings.push({
      id: 'sti-trust-anchors-unset',
      problem:
        'HOPTRACE_STI_TRUST_ANCHORS is not set: no STIR/SHAKEN signature can be fully verified (results say "untrusted")',
      fix: "set HOPTRACE_STI_TRUST_ANCHORS to a PEM bundle or the STI-PA's trust list of STI-CA roots",
    });
  else {
    const parsed = await readTrustStoreFile(cfg.stiTrustAnchors);
    if (!parsed.ok)
      findings.push({
        id: 'sti-trust-anchors-unreadable',
        problem: `HOPTRACE_STI_TRUST_ANCHORS (${cfg.stiTrustAnchors}): ${parsed.reason}`,
        fix: 'point it at a readable PEM bundle or STI-PA trust list',
      });
  }
  if (cfg.metricsPort !== undefined && !isLoopback(cfg.metricsHost) && !cfg.metricsToken)
    findings.push({
      id: 'metrics-exposed',
      problem: `the metrics port listens on ${cfg.metricsHost} without HOPTRACE_METRICS_TOKEN: anyone who reaches it reads the metrics`,
      fix: 'set HOPTRACE_METRICS_TOKEN, or HOPTRACE_METRICS_HOST=127.0.0.1',
    });
  return findings;
}

/** Checks of the database: reachable, migrated, vacuumed (PostgreSQL), on time. */
export async function checkDatabase(
  database: Database,
  now: () => Date = () => new Date(),
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const where = database.kind === 'pglite' ? 'the embedded database' : 'the PostgreSQL database';
  try {
    const m = await migrationStatus(database.db);
    if (m.pending.length)
      findings.push({
        id: 'migrations-pending',
        problem: `${where} lacks ${m.pending.length} of ${m.shipped} migrations (${m.pending.join(', ')})`,
        fix: 'run `hoptrace migrate` (or start hoptrace, which migrates first)',
      });
    if (database.kind === 'postgres') {
      const h = await readDatabaseHealth(database.db);
      if (!h.autovacuum || !h.trackCounts) {
        const dead = h.deadRows
          .filter((r) => r.dead > 0)
          .map(
            (r) =>
              `${r.table} ${r.dead.toLocaleString('en-US')} dead / ${r.live.toLocaleString('en-US')} live`,
          );
        findings.push({
          id: 'autovacuum-off',
          problem:
            `PostgreSQL runs with ${!h.autovacuum ? 'autovacuum = off' : 'track_counts = off (autovacuum needs it)'}: ` +
            'every hop answer, deadline and notice updates rows, and the dead row versions pile up until queries slow down' +
            (dead.length ? ` (now: ${dead.join(', ')})` : ''),
          fix: `turn it on: ALTER SYSTEM SET ${!h.autovacuum ? 'autovacuum' : 'track_counts'} = on; SELECT pg_reload_conf(); (or in postgresql.conf). Until then run VACUUM ANALYZE regularly`,
        });
      }
      if (h.tablesWithoutAutovacuum.length)
        findings.push({
          id: 'autovacuum-off-tables',
          problem: `autovacuum is turned off for ${h.tablesWithoutAutovacuum.join(', ')} (a table setting): their dead rows are never cleaned up`,
          fix: h.tablesWithoutAutovacuum.map((t) => `ALTER TABLE ${t} RESET (autovacuum_enabled);`).join(' '),
        });
    }
    // The clock: deadlines are computed here and compared with times stored there.
    const before = now().getTime();
    const theirs = (await databaseNow(database.db)).getTime();
    const after = now().getTime();
    const skew = theirs - (before + after) / 2;
    if (Math.abs(skew) > MAX_CLOCK_SKEW_MS)
      findings.push({
        id: 'clock-skew',
        problem: `this machine's clock and the database's differ by ${(Math.abs(skew) / 1000).toFixed(1)} s (the database is ${skew > 0 ? 'ahead' : 'behind'}): deadlines and reminders shift by as much`,
        fix: 'synchronise both machines with NTP (e.g. systemd-timesyncd or chrony)',
      });
  } catch (err) {
    findings.push({
      id: 'database-unreachable',
      problem: `${where} cannot be read: ${err instanceof Error ? err.message : String(err)}`,
      fix: 'check DATABASE_URL (or HOPTRACE_DATA_DIR) and that the database server is running',
    });
  }
  return findings;
}

/** Every check of a running server's configuration and database (logged at start). */
export async function diagnose(
  cfg: ServerConfig,
  env: NodeJS.ProcessEnv,
  database: Database,
): Promise<Finding[]> {
  return [...(await checkConfig(cfg, env)), ...(await checkDatabase(database))];
}

/** A finding as printed by `hoptrace doctor` and logged by the server at start. */
export function formatFinding(f: Finding): string {
  return `${f.problem}\n    fix: ${f.fix}`;
}
