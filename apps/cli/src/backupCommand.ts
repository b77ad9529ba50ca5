import { createReadStream, createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { Command } from 'commander';
import { resolve } from 'node:path';
import {
  BackupError,
  backupDatabase,
  DataDirInUseError,
  openDatabase,
  restoreDatabase,
  type Database,
} from '@hoptrace/db';
import { configFromEnv } from '@hoptrace/server';
import type { CliIo } from './main';
import { inputFile } from './usage';

type Refuse = (message: string) => never;

const whereOf = (database: Database, dataDir: string) =>
  database.kind === 'pglite' ? `embedded, ${dataDir}` : 'PostgreSQL';

/**
 * The configured database opened by this process, without migrating it (a restore builds its own
 * schema). Never through a running server: a restore replaces the database under it.
 */
async function withOwnDatabase<T>(
  refuse: Refuse,
  fn: (database: Database, where: string) => Promise<T>,
): Promise<T> {
  const cfg = configFromEnv();
  let database: Database;
  try {
    database = await openDatabase({
      url: cfg.databaseUrl,
      dataDir: cfg.dataDir,
      command: 'hoptrace restore',
    });
  } catch (err) {
    if (err instanceof DataDirInUseError)
      refuse(
        `${err.message.split('. ')[0]}. A restore replaces the whole database: stop that process first, then restore`,
      );
    throw err;
  }
  try {
    return await fn(database, whereOf(database, cfg.dataDir));
  } finally {
    await database.close();
  }
}

/** The backup's bytes; a file that is not gzip, or is cut short, fails as a damaged backup. */
async function* gunzipped(file: string): AsyncGenerator<Buffer> {
  const gunzip = createGunzip();
  const read = createReadStream(file);
  read.on('error', (err) => gunzip.destroy(err));
  try {
    for await (const chunk of read.pipe(gunzip) as AsyncIterable<Buffer>) yield chunk;
  } catch (err) {
    throw new BackupError(
      `${file} is not a hoptrace backup or is damaged (${err instanceof Error ? err.message : String(err)})`,
    );
  } finally {
    read.destroy();
  }
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** `hoptrace backup FILE` and `hoptrace restore FILE [--force]` (decision 0023). */
export function registerBackupCommands(program: Command, io: CliIo, version: string, refuse: Refuse): void {
  const out = (s: string) => void io.stdout.write(s);
  program
    .command('backup <file>')
    .description(
      'Write a consistent backup of the whole database (embedded or PostgreSQL) to FILE (gzip), also while hoptrace runs (on an embedded database, through the running server)',
    )
    .option('--force', 'replace FILE if it exists')
    .action(async (name: string, opts: { force?: boolean }) => {
      const file = resolve(io.cwd, name);
      if (existsSync(file) && !opts.force)
        refuse(`${name} exists: give another name, or --force to replace it`);
      // Written beside the target and renamed when complete: FILE is never a half-written backup.
      const partial = `${file}.partial-${process.pid}`;
      const started = Date.now();
      try {
        // Through the server when one owns the embedded database (its one connection gives the snapshot).
        const summary = await io.withDatabase(
          async (database) => {
            const where = whereOf(database, configFromEnv().dataDir);
            const gzip = createGzip({ level: 6 });
            const written = pipeline(gzip, createWriteStream(partial, { flags: 'wx' }));
            const result = await backupDatabase(database, gzip, { hoptraceVersion: version });
            gzip.end();
            await written;
            return { ...result, where };
          },
          { migrate: false },
        );
        renameSync(partial, file);
        out(
          `backup of ${summary.where}: ${summary.tables} tables, ${summary.rows.toLocaleString('en-US')} rows, ` +
            `${mb(summary.bytes)} of data, ${mb(statSync(file).size)} written to ${file} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
        );
      } catch (err) {
        rmSync(partial, { force: true });
        if (err instanceof Error && 'code' in err && err.code === 'ENOENT')
          refuse(`cannot write ${name}: its folder does not exist`);
        throw err;
      }
    });

  program
    .command('restore <file>')
    .description(
      'Restore a backup made by `hoptrace backup` into the configured database; refuses one that holds data unless --force. Stop hoptrace first.',
    )
    .option('--force', 'replace the data of a database that is in use')
    .action(async (name: string, opts: { force?: boolean }) => {
      const file = inputFile(io.cwd, name);
      const started = Date.now();
      try {
        const result = await withOwnDatabase(refuse, async (database, where) => {
          const input = gunzipped(file);
          const restored = await restoreDatabase(database, input, { force: opts.force ?? false });
          return { ...restored, where };
        });
        out(
          `restored ${result.tables} tables, ${result.rows.toLocaleString('en-US')} rows into ${result.where} in ` +
            `${((Date.now() - started) / 1000).toFixed(1)} s${result.migrated ? `; then applied ${result.migrated} newer migrations` : ''}\n`,
        );
      } catch (err) {
        if (err instanceof BackupError) refuse(`${err.message}; nothing was restored`);
        throw err;
      }
    });
}
