import { importRmd, InvalidInputError, type CommandContext, type RmdImportReport } from '@hoptrace/core';
import type { CsvProgress } from '@hoptrace/registry';

/**
 * A progress bar on stderr, redrawn in place with `\r` and only when it visibly moves. When stderr is not a
 * terminal: nothing (logs and pipes get the summary only), or with `lines`, one line at each tenth of the way,
 * so a long run in a log or CI shows that it moves.
 */
export function progressBar(
  stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
  opts: { unit?: string; lines?: boolean } = {},
): {
  update(p: CsvProgress): void;
  done(): void;
} {
  const width = 30;
  const unit = opts.unit ?? 'rows';
  let last = '';
  let lastTenth = 0;
  const tty = stream.isTTY;
  return {
    update(p) {
      const fraction = p.totalBytes ? Math.min(1, p.bytesRead / p.totalBytes) : null;
      if (!tty) {
        const tenth = fraction === null ? 0 : Math.floor(fraction * 10);
        if (opts.lines && tenth > lastTenth) {
          lastTenth = tenth;
          stream.write(`${tenth * 10}%: ${p.records.toLocaleString('en-US')} ${unit}\n`);
        }
        return;
      }
      const filled = fraction === null ? 0 : Math.round(fraction * width);
      const line =
        fraction === null
          ? `reading… ${p.records.toLocaleString('en-US')} ${unit}`
          : `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(fraction * 100)
              .toString()
              .padStart(3)}%  ${p.records.toLocaleString('en-US')} ${unit}`;
      if (line !== last) stream.write(`\r${line}`);
      last = line;
    },
    done() {
      if (tty && last) stream.write('\n');
    },
  };
}

export async function importRmdFile(
  ctx: CommandContext,
  file: string,
  opts: {
    noticedAt?: Date | undefined;
    out: (s: string) => void;
    stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  },
): Promise<RmdImportReport | { refused: string }> {
  const bar = progressBar(opts.stderr);
  try {
    const report = await importRmd({
      ...ctx,
      input: { file },
      noticedAt: opts.noticedAt,
      onProgress: (p) => bar.update(p),
    });
    bar.done();
    const s = report.stats;
    for (const p of report.rowProblems.slice(0, 20))
      opts.out(`line ${p.line}: ${p.severity} ${p.field}: ${p.message}\n`);
    if (report.rowProblems.length > 20)
      opts.out(`… and ${report.rowProblems.length - 20} more row problems\n`);
    opts.out(
      `${s.records} filings read (keyed by ${report.keyedBy}): ${s.added} added, ${s.changed} changed, ${s.removed} removed, ${s.unchanged} unchanged; ${s.linked} providers linked, ${s.proposed} matches proposed; ${Math.round(s.rows / (report.elapsedMs / 1000))} rows/s\n`,
    );
    return report;
  } catch (err) {
    bar.done();
    if (err instanceof InvalidInputError)
      return {
        refused: `${file}: ${err.errors.map((e) => `${e.path}: ${e.message}`).join('; ') || err.message}`,
      };
    throw err;
  }
}
