import type { TDnoChanges, TDnoCheckResult } from '@hoptrace/contracts';
import { dnoChangesSince } from '@hoptrace/db';
import { classifyNumber } from '@hoptrace/registry';
import type { CommandContext } from '../context';
import type { DnoSnapshot } from '../dnoList';
import { presentDnoEntry } from '../dnoList';
import { authorize, policy } from '../policies';

/** The list a caller may download: the snapshot itself, after the access check. */
export function readDnoList(ctx: Pick<CommandContext, 'actor'> & { snapshot: DnoSnapshot }): DnoSnapshot {
  authorize(policy.readDno(ctx.actor), 'route');
  return ctx.snapshot;
}

function checkOne(snapshot: DnoSnapshot, input: string): TDnoCheckResult {
  const n = classifyNumber(input);
  if (n.kind === 'invalid')
    return {
      input,
      e164: null,
      invalid: { reason: n.reason, message: n.message },
      listed: false,
      entry: null,
    };
  const entry = snapshot.check(n.e164);
  return { input, e164: n.e164, invalid: null, listed: entry !== null, entry };
}

/** A number as typed: its E.164 form (or why it is not a number) and the entry that lists it. */
export function checkDnoNumber(
  ctx: Pick<CommandContext, 'actor'> & { snapshot: DnoSnapshot; number: string },
): TDnoCheckResult {
  authorize(policy.readDno(ctx.actor), 'route');
  return checkOne(ctx.snapshot, ctx.number);
}

export function checkDnoNumbers(
  ctx: Pick<CommandContext, 'actor'> & { snapshot: DnoSnapshot; numbers: readonly string[] },
): TDnoCheckResult[] {
  authorize(policy.readDno(ctx.actor), 'route');
  return ctx.numbers.map((input) => checkOne(ctx.snapshot, input));
}

export async function listDnoChanges(
  ctx: CommandContext & { since: number; limit: number },
): Promise<TDnoChanges> {
  authorize(policy.readDno(ctx.actor), 'route');
  const rows = await dnoChangesSince(ctx.db, ctx.since, ctx.limit + 1);
  const page = rows.slice(0, ctx.limit);
  return {
    since: ctx.since,
    version: page.at(-1)?.change.version ?? ctx.since,
    more: rows.length > ctx.limit,
    changes: page.map(({ change, entry }) => ({
      version: change.version,
      kind: change.kind,
      at: change.at.toISOString(),
      entry: presentDnoEntry(entry),
    })),
  };
}
