import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import {
  AgentRefusedError,
  checkRecords,
  checkTimeZone,
  FILE_FORMATS,
  FileRecords,
  formatCheckReport,
  fetchTransport,
  jsonLineLog,
  PgRecords,
  ProviderAgent,
  RecordFileError,
  readKamailioMapping,
  readMapping,
  RecordTimeError,
  startWebhookReceiver,
  ZPeerMap,
  type KamailioColumns,
  type PgFormat,
  type PgMapping,
  type RecordSource,
  type TMapping,
  type TPeerMap,
} from '@hoptrace/sim';
import type { Command } from 'commander';
import { UsageError, type CliIo } from './main';
import { inputFile } from './usage';

interface AgentOpts {
  url: string;
  key: string;
  records?: string;
  pgUrl?: string;
  pgTable?: string;
  toleranceSeconds: string;
  coverageMinutes: string;
  cdrFormat: string;
  timeZone?: string;
  mapping?: string;
  check?: boolean;
  webhookHost: string;
  peerMap?: string;
  dryRun?: boolean;
  webhookPort?: string;
  webhookSecret?: string;
  pollSeconds?: string;
  once?: boolean;
}

function readPeerMap(file: string | undefined): TPeerMap {
  if (!file) return ZPeerMap.parse({});
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--peer-map ${file}: ${(err as Error).message}`);
  }
  const parsed = ZPeerMap.safeParse(raw);
  if (!parsed.success)
    throw new UsageError(
      `--peer-map ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'} ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

const positive = (name: string, v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive number, got "${v}"`);
  return n;
};

/** The formats of a table (--pg-url); those of a file (--records) are FILE_FORMATS. */
const PG_FORMATS: readonly PgFormat[] = ['hoptrace', 'kamailio-acc', 'asterisk-pgsql', 'generic'];
const FORMATS = [...new Set<string>([...FILE_FORMATS, ...PG_FORMATS])];

/** `hoptrace agent`: the program a provider runs beside its own call records. Exit codes: 0 done, 1 the
 * self-check failed, 2 the options were refused. */
export function registerAgentCommand(
  program: Command,
  io: Pick<CliIo, 'stdout' | 'stderr' | 'cwd'> & { exitCode?: number },
): void {
  program
    .command('agent')
    .description(
      "Answer this provider's hops from its own call records: learns of hops by webhook or by polling, answers upstream/origin/not_found, leaves the rest for a person",
    )
    .requiredOption('--url <url>', 'the hoptrace server, e.g. https://hoptrace.example')
    .requiredOption(
      '--key <key>',
      "an API key of one of this provider's users (env HOPTRACE_API_KEY)",
      process.env.HOPTRACE_API_KEY,
    )
    .option(
      '--records <file.csv>',
      'call records CSV: start_time, calling_number, called_number, inbound_peer',
    )
    .option('--pg-url <url>', 'PostgreSQL holding the call records')
    .option('--pg-table <table>', 'the call records table (same columns)')
    .option(
      '--cdr-format <format>',
      `the records' format. Files (--records): hoptrace (the columns above), asterisk-csv (cdr_csv Master.csv), freeswitch-csv (mod_cdr_csv), kamailio-acc-log (acc lines in syslog), generic (--mapping). Tables (--pg-table): hoptrace, kamailio-acc (acc, with missed_calls beside it), asterisk-pgsql (cdr), generic (--mapping)`,
      'hoptrace',
    )
    .option(
      '--time-zone <tz>',
      'the zone the switch writes zoneless times in (e.g. America/Chicago); refused without it',
    )
    .option(
      '--mapping <file>',
      'generic: a JSON mapping (columns by name or position, timeFormat iso|epoch|pattern, timeZone); freeswitch-csv: the template (cdr_csv.conf.xml or one template line; default: the stock "example"); kamailio-acc / kamailio-acc-log: the switch\'s kamailio.cfg (its acc db_extra / log_extra) or JSON {"extra": "src_user=$fU;…", "columns": {…}}',
    )
    .option('--tolerance-seconds <n>', 'how far a record start may be from the call time', '30')
    .option(
      '--coverage-minutes <n>',
      'answer not_found only when records exist on both sides of the call within this many minutes',
      '10',
    )
    .option('--check', 'check the records (columns, times, numbers, peers) against the peer map, and exit')
    .option('--peer-map <file.json>', '{"peers": {trunk: providerId}, "customers": {trunk: {name, …}}}')
    .option('--dry-run', 'decide and log, answer nothing')
    .option('--webhook-port <n>', 'receive signed hop.assigned webhooks on this port')
    .option(
      '--webhook-host <address>',
      'the address the webhook listener binds to (default loopback)',
      '127.0.0.1',
    )
    .option('--webhook-secret <secret>', 'the endpoint secret (env HOPTRACE_WEBHOOK_SECRET)')
    .option('--poll-seconds <n>', 'poll GET /hops?status=pending this often (default 60)')
    .option('--once', 'poll once and exit')
    .action(async (opts: AgentOpts) => {
      if (Boolean(opts.records) === Boolean(opts.pgUrl))
        throw new UsageError('give the call records: either --records FILE.csv or --pg-url URL --pg-table T');
      if (opts.pgUrl && !opts.pgTable) throw new UsageError('--pg-url needs --pg-table');
      // Every file option is checked alike before anything starts (usage.ts).
      for (const [option, name] of [
        ['--records', opts.records],
        ['--mapping', opts.mapping],
        ['--peer-map', opts.peerMap],
      ] as const)
        if (name) inputFile(io.cwd, name, option);
      if (opts.webhookPort && opts.pollSeconds)
        throw new UsageError('choose one way to learn of hops: --webhook-port or --poll-seconds');
      const secret = opts.webhookSecret ?? process.env.HOPTRACE_WEBHOOK_SECRET;
      if (opts.webhookPort && !secret)
        throw new UsageError('--webhook-port needs --webhook-secret (or HOPTRACE_WEBHOOK_SECRET)');
      const webhookPort = opts.webhookPort ? positive('--webhook-port', opts.webhookPort) : null;
      const pollEvery = positive('--poll-seconds', opts.pollSeconds ?? '60') * 1000;
      const tolerance = positive('--tolerance-seconds', opts.toleranceSeconds);
      const coverage = positive('--coverage-minutes', opts.coverageMinutes) * 60;
      const format = opts.cdrFormat;
      if (!FORMATS.includes(format))
        throw new UsageError(`--cdr-format must be one of ${FORMATS.join(', ')}, got "${format}"`);
      if (opts.records && !(FILE_FORMATS as readonly string[]).includes(format))
        throw new UsageError(
          `--cdr-format ${format} is a table: give --pg-url URL --pg-table ${format === 'kamailio-acc' ? 'acc' : 'cdr'} (files: ${FILE_FORMATS.join(', ')})`,
        );
      if (opts.pgUrl && !PG_FORMATS.includes(format as PgFormat))
        throw new UsageError(
          `--cdr-format ${format} is a file: give --records FILE (tables: ${PG_FORMATS.join(', ')})`,
        );
      if (format === 'generic' && !opts.mapping)
        throw new UsageError('--cdr-format generic needs --mapping FILE (the columns and the time format)');
      const kamailioFormat = format === 'kamailio-acc' || format === 'kamailio-acc-log';
      if (opts.mapping && format !== 'generic' && format !== 'freeswitch-csv' && !kamailioFormat)
        throw new UsageError(
          '--mapping is read by --cdr-format generic (a JSON mapping), freeswitch-csv (its template) and kamailio-acc / kamailio-acc-log (the acc extra columns)',
        );
      let zone: string | null = null;
      try {
        if (opts.timeZone) zone = checkTimeZone(opts.timeZone);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const peerMap = readPeerMap(opts.peerMap);
      let mapping: TMapping | undefined;
      let template: string | undefined;
      let kamailio: KamailioColumns | undefined;
      try {
        if (opts.mapping && kamailioFormat)
          kamailio = readKamailioMapping(opts.mapping, format === 'kamailio-acc' ? 'db_extra' : 'log_extra');
        if (opts.mapping && format === 'generic') mapping = readMapping(opts.mapping);
        if (opts.mapping && format === 'freeswitch-csv') template = readFileSync(opts.mapping, 'utf8');
      } catch (err) {
        if (err instanceof RecordFileError) throw new UsageError(err.message);
        throw new UsageError(
          `--mapping ${opts.mapping}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`,
        );
      }
      let pgMapping: PgMapping | undefined;
      if (mapping && opts.pgUrl) {
        const c = mapping.columns;
        const positional = Object.entries(c).filter(([, v]) => typeof v === 'number');
        if (positional.length)
          throw new UsageError(
            `--mapping ${opts.mapping}: a table's columns are named, not numbered (${positional.map(([k]) => `columns.${k}`).join(', ')})`,
          );
        pgMapping = {
          start_time: String(c.start_time),
          calling_number: String(c.calling_number),
          called_number: String(c.called_number),
          inbound_peer: String(c.inbound_peer),
          asserted_number: c.asserted_number === undefined ? undefined : String(c.asserted_number),
          identity_header: c.identity_header === undefined ? undefined : String(c.identity_header),
          lateSeconds: mapping.lateSeconds,
        };
        if (mapping.timeZone && zone && mapping.timeZone !== zone)
          throw new UsageError(
            `--time-zone ${zone} and the mapping's timeZone ${mapping.timeZone} disagree: give one`,
          );
        zone ??= mapping.timeZone ?? null;
      }
      const fail = (message: string) => {
        io.stderr.write(`hoptrace: ${message}\n`);
        io.exitCode = 1;
      };
      let records: RecordSource;
      try {
        records = opts.records
          ? new FileRecords(opts.records, {
              format: format as (typeof FILE_FORMATS)[number],
              timeZone: zone,
              mapping,
              template,
              kamailio,
            })
          : new PgRecords(opts.pgUrl!, opts.pgTable!, {
              format: format as PgFormat,
              timeZone: zone,
              mapping: pgMapping,
              kamailio,
            });
      } catch (err) {
        if (err instanceof RecordFileError || err instanceof RecordTimeError) return fail(err.message);
        throw err;
      }
      // The self-check runs at every start, hop pending or not: records the agent cannot read right
      // would otherwise turn into answers (or silence) under the provider's name.
      const report = await checkRecords(records, peerMap);
      if (opts.check || !report.ok) io.stdout.write(formatCheckReport(report));
      if (!report.ok || opts.check) {
        await records.close?.();
        if (!report.ok) fail(`the records check failed: ${report.problems.join('; ')}`);
        return;
      }
      const log = jsonLineLog((line) => void io.stdout.write(line));
      const agent = new ProviderAgent({
        transport: fetchTransport(opts.url, opts.key),
        records,
        peerMap,
        toleranceSeconds: tolerance,
        coverageSeconds: coverage,
        dryRun: opts.dryRun ?? false,
        log,
      });
      // The peer map is reloaded without a restart: on SIGHUP (systemd's ExecReload) and when its file
      // changes (polled, so an editor that replaces the file is seen too). A map that does not read
      // leaves the previous one in force, and says why.
      const reloadPeerMap = (why: string) => {
        try {
          const next = readPeerMap(opts.peerMap);
          agent.setPeerMap(next);
          log({
            level: 'info',
            msg: 'peer map reloaded',
            why,
            peers: Object.keys(next.peers).length,
            customers: Object.keys(next.customers).length,
          });
        } catch (err) {
          log({
            level: 'error',
            msg: 'peer map not reloaded: the previous one stays in force',
            why,
            detail: (err as Error).message,
          });
        }
      };
      const onHup = () => reloadPeerMap('SIGHUP');
      // Set up before the first poll, so a SIGHUP never meets the default action (ending the process).
      const peerMapFile = opts.once ? undefined : opts.peerMap;
      const unwatch = () => {
        if (!peerMapFile) return;
        process.off('SIGHUP', onHup);
        unwatchFile(peerMapFile);
      };
      if (peerMapFile) {
        process.on('SIGHUP', onHup);
        watchFile(peerMapFile, { interval: 2000 }, (cur, prev) => {
          if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size) reloadPeerMap('file changed');
        });
      }
      log({
        level: 'info',
        msg: 'agent started',
        url: opts.url,
        records: report.source,
        sampled: report.sampled,
        warnings: report.warnings,
        dryRun: opts.dryRun ?? false,
        tolerance,
      });
      // Whatever arrived while the agent was down is picked up first.
      try {
        await agent.pollOnce();
      } catch (err) {
        // The watch would keep the process alive after the error.
        unwatch();
        await records.close?.();
        // A refused key or an unreachable server: one line, exit 1 (a cron job or a supervisor sees it).
        if (err instanceof AgentRefusedError) {
          io.stderr.write(`hoptrace agent: ${err.message}\n`);
          io.exitCode = 1;
          return;
        }
        if (err instanceof TypeError && /fetch failed/i.test(err.message)) {
          const cause = (err as { cause?: { code?: string; message?: string } }).cause;
          io.stderr.write(
            `hoptrace agent: cannot reach ${opts.url} (${cause?.code ?? cause?.message ?? 'no answer'}): check --url and that the server runs\n`,
          );
          io.exitCode = 1;
          return;
        }
        throw err;
      }
      if (opts.once) {
        await records.close?.();
        return;
      }
      let stop: () => void = () => {};
      const stopped = new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      if (webhookPort !== null && secret) {
        const server = await startWebhookReceiver(agent, {
          port: webhookPort,
          host: opts.webhookHost,
          secret,
          log,
        });
        stop = () => server.close();
      } else {
        const timer = setInterval(() => {
          agent.pollOnce().catch((err: unknown) => log({ level: 'error', msg: String(err) }));
        }, pollEvery);
        stop = () => clearInterval(timer);
      }
      await stopped;
      stop();
      unwatch();
      await records.close?.();
      log({ level: 'info', msg: 'agent stopped' });
    });
}
