import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { createUser, systemActor, systemClock, type CommandContext } from '@hoptrace/core';
import { ZUserCreate } from '@hoptrace/contracts';
import { errorForLog, errorSummary, openDatabase, type Database } from '@hoptrace/db';
import { ConfigError, configFromEnv, startServer } from '@hoptrace/server';
import { importProvidersCsv } from './providerImport';
import { registerAgentCommand } from './agentCommand';
import { registerSimulateCommand } from './simulateCommand';
import { importRmdFile } from './rmdImport';
import { registerShaken } from './shakenCommand';
import { registerCallsCommand, registerCampaignsCommand } from './callsCommand';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Exit codes: 0 done, 1 failed, 2 the input was refused. */
export class UsageError extends Error {}

async function withDatabase<T>(fn: (db: Database, ctx: CommandContext) => Promise<T>): Promise<T> {
  const cfg = configFromEnv();
  const database = await openDatabase({ url: cfg.databaseUrl, dataDir: cfg.dataDir });
  try {
    await database.migrate();
    return await fn(database, {
      db: database.db,
      clock: systemClock,
      actor: systemActor('cli'),
      settings: { callRetentionDays: cfg.callRetentionDays ?? 0 },
    });
  } finally {
    await database.close();
  }
}

export function buildCli(out: (s: string) => void = (s) => process.stdout.write(s)): Command {
  const program = new Command('hoptrace')
    .description('Trace illegal robocalls back to where they start.')
    .version(VERSION)
    .configureOutput({ writeOut: out, writeErr: (s) => process.stderr.write(s) })
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
    .action(async (opts: { port?: string; host?: string; demo: boolean; role: 'web' | 'worker' | 'all' }) => {
      const cfg = configFromEnv();
      if (opts.port !== undefined) {
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new UsageError(`--port must be a port number, got "${opts.port}"`);
        cfg.port = port;
      }
      if (opts.host) cfg.host = opts.host;
      cfg.role = opts.role;
      cfg.demo = opts.demo;
      const server = await startServer(cfg);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          process.stdout.write(`\n${signal}: shutting down\n`);
          server.close().then(resolve, resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });

  program
    .command('migrate')
    .description('Apply database migrations and exit')
    .action(async () => {
      const kind = await withDatabase((db) => Promise.resolve(db.kind));
      out(`migrations applied (${kind})\n`);
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
        const parsed = ZUserCreate.safeParse({
          email: opts.email,
          role: opts.role,
          name: opts.name ?? opts.email,
          providerId: opts.provider,
          agency: opts.agency,
          password: opts.password,
        });
        if (!parsed.success)
          throw new UsageError(
            parsed.error.issues
              .map((i) => `--${String(i.path[0] ?? 'input').replace('providerId', 'provider')}: ${i.message}`)
              .join('\n'),
          );
        const created = await withDatabase((_db, ctx) => createUser({ ...ctx, input: parsed.data }));
        out(
          `created ${created.role} ${created.email} (${created.id})${created.agency ? ` for ${created.agency}` : ''}\n`,
        );
      },
    );

  const provider = program.command('provider').description('Manage the provider directory');
  provider
    .command('import <file>')
    .description(
      'Import providers from a CSV file (columns: name, dba_names, country, ocns, frn, rmd_number, timezone, contact_name, contact_email, contact_phone)',
    )
    .option('--skip-invalid', 'import the valid rows even when some rows are invalid')
    .action(async (file: string, opts: { skipInvalid?: boolean }) => {
      const result = await withDatabase((_db, ctx) =>
        importProvidersCsv(ctx, file, { skipInvalid: opts.skipInvalid ?? false }),
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
      const result = await withDatabase((_db, ctx) => importRmdFile(ctx, file, { noticedAt, out }));
      if ('refused' in result)
        throw new UsageError(`the file was refused, nothing imported: ${result.refused}`);
    });
  registerCallsCommand(
    program,
    out,
    (fn) => withDatabase((_db, ctx) => fn(ctx)),
    (message) => {
      throw new UsageError(message);
    },
  );
  registerCampaignsCommand(program, out, (fn) => withDatabase((_db, ctx) => fn(ctx)));
  registerAgentCommand(program);
  registerSimulateCommand(program, out);
  registerShaken(program, out, (message) => {
    throw new UsageError(message);
  });
  return program;
}

/**
 * An unexpected error on standard error, through the log serializer (@hoptrace/db errorLog): a failed
 * write's parameters and the database's echo of row values (customer details, hashes) are not printed.
 * bin/hoptrace.js prints uncaught errors this way too.
 */
export function printFailure(err: unknown): void {
  const { stack } = errorForLog(err);
  const frames = (typeof stack === 'string' ? stack : '').split('\n').slice(1).join('\n');
  process.stderr.write(`hoptrace: ${errorSummary(err)}\n${frames ? `${frames}\n` : ''}`);
}

export async function main(argv: string[]): Promise<number> {
  const program = buildCli();
  try {
    await program.parseAsync(argv);
    // A command may set a non-zero exit code for a result that is not an error (e.g. a header that fails verification).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`hoptrace: ${err.message}\n`);
      return 2;
    }
    if (err instanceof Error && 'kind' in err) {
      process.stderr.write(`hoptrace: ${err.message}\n`);
      return 2;
    }
    printFailure(err);
    return 1;
  }
}
