import { storableText, ZTracebackOpen, ZUuid, type TTracebackOpen } from '@hoptrace/contracts';
import {
  appendEvents,
  batchTransaction,
  discardWritesSince,
  findCampaignsByIdsOrNames,
  findProviders,
  findProvidersByNames,
  tracebacksOfCallingNumbers,
  writesMark,
  type EventInsert,
  type ProviderRow,
} from '@hoptrace/db';
import type { CommandContext } from '../context';
import { observeCommitted } from '../context';
import { DomainError, InvalidInputError, type FieldError } from '../errors';
import { authorize, policy } from '../policies';
import { CsvSyntaxError, readCsvRecords } from '../calls/csvStream';
import { BULK_MAX_ROWS, BulkFileTooLarge, inSlices, yieldToEventLoop } from './bulkAnswers';
import { FUTURE_SKEW_MS, writeOpening, type DnoCheck } from './openTraceback';

/** Tracebacks opened in one transaction, their writes held and sent as one statement (deferred writes). */
const OPEN_BATCH = 250;
/** Rows checked between two turns of the event loop. */
const SLICE = 500;

/** The columns of a bulk-open file; the first four are required. */
export const BULK_OPEN_COLUMNS = [
  'call_time',
  'calling_number',
  'called_number',
  'first_provider',
  'campaign',
  'note',
] as const;
type Column = (typeof BULK_OPEN_COLUMNS)[number];
const REQUIRED: Column[] = ['call_time', 'calling_number', 'called_number', 'first_provider'];

/** Other spellings of a column a spreadsheet may carry (the API's own field names among them). */
const ALIASES: Record<string, Column> = {
  call_started_at: 'call_time',
  started_at: 'call_time',
  calling: 'calling_number',
  called: 'called_number',
  first_provider_id: 'first_provider',
  campaign_id: 'campaign',
};

/** Where each field of the open contract comes from in a row, to name the column in an error. */
const COLUMN_OF: Record<string, Column> = {
  'call.startedAt': 'call_time',
  'call.callingNumber': 'calling_number',
  'call.calledNumber': 'called_number',
  firstProviderId: 'first_provider',
  campaignId: 'campaign',
  note: 'note',
};

const ZRowOpen = storableText(ZTracebackOpen);

export interface BulkOpenRow {
  /** The line of the file (the header is line 1). */
  line: number;
  /** `existing`: the same call (time, numbers, first provider) was opened before, by an earlier line or file. */
  status: 'opened' | 'existing' | 'refused';
  tracebackId: string | null;
  reason?: string;
  /** Each problem of a refused row: the column (`field`) and what is wrong with it. */
  errors?: FieldError[];
}

export interface BulkOpenResult {
  total: number;
  opened: number;
  existing: number;
  refused: number;
  rows: BulkOpenRow[];
}

interface RawRow {
  line: number;
  cells: Partial<Record<Column, string>>;
}

interface Checked {
  line: number;
  input: TTracebackOpen;
  provider: ProviderRow;
  key: string;
}

/**
 * Opens one traceback per row of a CSV file (call time, calling, called, first provider by id or exact
 * directory name, campaign by id or name, note). Every row is checked on its own with the API's contract
 * and refused with its line, column and message, without stopping the others. A row whose call (time,
 * both numbers, first provider) already has a traceback, from an earlier line or an earlier file, is
 * reported `existing` with that traceback: sending a file twice opens nothing twice. The whole file is
 * read first (a CSV syntax error or too many rows changes nothing); the good rows are then opened
 * OPEN_BATCH to a transaction whose writes go out as one statement.
 */
export async function openTracebacksBulk(
  ctx: CommandContext & {
    input: AsyncIterable<string | Uint8Array> | string;
    maxRows?: number | undefined;
    dno?: DnoCheck | undefined;
  },
): Promise<BulkOpenResult> {
  authorize(policy.openTraceback(ctx.actor), 'route');
  const raw = await readRows(ctx.input, ctx.maxRows ?? BULK_MAX_ROWS);
  const results: BulkOpenRow[] = [];
  const checked = await checkRows(ctx, raw, results);
  const toOpen = await setAsideRepeats(ctx, checked, results);
  await openChecked(ctx, toOpen, results);
  results.sort((a, b) => a.line - b.line);
  const count = (s: BulkOpenRow['status']) => results.filter((r) => r.status === s).length;
  return {
    total: results.length,
    opened: count('opened'),
    existing: count('existing'),
    refused: count('refused'),
    rows: results,
  };
}

async function readRows(input: AsyncIterable<string | Uint8Array> | string, maxRows: number) {
  let columns: Array<Column | null> | null = null;
  const rows: Array<RawRow & { fields: number; expected: number }> = [];
  try {
    for await (const records of readCsvRecords(inSlices(input))) {
      for (const rec of records) {
        if (!columns) {
          columns = headerOf(rec.fields);
          continue;
        }
        // A blank line (a spreadsheet's trailing one) is not a row.
        if (rec.fields.length === 1 && !rec.fields[0]!.trim()) continue;
        if (rows.length >= maxRows) throw new BulkFileTooLarge(maxRows);
        const cells: RawRow['cells'] = {};
        columns.forEach((c, i) => {
          if (c) cells[c] = (rec.fields[i] ?? '').trim();
        });
        rows.push({ line: rec.line, cells, fields: rec.fields.length, expected: columns.length });
        if (rows.length % SLICE === 0) await yieldToEventLoop();
      }
    }
  } catch (err) {
    if (err instanceof CsvSyntaxError)
      throw InvalidInputError.field(`line.${err.line}`, `${err.message}; nothing was opened`);
    throw err;
  }
  if (!columns) throw InvalidInputError.field('(body)', 'is empty: expected a CSV with a header line');
  return rows;
}

function headerOf(fields: string[]): Array<Column | null> {
  const columns = fields.map((f) => {
    const name = f.trim().toLowerCase().replace(/\s+/g, '_');
    if ((BULK_OPEN_COLUMNS as readonly string[]).includes(name)) return name as Column;
    return ALIASES[name] ?? null;
  });
  const missing = REQUIRED.filter((c) => !columns.includes(c));
  if (missing.length)
    throw new InvalidInputError(
      `the header lacks the column(s) ${missing.join(', ')} (expected ${BULK_OPEN_COLUMNS.join(', ')})`,
      missing.map((c) => ({ path: `header.${c}`, message: 'is a required column' })),
    );
  return columns;
}

const refused = (line: number, reason: string, errors?: FieldError[]): BulkOpenRow => ({
  line,
  status: 'refused',
  tracebackId: null,
  reason,
  ...(errors ? { errors } : {}),
});

/** Each row against the contract, its provider and campaign looked up for the whole file at once. */
async function checkRows(
  ctx: CommandContext,
  raw: Array<RawRow & { fields: number; expected: number }>,
  results: BulkOpenRow[],
): Promise<Checked[]> {
  const isId = (v: string | undefined) => !!v && ZUuid.safeParse(v).success;
  const providerRefs = raw.map((r) => r.cells.first_provider).filter((v): v is string => !!v);
  const campaignRefs = raw.map((r) => r.cells.campaign).filter((v): v is string => !!v);
  const [byId, byName, campaigns] = await Promise.all([
    findProviders(ctx.db, [...new Set(providerRefs.filter(isId))]),
    findProvidersByNames(ctx.db, [...new Set(providerRefs.filter((v) => !isId(v)))]),
    findCampaignsByIdsOrNames(
      ctx.db,
      [...new Set(campaignRefs.filter(isId))],
      [...new Set(campaignRefs.filter((v) => !isId(v)))],
    ),
  ]);
  const providerOf = new Map<string, ProviderRow | 'ambiguous'>(byId.map((p) => [p.id, p]));
  for (const p of byName) {
    const k = p.name.toLowerCase();
    providerOf.set(k, providerOf.has(k) ? 'ambiguous' : p);
  }
  const campaignOf = new Map<string, string>(campaigns.map((c) => [c.id, c.id]));
  for (const c of campaigns) {
    const k = c.name.toLowerCase();
    const had = campaignOf.get(k);
    campaignOf.set(k, had && had !== c.id ? 'ambiguous' : c.id);
  }
  const latest = ctx.clock.now().getTime() + FUTURE_SKEW_MS;
  const out: Checked[] = [];
  for (const [i, r] of raw.entries()) {
    if (i > 0 && i % SLICE === 0) await yieldToEventLoop();
    if (r.fields !== r.expected) {
      results.push(refused(r.line, `has ${r.fields} fields; the header has ${r.expected}`));
      continue;
    }
    const errors: FieldError[] = [];
    const c = r.cells;
    const providerRef = c.first_provider ?? '';
    const provider = providerRef
      ? providerOf.get(isId(providerRef) ? providerRef : providerRef.toLowerCase())
      : undefined;
    if (!providerRef)
      errors.push({ path: 'first_provider', message: 'is required (a provider id or its exact name)' });
    else if (provider === 'ambiguous')
      errors.push({
        path: 'first_provider',
        message: 'names several providers in the directory: use its id',
      });
    else if (!provider)
      errors.push({ path: 'first_provider', message: 'is not a provider in the directory' });
    let campaignId: string | undefined;
    if (c.campaign) {
      const found = campaignOf.get(isId(c.campaign) ? c.campaign : c.campaign.toLowerCase());
      if (found === 'ambiguous')
        errors.push({ path: 'campaign', message: 'names several campaigns: use its id' });
      else if (!found) errors.push({ path: 'campaign', message: 'is not a known campaign' });
      else campaignId = found;
    }
    const parsed = ZRowOpen.safeParse({
      call: { startedAt: c.call_time, callingNumber: c.calling_number, calledNumber: c.called_number },
      // The provider is checked above; a placeholder keeps the contract's other messages.
      firstProviderId: typeof provider === 'object' ? provider.id : '00000000-0000-4000-8000-000000000000',
      ...(campaignId ? { campaignId } : {}),
      ...(c.note ? { note: c.note } : {}),
    });
    if (!parsed.success)
      for (const issue of parsed.error.issues) {
        const path = issue.path.join('.');
        const column = COLUMN_OF[path] ?? COLUMN_OF[issue.path.slice(0, 2).join('.')] ?? path;
        const message = issue.code === 'invalid_type' ? 'is required' : issue.message;
        if (!errors.some((e) => e.path === column)) errors.push({ path: column, message });
      }
    else if (parsed.data.call.startedAt.getTime() > latest)
      errors.push({ path: 'call_time', message: 'is in the future' });
    if (errors.length || !parsed.success || typeof provider !== 'object') {
      results.push(refused(r.line, 'the row is not valid', errors));
      continue;
    }
    const input = parsed.data;
    const key = [
      input.call.startedAt.toISOString(),
      input.call.callingNumber,
      input.call.calledNumber,
      input.firstProviderId,
    ].join('|');
    out.push({ line: r.line, input, provider, key });
  }
  return out;
}

/** Rows whose call already has a traceback (from the database, or an earlier line of the file) open nothing. */
async function setAsideRepeats(
  ctx: CommandContext,
  checked: Checked[],
  results: BulkOpenRow[],
): Promise<Array<Checked & { repeats: number[] }>> {
  const opened = await tracebacksOfCallingNumbers(
    ctx.db,
    checked.map((c) => c.input.call.callingNumber),
  );
  const before = new Map(
    opened.map((t) => [
      [t.callStartedAt.toISOString(), t.callingNumber, t.calledNumber, t.firstProviderId].join('|'),
      t.id,
    ]),
  );
  const first = new Map<string, Checked & { repeats: number[] }>();
  for (const c of checked) {
    const id = before.get(c.key);
    if (id) {
      results.push({
        line: c.line,
        status: 'existing',
        tracebackId: id,
        reason: 'this call already has a traceback',
      });
      continue;
    }
    const earlier = first.get(c.key);
    if (earlier) earlier.repeats.push(c.line);
    else first.set(c.key, { ...c, repeats: [] });
  }
  return [...first.values()];
}

async function openChecked(
  ctx: CommandContext & { dno?: DnoCheck | undefined },
  rows: Array<Checked & { repeats: number[] }>,
  results: BulkOpenRow[],
): Promise<void> {
  const now = ctx.clock.now();
  for (let i = 0; i < rows.length; i += OPEN_BATCH) {
    const chunk = rows.slice(i, i + OPEN_BATCH);
    const committed: EventInsert[] = [];
    const outcomes = await batchTransaction(ctx.db, async (tx) => {
      const events: EventInsert[] = [];
      const done: Array<{ ok: true; id: string } | { ok: false; error: unknown }> = [];
      for (const row of chunk) {
        const mark = writesMark(tx);
        const eventsBefore = events.length;
        try {
          const opened = await writeOpening(tx, {
            ...ctx,
            input: row.input,
            dnoEntry: ctx.dno?.check(row.input.call.callingNumber) ?? null,
            now,
            shaken: null,
            provider: row.provider,
          });
          events.push(...opened.events);
          done.push({ ok: true, id: opened.traceback.id });
        } catch (error) {
          discardWritesSince(tx, mark);
          events.splice(eventsBefore);
          done.push({ ok: false, error });
        }
      }
      await appendEvents(tx, events);
      committed.push(...events);
      return done;
    });
    observeCommitted(ctx.settings, committed);
    chunk.forEach((row, j) => {
      const o = outcomes[j]!;
      if (!o.ok) {
        if (!(o.error instanceof DomainError)) throw o.error;
        results.push(refused(row.line, o.error.message));
        for (const line of row.repeats) results.push(refused(line, o.error.message));
        return;
      }
      results.push({ line: row.line, status: 'opened', tracebackId: o.id });
      for (const line of row.repeats)
        results.push({
          line,
          status: 'existing',
          tracebackId: o.id,
          reason: `the same call as line ${row.line}`,
        });
    });
    await yieldToEventLoop();
  }
}
