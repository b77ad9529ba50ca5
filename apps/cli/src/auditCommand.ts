import type { Command } from 'commander';
import { publishAuditHead, verifyAuditLedger, type CommandContext } from '@hoptrace/core';
import { readAuditHead } from '@hoptrace/db';
import type { CliIo } from './main';

type Refuse = (message: string) => never;
type WithCtx = <T>(fn: (ctx: CommandContext) => Promise<T>) => Promise<T>;

/** `SEQ:HASH`, as `hoptrace audit head` prints it and the worker logs it. */
function parseHead(value: string, refuse: Refuse): { seq: number; hash: string } {
  const m = /^([1-9][0-9]{0,15}):([0-9a-f]{64})$/i.exec(value.trim());
  if (!m)
    refuse(`--head ${value.slice(0, 80)}: expected SEQ:HASH (a sequence number, a colon, 64 hex digits)`);
  return { seq: Number(m[1]), hash: m[2]!.toLowerCase() };
}

/**
 * `hoptrace audit verify [--head SEQ:HASH …]` recomputes the audit ledger's chain (decision 0024):
 * exit 0 when whole, 1 naming the first entry that does not match. `hoptrace audit head` prints the
 * head to keep elsewhere (`--publish` also records it as published).
 */
export function registerAuditCommands(program: Command, io: CliIo, withCtx: WithCtx, refuse: Refuse): void {
  const out = (s: string) => void io.stdout.write(s);
  const audit = program
    .command('audit')
    .description('The hash-chained audit ledger (who changed what, who read customer details)');
  audit
    .command('verify')
    .description(
      'Recompute the ledger chain from its rows and check the head and every published head: exit 0 when whole, 1 naming the first entry that does not match',
    )
    .option(
      '--head <seq:hash>',
      'a head kept elsewhere (from the log, the public page or `hoptrace audit head`) that the chain must still hold; repeatable',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .action(async (opts: { head?: string[] }) => {
      const heads = (opts.head ?? []).map((h) => parseHead(h, refuse));
      const tty = io.stderr.isTTY === true;
      const result = await withCtx((ctx) =>
        verifyAuditLedger(ctx.db, {
          heads,
          onProgress: tty
            ? (n) => void io.stderr.write(`\rchecked ${n.toLocaleString('en-US')} entries`)
            : undefined,
        }),
      );
      if (tty) io.stderr.write('\r\x1b[K');
      if (result.ok) {
        out(
          `audit ledger whole: ${result.entries.toLocaleString('en-US')} entries, head ${result.head.seq}:${result.head.hash}` +
            `${result.headsMatched ? `; ${result.headsMatched} published or given head${result.headsMatched === 1 ? '' : 's'} found in the chain` : ''}\n`,
        );
        return;
      }
      io.stderr.write(`audit ledger broken at entry ${result.failure!.seq}: ${result.failure!.reason}\n`);
      if (result.entries)
        io.stderr.write(`the ${result.entries.toLocaleString('en-US')} entries before it are whole\n`);
      io.exitCode = 1;
    });
  audit
    .command('head')
    .description('Print the ledger head as SEQ:HASH (keep it outside this system to check the chain later)')
    .option('--publish', 'also record it as published (as the worker does every HOPTRACE_AUDIT_HEAD_MINUTES)')
    .action(async (opts: { publish?: boolean }) => {
      const head = await withCtx(async (ctx) =>
        opts.publish ? await publishAuditHead(ctx) : ((await readAuditHead(ctx.db)) ?? null),
      );
      if (!head) refuse('the audit ledger has no head: run `hoptrace migrate` first');
      out(`${head.seq}:${head.hash}\n`);
    });
}
