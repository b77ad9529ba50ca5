import { writeFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { annualReport, publishStatistics, renderAnnualReportPdf } from '@hoptrace/core';
import { ZStatisticsPublish } from '@hoptrace/contracts';
import type { Command } from 'commander';
import type { CliIo, WithDatabase } from './main';

/**
 * `hoptrace report annual` (TRACED Act §13, decision 0028) and `hoptrace statistics publish`. Both run
 * where the database is: in this process, or in the server that owns the data directory.
 */
export function registerReportCommands(
  program: Command,
  io: CliIo,
  withDatabase: WithDatabase,
  usage: (message: string) => never,
): void {
  const out = (s: string) => void io.stdout.write(s);
  const report = program.command('report').description('Reports built from the data');
  report
    .command('annual')
    .description(
      'The yearly report: key metrics, the providers that took part in tracebacks and those that did not, with the reasons recorded. The format follows the file name: .pdf for people, .json for programs',
    )
    .requiredOption('--year <year>', 'the year (UTC), YYYY')
    .requiredOption('--out <file>', 'FILE.pdf or FILE.json')
    .action(async (opts: { year: string; out: string }) => {
      if (!/^\d{4}$/.test(opts.year)) usage(`--year must be a year of four digits, got "${opts.year}"`);
      const format = extname(opts.out).toLowerCase();
      if (format !== '.pdf' && format !== '.json')
        usage(`--out must end in .pdf or .json (the format follows the name), got "${opts.out}"`);
      const data = await withDatabase((_db, ctx) => annualReport({ ...ctx, year: Number(opts.year) }));
      const bytes =
        format === '.pdf'
          ? await renderAnnualReportPdf(data)
          : Buffer.from(`${JSON.stringify(data, null, 2)}\n`);
      await writeFile(resolve(io.cwd, opts.out), bytes);
      out(
        `annual report ${data.year} (${data.statistics.status}): ${data.statistics.tracebacks} tracebacks, ${data.participated.length} providers took part, ${data.didNotParticipate.length} did not; written to ${opts.out}\n`,
      );
    });

  const statistics = program.command('statistics').description('Public statistics');
  statistics
    .command('publish <period>')
    .description(
      "Publish a period's key metrics as a snapshot later data does not change: YYYY (the year and its months not yet published) or YYYY-MM",
    )
    .action(async (period: string) => {
      const input = ZStatisticsPublish.safeParse({ period });
      if (!input.success) usage(`period must be a year (YYYY) or a month (YYYY-MM), got "${period}"`);
      const result = await withDatabase((_db, ctx) => publishStatistics({ ...ctx, input: input.data }));
      out(`published: ${result.published.join(', ')}\n`);
    });
}
