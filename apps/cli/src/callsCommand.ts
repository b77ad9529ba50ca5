import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  CampaignDetection,
  callFormatOf,
  callRecordsOf,
  CallFileError,
  exportCalls,
  ingestCalls,
  type CommandContext,
  type IngestProgress,
  type RawCallRecord,
} from '@hoptrace/core';
import { columnLocation, ZSourceName } from '@hoptrace/contracts';
import { buildVerifier, configFromEnv } from '@hoptrace/server';
import { progressBar } from './rmdImport';
import type { CliIo } from './main';
import { inputFile } from './usage';

type WithDatabase = <T>(fn: (ctx: CommandContext) => Promise<T>) => Promise<T>;

/** Counts bytes as the file streams through, for the progress bar. */
async function* counted(path: string, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  let read = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    read += chunk.length;
    onBytes(read);
    yield chunk;
  }
}

export async function importCallsFile(
  ctx: CommandContext,
  file: string,
  opts: {
    source: string;
    strict: boolean;
    format?: string | undefined;
    out: (s: string) => void;
    stderr?: CliIo['stderr'];
  },
): Promise<{ refused: string } | { exitCode: number }> {
  const stat = statSync(file);
  const source = ZSourceName.safeParse(opts.source);
  if (!source.success)
    return { refused: `--source: ${source.error.issues[0]?.message ?? 'is not a source name'}` };
  const format = opts.format ? callFormatOf(`.${opts.format}`) : callFormatOf(file);
  if (!format)
    return {
      refused: `${file}: cannot tell the format from the name; pass --format csv or --format jsonl`,
    };
  const bar = progressBar(opts.stderr);
  let bytes = 0;
  let pass = 0;
  const started = performance.now();
  const show = (p: IngestProgress) =>
    bar.update({ bytesRead: bytes, totalBytes: stat.size, records: p.records });
  try {
    const result = await ingestCalls({
      ...ctx,
      input: {
        source: source.data,
        strict: opts.strict,
        records: (): AsyncIterable<RawCallRecord[]> => {
          pass++;
          bytes = 0;
          return callRecordsOf(
            format,
            counted(file, (n) => (bytes = n)),
          );
        },
        onProgress: show,
      },
    });
    bar.done();
    const seconds = (performance.now() - started) / 1000;
    // A field at fault is named as the file names it: a CSV column (started_at), a JSONL field (startedAt).
    const where = (path: string) =>
      path === 'row' || path === 'line' || path.startsWith('[')
        ? path
        : format === 'csv'
          ? columnLocation({ name: path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) })
          : `field ${path}`;
    for (const r of result.refusals)
      opts.out(
        `line ${r.line}${r.externalId ? ` (${r.externalId})` : ''}: refused: ${r.errors.map((e) => `${where(e.path)}: ${e.message}`).join('; ')}\n`,
      );
    if (result.refused > result.refusals.length)
      opts.out(`… and ${result.refused - result.refusals.length} more refused records\n`);
    const total = result.accepted + result.alreadyKnown + result.refused;
    opts.out(
      `${result.source}${result.sourceCreated ? ' (new source)' : ''}: ${result.accepted} accepted, ${result.alreadyKnown} already known, ${result.refused} refused` +
        (opts.strict && result.refused ? '; nothing written (--strict)' : '') +
        ` — ${total} records in ${seconds.toFixed(1)} s (${Math.round(total / Math.max(seconds, 0.001))}/s${pass > 1 ? ', checked first' : ''})\n`,
    );
    // Refused records are a result, not a failure of the command, unless --strict made them one.
    return { exitCode: opts.strict && result.refused ? 2 : 0 };
  } catch (err) {
    bar.done();
    if (err instanceof CallFileError)
      return { refused: `${file}: ${err.message} (records before it that were accepted stay stored)` };
    throw err;
  }
}

export function registerCallsCommand(
  program: Command,
  io: CliIo,
  withDatabase: WithDatabase,
  usage: (message: string) => never,
): void {
  const out = (s: string) => void io.stdout.write(s);
  const calls = program.command('calls').description('Call records from honeypots and complaint feeds');
  calls
    .command('import <file>')
    .description(
      'Import call records from CSV (header row: external_id, started_at, calling_number, called_number, transcript, language, duration_seconds, identity_header, …) or JSONL (one camelCase object a line). Idempotent: a record already stored is counted as known',
    )
    .requiredOption(
      '--source <name>',
      'the feed these calls come from (created when named for the first time)',
    )
    .option('--strict', 'check every record first; one refused record means nothing is imported')
    .option('--format <format>', 'csv or jsonl (default: from the file name)')
    .action(async (file: string, opts: { source: string; strict?: boolean; format?: string }) => {
      if (opts.format && !['csv', 'jsonl', 'json', 'ndjson'].includes(opts.format))
        usage(`--format must be csv or jsonl, got "${opts.format}"`);
      const path = inputFile(io.cwd, file);
      const result = await withDatabase((ctx) =>
        importCallsFile(ctx, path, {
          source: opts.source,
          strict: opts.strict ?? false,
          format: opts.format,
          out,
          stderr: io.stderr,
        }),
      );
      if ('refused' in result) usage(result.refused);
      if (result.exitCode) io.exitCode = result.exitCode;
    });

  calls
    .command('export')
    .description(
      'Write the calls of a source as JSONL: externalId, campaignId (null when unassigned), and more',
    )
    .requiredOption('--source <name>', 'the feed')
    .option('--out <file>', 'write here instead of standard output')
    .action(async (opts: { source: string; out?: string }) => {
      const target = opts.out ? createWriteStream(resolve(io.cwd, opts.out)) : io.stdout;
      const count = await withDatabase(async (ctx) => {
        let n = 0;
        for await (const lines of exportCalls({ ...ctx, source: opts.source })) {
          n += lines.length;
          if (!target.write(lines.join(''))) await once(target, 'drain');
        }
        return n;
      });
      if (opts.out) {
        target.end();
        await once(target, 'finish');
        out(`${count} calls written to ${opts.out}\n`);
      }
    });
}

export function registerCampaignsCommand(program: Command, io: CliIo, withDatabase: WithDatabase): void {
  const out = (s: string) => void io.stdout.write(s);
  const campaigns = program.command('campaigns').description('Campaigns found in call records');
  campaigns
    .command('detect')
    .description(
      'Run campaign detection to completion: every call record waiting is grouped with its campaign or a new candidate, then clusters that turn out to be one are merged',
    )
    .action(async () => {
      const cfg = configFromEnv();
      // The batches' rate (incremental assignment with every write) and the consolidation after them.
      let started = 0;
      let batchesDone = 0;
      const totals = await withDatabase(async (ctx) => {
        const detection = new CampaignDetection(ctx.db, ctx.clock, {
          verifier: await buildVerifier(cfg, false),
        });
        const tty = io.stderr.isTTY;
        started = performance.now();
        return detection.runToCompletion((_s, t) => {
          batchesDone = performance.now();
          if (tty) io.stderr.write(`\rdetecting… ${t.calls.toLocaleString('en-US')} calls`);
        });
      });
      if (io.stderr.isTTY) io.stderr.write('\n');
      const ended = performance.now();
      const batchSeconds = Math.max((batchesDone || started) - started, 0.001) / 1000;
      const consolidation = totals.batches
        ? ` (consolidation ${((ended - batchesDone) / 1000).toFixed(1)} s)`
        : '';
      out(
        `${totals.calls} calls in ${totals.batches} batches (${Math.round(totals.calls / batchSeconds)}/s): ${totals.assigned} grouped, ${totals.noSignal} without transcript or fingerprint (unassigned); ${totals.newClusters} new candidates, ${totals.promoted} became campaigns, ${totals.merged} merged${consolidation}\n`,
      );
    });
}
