import { createReadStream } from 'node:fs';
import type { Command } from 'commander';
import {
  BULK_OPEN_COLUMNS,
  BulkFileTooLarge,
  DnoList,
  InvalidInputError,
  openTracebacksBulk,
  type BulkOpenResult,
  type CommandContext,
} from '@hoptrace/core';
import type { CliIo } from './main';
import { inputFile } from './usage';

type WithContext = <T>(fn: (ctx: CommandContext) => Promise<T>) => Promise<T>;

/** The report of a bulk open, a line for each row not opened and a line of counts. */
export function bulkOpenReport(result: BulkOpenResult): string {
  let text = '';
  for (const r of result.rows) {
    if (r.status === 'opened') continue;
    const why = r.errors?.length
      ? r.errors.map((e) => `${e.path}: ${e.message}`).join('; ')
      : `${r.reason ?? ''}${r.tracebackId ? ` (${r.tracebackId})` : ''}`.trim();
    text += `line ${r.line}: ${r.status}${why ? ` — ${why}` : ''}\n`;
  }
  return `${text}${result.opened} opened, ${result.existing} existing, ${result.refused} refused (${result.total} rows)\n`;
}

/**
 * `hoptrace tracebacks open-bulk FILE`: what `POST /api/v1/tracebacks/bulk` does, on the database this
 * command reaches (or through the running server), as the system. Refused rows are a result, reported
 * with their line and columns; the file as a whole refused (not CSV, too many rows, a header without the
 * required columns) is exit 2 with nothing opened.
 */
export function registerTracebacksCommand(
  program: Command,
  io: CliIo,
  withContext: WithContext,
  usage: (message: string) => never,
): void {
  const tracebacks = program.command('tracebacks').description('Tracebacks');
  tracebacks
    .command('open-bulk <file>')
    .description(
      `Open one traceback per row of a CSV file (columns ${BULK_OPEN_COLUMNS.join(', ')}; first_provider and campaign by id or exact name). Each row is opened or refused on its own; a row whose call (time, both numbers, first provider) already has a traceback is reported existing, so the same file twice opens nothing twice`,
    )
    .action(async (file: string) => {
      const path = inputFile(io.cwd, file);
      const result = await withContext(async (ctx) => {
        try {
          return await openTracebacksBulk({
            ...ctx,
            input: createReadStream(path, { highWaterMark: 1 << 16 }),
            dno: await new DnoList(ctx.db).current(),
          });
        } catch (err) {
          if (err instanceof InvalidInputError || err instanceof BulkFileTooLarge)
            return { fileRefused: `${file}: ${err.message}; nothing was opened` };
          throw err;
        }
      });
      if ('fileRefused' in result) usage(result.fileRefused);
      io.stdout.write(bulkOpenReport(result));
    });
}
