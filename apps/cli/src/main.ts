import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import {
  agencyIdByName,
  createAgency,
  createUser,
  resetSecondFactor,
  systemActor,
  systemClock,
  type CommandContext,
  type CoreSettings,
} from '@hoptrace/core';
import { ZAgencyCreate, ZUserCreate } from '@hoptrace/contracts';
import {
  DataDirInUseError,
  dataDirOwner,
  errorForLog,
  errorSummary,
  findUserByEmail,
  openDatabase,
  type Database,
} from '@hoptrace/db';
import {
  AdminConnectionError,
  checkConfiguration,
  checkDatabase,
  ConfigError,
  formatFinding,
  portFrom,
  configFromEnv,
  runThroughServer,
  startServer,
  type AdminIo,
  type AdminRequest,
} from '@hoptrace/server';
import { importProvidersCsv } from './providerImport';
import { registerAgentCommand } from './agentCommand';
import { registerSimulateCommand } from './simulateCommand';
import { importRmdFile } from './rmdImport';
import { registerShaken } from './shakenCommand';
import { registerCallsCommand, registerCampaignsCommand } from './callsCommand';
import { registerTracebacksCommand } from './tracebacksCommand';
import { registerAuditCommands } from './auditCommand';
import { registerBackupCommands } from './backupCommand';
import { registerReportCommands } from './reportCommand';
import { registerEvidenceCommand } from './evidenceCommand';
import { inputFile, UsageError } from './usage';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export { UsageError } from './usage';

/** The command ran in the server that owns the data directory, which printed its output; this is its exit code. */
class RanInServer extends Error {
  constructor(readonly exitCode: number) {
    super('ran in the server');
  }
}

/** Runs `fn` on the database with a command context: opened by this process, or the running server's own. */
export type WithDatabase = <T>(
  fn: (db: Database, ctx: CommandContext) => Promise<T>,
  opts?: { migrate?: boolean },
) => Promise<T>;

/** Where a command reads and writes: the terminal, or a client of the server's admin socket. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  /** Messages and progress bars (drawn only when `isTTY`). */
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** File arguments are relative to this. */
  cwd: string;
  withDatabase: WithDatabase;
  /** Set by a command whose result is not an error but is not a success either. */
  exitCode?: number;
}

/** The words of the command (`provider import`), never its values: written in the data directory's lock. */
function commandWords(args: string[]): string {
  const words: string[] = [];
  for (const a of args) {
    if (!/^[a-z][a-z-]*$/.test(a) || words.length === 2) break;
    words.push(a);
  }
  return ['hoptrace', ...words].join(' ');
}

/**
 * The database as the CLI process sees it. An embedded data directory that a running server owns is
 * never opened a second time (decision 0021): the whole command is sent to the server through its
 * admin socket and runs there on the server's database; its output and exit code come back here.
 */
function localDatabase(argv: string[], io: Omit<CliIo, 'withDatabase'>): WithDatabase {
  const args = argv.slice(2);
  return async (fn, opts) => {
    const cfg = configFromEnv();
    if (!cfg.databaseUrl) {
      const owner = dataDirOwner(cfg.dataDir);
      if (owner?.socket) {
        const code = await runThroughServer(
          owner,
          { argv: args, cwd: io.cwd, tty: io.stderr.isTTY === true },
          io,
        ).catch((err: unknown) => {
          if (err instanceof AdminConnectionError) throw new UsageError(err.message);
          throw err;
        });
        throw new RanInServer(code);
      }
    }
    const database = await openDatabase({
      url: cfg.databaseUrl,
      dataDir: cfg.dataDir,
      command: commandWords(args),
    });
    try {
      if (opts?.migrate !== false) await database.migrate();
      return await fn(database, {
        db: database.db,
        clock: systemClock,
        actor: systemActor('cli'),
        // HOPTRACE_SECRET_KEY and the rest of the auth settings: the evidence key is sealed with it.
        settings: { callRetentionDays: cfg.callRetentionDays ?? 0, ...(cfg.auth ? { auth: cfg.auth } : {}) },
      });
    } finally {
      await database.close();
    }
  };
}

/**
 * A CLI command run inside the server that owns the data directory (its admin socket): on the server's
 * open database, with the server's settings, writing to the client.
 */
export function runInServer(
  request: AdminRequest,
  io: AdminIo,
  server: { database: Database; settings: CoreSettings },
): Promise<number> {
  return runCli(['node', 'hoptrace', ...request.argv], {
    stdout: io.stdout,
    stderr: io.stderr,
    cwd: request.cwd,
    withDatabase: (fn) =>
      fn(server.database, {
        db: server.database.db,
        clock: systemClock,
        actor: systemActor('cli'),
        settings: server.settings,
      }),
  });
}

export function buildCli(io: CliIo): Command {
  const out = (s: string) => void io.stdout.write(s);
  const withDatabase = io.withDatabase;
  const program = new Command('hoptrace')
    .description('Trace illegal robocalls back to where they start.')
    .version(VERSION)
    .configureOutput({ writeOut: out, writeErr: (s) => void io.stderr.write(s) })
    .exitOverride();

  program
    .command('start')
    .description(
      'Run hoptrace: migrate the database, then serve the API and portal (web) and run the clock and notices (worker)',
    )
    .option('-p, --port <port>', 'port to listen on (env PORT, default 3000)')
    .option('--host <host>', 'address to bind (env HOST, default 127.0.0.1)')
    .option('--no-demo', 'do not load demo data into an empty database')
    .addOption(new Option('--role <role>', 'process role').choices(['web', 'worker', 'all']).default('all'))
    .option(
      '--metrics-port <port>',
      'serve /metrics, /api/v1/health and /api/v1/ready on this port too (env HOPTRACE_METRICS_PORT; on HOPTRACE_METRICS_HOST, default 127.0.0.1)',
    )
    .action(
      async (opts: {
        port?: string;
        host?: string;
        demo: boolean;
        role: 'web' | 'worker' | 'all';
        metricsPort?: string;
      }) => {
        const cfg = configFromEnv();
        if (opts.metricsPort !== undefined) cfg.metricsPort = portFrom(opts.metricsPort, '--metrics-port');
        if (opts.port !== undefined) {
          const port = Number(opts.port);
          if (!Number.isInteger(port) || port < 0 || port > 65535)
            throw new UsageError(`--port must be a port number, got "${opts.port}"`);
          cfg.port = port;
        }
        if (opts.host) cfg.host = opts.host;
        cfg.role = opts.role;
        cfg.demo = opts.demo;
        const server = await startServer(cfg, undefined, { admin: runInServer });
        await new Promise<void>((resolve) => {
          const stop = (signal: string) => {
            process.stdout.write(`\n${signal}: shutting down\n`);
            server.close().then(resolve, resolve);
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      },
    );

  program
    .command('doctor')
    .description(
      'Check the configuration and surroundings (database, autovacuum, clock, email, TLS cookies, trust anchors) and say what to fix: exit 0 when nothing is wrong, 1 with findings',
    )
    .action(async () => {
      const { findings, config } = await checkConfiguration(process.env);
      // Read only: the database is neither created nor migrated by a check.
      if (config && !config.databaseUrl && !existsSync(resolve(config.dataDir)))
        findings.push({
          id: 'no-database',
          problem: `there is no embedded database at ${resolve(config.dataDir)} yet`,
          fix: 'start hoptrace once (`hoptrace start` creates it), or set HOPTRACE_DATA_DIR or DATABASE_URL to the one in use',
        });
      else if (config) findings.push(...(await withDatabase((db) => checkDatabase(db), { migrate: false })));
      for (const f of findings) out(`✗ ${formatFinding(f)}\n`);
      out(
        findings.length
          ? `${findings.length} finding${findings.length === 1 ? '' : 's'}\n`
          : 'no problems found\n',
      );
      if (findings.length) io.exitCode = 1;
    });

  program
    .command('migrate')
    .description('Apply database migrations and exit')
    .action(async () => {
      const kind = await withDatabase((db) => Promise.resolve(db.kind));
      out(`migrations applied (${kind})\n`);
    });

  const agency = program.command('agency').description('The agencies directory (enforcement agencies)');
  agency
    .command('create')
    .description('Add an agency to the directory (its users then read what is referred to it)')
    .requiredOption('--name <name>', 'the agency, e.g. "Federal Trade Commission"')
    .requiredOption('--kind <kind>', 'federal, state or local')
    .option('--jurisdiction <where>', 'where it acts, e.g. "Ohio"')
    .action(async (opts: { name: string; kind: string; jurisdiction?: string }) => {
      const parsed = ZAgencyCreate.safeParse({
        name: opts.name,
        kind: opts.kind,
        ...(opts.jurisdiction ? { jurisdiction: opts.jurisdiction } : {}),
      });
      if (!parsed.success)
        throw new UsageError(
          parsed.error.issues.map((i) => `--${String(i.path[0] ?? 'input')}: ${i.message}`).join('\n'),
        );
      const created = await withDatabase((_db, ctx) => createAgency({ ...ctx, input: parsed.data }));
      out(`created agency ${created.name} (${created.id})\n`);
    });

  const user = program.command('user').description('Manage users');
  user
    .command('create')
    .description('Create a user')
    .requiredOption('--email <email>', 'email address (the login)')
    .requiredOption('--role <role>', 'admin, analyst, provider or enforcement')
    .option('--name <name>', 'display name (default: the email)')
    .option('--provider <id>', 'the provider a provider user speaks for')
    .option(
      '--agency <name>',
      'the agency an enforcement user acts for (it sees the tracebacks referred to it)',
    )
    .option(
      '--password <password>',
      'password (at least 12 characters); without it the user signs in with API keys only',
    )
    .action(
      async (opts: {
        email: string;
        role: string;
        name?: string;
        provider?: string;
        agency?: string;
        password?: string;
      }) => {
        const created = await withDatabase(async (_db, ctx) => {
          // An enforcement user belongs to an agency of the directory, named here by its name.
          const agencyId = opts.agency ? await agencyIdByName({ ...ctx, name: opts.agency }) : undefined;
          if (opts.agency && !agencyId)
            throw new UsageError(
              `--agency: no agency named "${opts.agency}" in the directory (an admin adds it on the portal's Agencies page)`,
            );
          const parsed = ZUserCreate.safeParse({
            email: opts.email,
            role: opts.role,
            name: opts.name ?? opts.email,
            providerId: opts.provider,
            agencyId,
            password: opts.password,
          });
          if (!parsed.success)
            throw new UsageError(
              parsed.error.issues
                .map(
                  (i) =>
                    `--${String(i.path[0] ?? 'input')
                      .replace('providerId', 'provider')
                      .replace('agencyId', 'agency')}: ${i.message}`,
                )
                .join('\n'),
            );
          return createUser({ ...ctx, input: parsed.data });
        });
        out(
          `created ${created.role} ${created.email} (${created.id})${created.agencyName ? ` for ${created.agencyName}` : ''}\n`,
        );
      },
    );

  user
    .command('reset-mfa')
    .description(
      "Remove a user's second factor and recovery codes (e.g. the only admin lost the phone); recorded as an event",
    )
    .requiredOption('--email <email>', 'the user whose second factor to remove')
    .action(async (opts: { email: string }) => {
      const result = await withDatabase(async (_db, ctx) => {
        const found = await findUserByEmail(ctx.db, opts.email.trim());
        if (!found) throw new UsageError(`--email: no user ${opts.email}`);
        return { email: found.email, ...(await resetSecondFactor({ ...ctx, userId: found.id })) };
      });
      out(
        result.hadOne
          ? `second factor of ${result.email} removed; they sign in with the password (and set a new one up if their role requires it)\n`
          : `${result.email} had no second factor; nothing changed\n`,
      );
    });

  const provider = program.command('provider').description('Manage the provider directory');
  provider
    .command('import <file>')
    .description(
      'Import providers from a CSV file (columns: name, dba_names, country, ocns, frn, rmd_number, timezone, contact_name, contact_email, contact_phone)',
    )
    .option('--skip-invalid', 'import the valid rows even when some rows are invalid')
    .action(async (file: string, opts: { skipInvalid?: boolean }) => {
      const path = inputFile(io.cwd, file);
      const result = await withDatabase((_db, ctx) =>
        importProvidersCsv(ctx, path, { skipInvalid: opts.skipInvalid ?? false }),
      );
      if (result.fileError) throw new UsageError(`${file}: ${result.fileError}`);
      for (const r of result.rows)
        out(`line ${r.line}: ${r.status} ${r.name}${r.detail ? ` — ${r.detail}` : ''}\n`);
      const count = (s: string) => result.rows.filter((r) => r.status === s).length;
      out(
        `${count('created')} created, ${count('skipped')} skipped, ${count('invalid')} invalid${result.written ? '' : '; nothing written'}\n`,
      );
      if (!result.written)
        throw new UsageError('the file was refused: fix the invalid rows or pass --skip-invalid');
    });

  const rmd = program.command('rmd').description("The FCC's Robocall Mitigation Database");
  rmd
    .command('import <file>')
    .description(
      'Import an RMD CSV export: records new, changed and removed filings, links providers by filing number or FRN, proposes weak matches',
    )
    .option('--noticed-at <date>', 'when the export was taken (ISO date); removals are recorded with it')
    .action(async (file: string, opts: { noticedAt?: string }) => {
      const noticedAt = opts.noticedAt ? new Date(opts.noticedAt) : undefined;
      if (noticedAt && Number.isNaN(noticedAt.getTime()))
        throw new UsageError(`--noticed-at must be a date, got "${opts.noticedAt}"`);
      const path = inputFile(io.cwd, file);
      const result = await withDatabase((_db, ctx) =>
        importRmdFile(ctx, path, { noticedAt, out, stderr: io.stderr }),
      );
      if ('refused' in result)
        throw new UsageError(`the file was refused, nothing imported: ${result.refused}`);
    });
  // What the command modules are given: the database as a command context, and how a refusal of
  // their input ends the command (exit 2, one line).
  const withContext = <T>(fn: (ctx: CommandContext) => Promise<T>) => withDatabase((_db, ctx) => fn(ctx));
  const usage = (message: string): never => {
    throw new UsageError(message);
  };
  registerTracebacksCommand(program, io, withContext, usage);
  registerCallsCommand(program, io, withContext, usage);
  registerCampaignsCommand(program, io, withContext);
  registerAuditCommands(program, io, withContext, usage);
  registerReportCommands(program, io, withDatabase, usage);
  registerBackupCommands(program, io, VERSION, usage);
  registerEvidenceCommand(program, io, withContext, usage);
  registerAgentCommand(program, io);
  registerSimulateCommand(program, out, io.stderr);
  registerShaken(program, out, usage, (code) => (io.exitCode = code), io.cwd);
  return program;
}

/**
 * An unexpected error on standard error, through the log serializer (@hoptrace/db errorLog): a failed
 * write's parameters and the database's echo of row values (customer details, hashes) are not printed.
 * bin/hoptrace.js prints uncaught errors this way too.
 */
export function printFailure(
  err: unknown,
  write: (s: string) => void = (s) => void process.stderr.write(s),
): void {
  const { stack } = errorForLog(err);
  const frames = (typeof stack === 'string' ? stack : '').split('\n').slice(1).join('\n');
  write(`hoptrace: ${errorSummary(err)}\n${frames ? `${frames}\n` : ''}`);
}

/** The `hoptrace` command as bin/hoptrace.js runs it: on the database the environment names. */
export async function main(
  argv: string[],
  io: Omit<CliIo, 'withDatabase' | 'exitCode'> = {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
  },
): Promise<number> {
  return runCli(argv, { ...io, withDatabase: localDatabase(argv, io) });
}

/** Parses and runs one command line; resolves to the exit code (0 done, 1 failed, 2 refused). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildCli(io);
  const err = (s: string) => void io.stderr.write(s);
  try {
    await program.parseAsync(argv);
    return io.exitCode ?? 0;
  } catch (e) {
    if (e instanceof RanInServer) return e.exitCode;
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof UsageError || e instanceof ConfigError || e instanceof DataDirInUseError) {
      err(`hoptrace: ${e.message}\n`);
      return 2;
    }
    if (e instanceof Error && 'kind' in e) {
      err(`hoptrace: ${e.message}\n`);
      return 2;
    }
    printFailure(e, err);
    return 1;
  }
}
