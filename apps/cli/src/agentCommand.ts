import { readFileSync } from 'node:fs';
import {
  csvRecordSource,
  fetchTransport,
  jsonLineLog,
  PgRecords,
  ProviderAgent,
  startWebhookReceiver,
  ZPeerMap,
  type RecordSource,
  type TPeerMap,
} from '@hoptrace/sim';
import type { Command } from 'commander';
import { UsageError } from './main';

interface AgentOpts {
  url: string;
  key: string;
  records?: string;
  pgUrl?: string;
  pgTable?: string;
  toleranceSeconds: string;
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

/** `hoptrace agent`: the program a provider runs beside its own call records. */
export function registerAgentCommand(program: Command): void {
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
    .option('--tolerance-seconds <n>', 'how far a record start may be from the call time', '30')
    .option('--peer-map <file.json>', '{"peers": {trunk: providerId}, "customers": {trunk: {name, …}}}')
    .option('--dry-run', 'decide and log, answer nothing')
    .option('--webhook-port <n>', 'receive signed hop.assigned webhooks on this port')
    .option('--webhook-secret <secret>', 'the endpoint secret (env HOPTRACE_WEBHOOK_SECRET)')
    .option('--poll-seconds <n>', 'poll GET /hops?status=pending this often (default 60)')
    .option('--once', 'poll once and exit')
    .action(async (opts: AgentOpts) => {
      if (Boolean(opts.records) === Boolean(opts.pgUrl))
        throw new UsageError('give the call records: either --records FILE.csv or --pg-url URL --pg-table T');
      if (opts.pgUrl && !opts.pgTable) throw new UsageError('--pg-url needs --pg-table');
      if (opts.webhookPort && opts.pollSeconds)
        throw new UsageError('choose one way to learn of hops: --webhook-port or --poll-seconds');
      const tolerance = positive('--tolerance-seconds', opts.toleranceSeconds);
      const peerMap = readPeerMap(opts.peerMap);
      let records: RecordSource;
      try {
        records = opts.records ? csvRecordSource(opts.records) : new PgRecords(opts.pgUrl!, opts.pgTable!);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const log = jsonLineLog();
      const agent = new ProviderAgent({
        transport: fetchTransport(opts.url, opts.key),
        records,
        peerMap,
        toleranceSeconds: tolerance,
        dryRun: opts.dryRun ?? false,
        log,
      });
      log({ level: 'info', msg: 'agent started', url: opts.url, dryRun: opts.dryRun ?? false, tolerance });
      // Whatever arrived while the agent was down is picked up first.
      await agent.pollOnce();
      if (opts.once) {
        await records.close?.();
        return;
      }
      let stop: () => void = () => {};
      const stopped = new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      if (opts.webhookPort) {
        const secret = opts.webhookSecret ?? process.env.HOPTRACE_WEBHOOK_SECRET;
        if (!secret)
          throw new UsageError('--webhook-port needs --webhook-secret (or HOPTRACE_WEBHOOK_SECRET)');
        const server = await startWebhookReceiver(agent, {
          port: positive('--webhook-port', opts.webhookPort),
          host: '0.0.0.0',
          secret,
          log,
        });
        stop = () => server.close();
      } else {
        const every = positive('--poll-seconds', opts.pollSeconds ?? '60') * 1000;
        const timer = setInterval(() => {
          agent.pollOnce().catch((err: unknown) => log({ level: 'error', msg: String(err) }));
        }, every);
        stop = () => clearInterval(timer);
      }
      await stopped;
      stop();
      await records.close?.();
      log({ level: 'info', msg: 'agent stopped' });
    });
}
