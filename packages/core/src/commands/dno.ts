import type { TDnoEntriesCreate, TDnoEntry, TDnoImportReport } from '@hoptrace/contracts';
import {
  appendDnoChanges,
  findDnoEntry,
  insertDnoEntries,
  liveDnoEntries,
  lockDnoList,
  retireDnoEntryRow,
  type DnoChangeInsert,
  type DnoEntryInsert,
  type DnoEntryRow,
  type Tx,
} from '@hoptrace/db';
import { classifyNumber, parseDnoCsv, type CsvInput, type DnoImportEntry } from '@hoptrace/registry';
import type { Actor } from '../actor';
import { audit } from '../audit';
import type { CommandContext } from '../context';
import { presentDnoEntry } from '../dnoList';
import { ConflictError, InvalidInputError, NotFoundError, type FieldError } from '../errors';
import { authorize, policy } from '../policies';

type NewEntry = Omit<DnoImportEntry, 'line'>;

const keyOf = (e: { start: string; end: string; category: string }) => `${e.start}|${e.end}|${e.category}`;

/**
 * Adds the entries that are not already live (same start, end and category), each with its own
 * version and change row. Runs under the DNO lock, so a repeated add or import changes nothing.
 */
async function addUnderLock(
  tx: Tx,
  entries: NewEntry[],
  ctx: { actor: Actor; now: Date; via: string },
): Promise<{ version: number; rows: Array<{ status: 'added' | 'unchanged'; row: DnoEntryRow }> }> {
  let version = await lockDnoList(tx);
  const live = new Map((await liveDnoEntries(tx)).map((row) => [keyOf(row), row]));
  const fresh: DnoEntryInsert[] = [];
  const planned = new Set<string>();
  for (const e of entries) {
    const key = keyOf(e);
    if (live.has(key) || planned.has(key)) continue;
    planned.add(key);
    fresh.push({
      category: e.category,
      start: e.start,
      end: e.end,
      source: e.source,
      reason: e.reason,
      organisation: e.organisation,
      evidence: e.evidence,
      addedAt: ctx.now,
      addedBy: ctx.actor.userId,
      versionAdded: ++version,
    });
  }
  const inserted = await insertDnoEntries(tx, fresh);
  const changes: DnoChangeInsert[] = inserted.map((row) => ({
    version: row.versionAdded,
    entryId: row.id,
    kind: 'added',
    at: ctx.now,
    actorUserId: ctx.actor.userId,
    actor: ctx.actor.label,
    data: { via: ctx.via },
  }));
  await appendDnoChanges(tx, changes);
  const byKey = new Map(inserted.map((row) => [keyOf(row), row]));
  const claimed = new Set<string>();
  const rows = entries.map((e) => {
    const key = keyOf(e);
    const added = byKey.get(key);
    // The first input row of a key is the one that added it; later repeats are unchanged.
    if (added && !claimed.has(key)) {
      claimed.add(key);
      return { status: 'added' as const, row: added };
    }
    const row = live.get(key) ?? added;
    if (!row) throw new Error(`DNO entry ${key} neither live nor inserted`);
    return { status: 'unchanged' as const, row };
  });
  return { version, rows };
}

function normaliseEntry(input: TDnoEntriesCreate['entries'][number], path: string, errors: FieldError[]) {
  let start: string;
  let end: string;
  if (input.number !== undefined) {
    if (input.start !== undefined || input.end !== undefined) {
      errors.push({ path: `${path}.number`, message: 'give either a number or a start and end, not both' });
      return null;
    }
    const n = classifyNumber(input.number);
    if (n.kind === 'invalid') {
      errors.push({ path: `${path}.number`, message: n.message });
      return null;
    }
    start = end = n.e164;
  } else if (input.start !== undefined && input.end !== undefined) {
    if (input.start.length !== input.end.length) {
      errors.push({ path: `${path}.end`, message: 'has a different number of digits than start' });
      return null;
    }
    if (input.start > input.end) {
      errors.push({ path: `${path}.end`, message: 'is before start' });
      return null;
    }
    start = input.start;
    end = input.end;
  } else {
    errors.push({ path: `${path}.number`, message: 'give a number, or a start and an end' });
    return null;
  }
  if (input.category === 'subscriber_requested' && !input.organisation) {
    errors.push({
      path: `${path}.organisation`,
      message: 'is required for a subscriber-requested entry (who asked for it)',
    });
    return null;
  }
  return {
    start,
    end,
    category: input.category,
    source: input.source ?? null,
    reason: input.reason ?? null,
    organisation: input.organisation ?? null,
    evidence: input.evidence ?? null,
  } satisfies NewEntry;
}

export async function addDnoEntries(
  ctx: CommandContext & { input: TDnoEntriesCreate },
): Promise<{ version: number; results: Array<{ status: 'added' | 'unchanged'; entry: TDnoEntry }> }> {
  const { db, clock, actor, input } = ctx;
  authorize(policy.manageDno(actor), 'route');
  const errors: FieldError[] = [];
  const entries = input.entries.map((e, i) => normaliseEntry(e, `entries.${i}`, errors));
  if (errors.length > 0)
    throw new InvalidInputError(errors.map((e) => `${e.path} ${e.message}`).join('; '), errors);
  const now = clock.now();
  const { version, rows } = await db.transaction(async (tx) => {
    const added = await addUnderLock(
      tx,
      entries.filter((e) => e !== null),
      { actor, now, via: 'api' },
    );
    await audit(tx, ctx, {
      action: 'dno.entries_added',
      subject: 'dno',
      subjectId: added.version,
      details: dnoCounts(added.rows),
    });
    return added;
  });
  return { version, results: rows.map((r) => ({ status: r.status, entry: presentDnoEntry(r.row) })) };
}

export async function retireDnoEntry(
  ctx: CommandContext & { entryId: string; reason?: string | undefined },
): Promise<{ version: number; entry: TDnoEntry }> {
  const { db, clock, actor } = ctx;
  authorize(policy.manageDno(actor), 'route');
  const now = clock.now();
  return db.transaction(async (tx) => {
    const version = (await lockDnoList(tx)) + 1;
    const existing = await findDnoEntry(tx, ctx.entryId);
    if (!existing) throw new NotFoundError('DNO entry');
    if (existing.removedAt)
      throw new ConflictError(`the DNO entry was retired at version ${existing.versionRemoved}`);
    const row = await retireDnoEntryRow(tx, existing.id, {
      removedAt: now,
      removedBy: actor.userId,
      versionRemoved: version,
    });
    if (!row) throw new Error(`DNO entry ${existing.id} vanished under the lock`);
    await appendDnoChanges(tx, [
      {
        version,
        entryId: row.id,
        kind: 'removed',
        at: now,
        actorUserId: actor.userId,
        actor: actor.label,
        data: ctx.reason ? { reason: ctx.reason } : {},
      },
    ]);
    await audit(tx, ctx, {
      action: 'dno.entry_retired',
      subject: 'dno',
      subjectId: version,
      details: { entryId: row.id, reason: ctx.reason ?? null },
    });
    return { version, entry: presentDnoEntry(row) };
  });
}

/**
 * Imports a DNO CSV: every row gets a report; rejected rows never block good ones; rows already on
 * the list are `unchanged`, so importing the same file twice changes nothing. A file that cannot be
 * read as a DNO list (not CSV, no number or category column) is refused whole.
 */
export async function importDnoCsv(
  ctx: CommandContext & { input: CsvInput; fileName?: string | undefined },
): Promise<TDnoImportReport> {
  const { db, clock, actor } = ctx;
  authorize(policy.manageDno(actor), 'route');
  const parsed = await parseDnoCsv(ctx.input, {
    defaultSource: `import${ctx.fileName ? ` ${ctx.fileName}` : ''} by ${actor.label}`,
  });
  if (!parsed.ok) {
    const errors = parsed.fileProblems.map((p) => ({
      path: p.line === null ? 'file' : `file.line.${p.line}`,
      message: p.message,
    }));
    throw new InvalidInputError(
      `the file is not a usable DNO list: ${errors.map((e) => e.message).join('; ')}`,
      errors,
    );
  }
  const now = clock.now();
  const { version, rows } = await db.transaction(async (tx) => {
    const added = await addUnderLock(tx, parsed.entries, {
      actor,
      now,
      via: `import${ctx.fileName ? ` ${ctx.fileName}` : ''}`,
    });
    await audit(tx, ctx, {
      action: 'dno.imported',
      subject: 'dno',
      subjectId: added.version,
      details: {
        fileName: ctx.fileName ?? null,
        ...dnoCounts(added.rows),
        rejected: parsed.rows.filter((r) => r.status === 'rejected').length,
      },
    });
    return added;
  });
  const byLine = new Map(parsed.entries.map((e, i) => [e.line, rows[i]]));
  const report = parsed.rows.map((r) => {
    const applied = byLine.get(r.line);
    return {
      line: r.line,
      status: r.status === 'rejected' ? ('rejected' as const) : (applied?.status ?? 'unchanged'),
      message: r.message,
      entryId: applied?.row.id ?? null,
    };
  });
  return {
    version,
    stats: {
      rows: report.length,
      added: report.filter((r) => r.status === 'added').length,
      unchanged: report.filter((r) => r.status === 'unchanged').length,
      rejected: report.filter((r) => r.status === 'rejected').length,
    },
    rows: report,
  };
}

function dnoCounts(rows: readonly { status: 'added' | 'unchanged' }[]) {
  return {
    added: rows.filter((r) => r.status === 'added').length,
    unchanged: rows.filter((r) => r.status === 'unchanged').length,
  };
}
