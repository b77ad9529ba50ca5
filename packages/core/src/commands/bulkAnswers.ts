import { ZHopAnswer, ZUuid, type THopAnswer } from '@hoptrace/contracts';
import { findHop, findProvider, listHops, unsafeFindOriginOfHop, type HopRow } from '@hoptrace/db';
import type { CommandContext } from '../context';
import { DomainError, InvalidInputError, type FieldError } from '../errors';
import { policy } from '../policies';
import { CsvSyntaxError, readCsvRecords, type CsvRecord } from '../calls/csvStream';
import { answerHops } from './answerHop';

/** Rows of a bulk file applied in one transaction. */
const BULK_BATCH = 200;

/** The columns of an answers file; the export of pending hops carries them too, empty, to fill in. */
export const BULK_ANSWER_COLUMNS = [
  'hop_id',
  'kind',
  'upstream_provider_id',
  'upstream_name',
  'upstream_contact_email',
  'upstream_country',
  'customer_name',
  'customer_address',
  'customer_contact',
  'customer_account_ref',
  'action',
  'comment',
  // What the provider received with the call (optional; decision 0034): the Identity header or "none".
  'received_identity',
  'received_from',
  'received_pai',
] as const;

/** Where each field of the answer contract comes from in a row, to name the column in an error. */
const COLUMN_OF: Record<string, string> = {
  kind: 'kind',
  upstreamProviderId: 'upstream_provider_id',
  'upstreamProvider.name': 'upstream_name',
  'upstreamProvider.contactEmail': 'upstream_contact_email',
  'upstreamProvider.country': 'upstream_country',
  'customer.name': 'customer_name',
  'customer.address': 'customer_address',
  'customer.contact': 'customer_contact',
  'customer.accountRef': 'customer_account_ref',
  action: 'action',
  comment: 'comment',
  'received.identityHeader': 'received_identity',
  'received.fromNumber': 'received_from',
  'received.paiNumber': 'received_pai',
};

/** The most rows a file may have unless the caller says otherwise (the size of the largest export). */
export const BULK_MAX_ROWS = 50_000;

/** Rows handled between two turns of the event loop: a large file never holds the process for long. */
const SLICE = 500;
/** Text parsed at a time: a body that arrives as one large chunk is still read a slice at a time. */
const PARSE_SLICE_BYTES = 64 * 1024;

/** A file with more rows than allowed: refused whole before anything is applied (the server answers 413). */
export class BulkFileTooLarge extends Error {
  constructor(readonly maxRows: number) {
    super(`the file has more than ${maxRows} rows; split it into files of at most ${maxRows} rows`);
  }
}

/** Lets the event loop turn (timers, I/O, other requests) before the next slice of work. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The body in slices of at most PARSE_SLICE_BYTES, with a turn of the event loop between them. */
export async function* inSlices(
  input: AsyncIterable<string | Uint8Array> | string,
): AsyncGenerator<string | Uint8Array> {
  const chunks = typeof input === 'string' ? [input] : input;
  for await (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i += PARSE_SLICE_BYTES) {
      yield typeof chunk === 'string'
        ? chunk.slice(i, i + PARSE_SLICE_BYTES)
        : chunk.subarray(i, i + PARSE_SLICE_BYTES);
      await yieldToEventLoop();
    }
  }
}

export interface BulkRowResult {
  /** The line of the file (the header is line 1). */
  line: number;
  hopId: string | null;
  status: 'applied' | 'unchanged' | 'refused';
  reason?: string;
  errors?: FieldError[];
}

export interface BulkResult {
  total: number;
  applied: number;
  unchanged: number;
  refused: number;
  rows: BulkRowResult[];
}

/** A row's answer, built from its columns and checked with the same contract as the API. */
function answerOf(
  row: Record<string, string>,
): { ok: true; answer: THopAnswer } | { ok: false; errors: FieldError[] } {
  const v = (c: string) => (row[c] ?? '').trim() || undefined;
  const kind = v('kind');
  const candidate: Record<string, unknown> = { kind, comment: v('comment') };
  if (kind === 'upstream') {
    candidate.upstreamProviderId = v('upstream_provider_id');
    if (v('upstream_name') || v('upstream_contact_email'))
      candidate.upstreamProvider = {
        name: v('upstream_name'),
        contactEmail: v('upstream_contact_email'),
        country: v('upstream_country'),
      };
  } else if (kind === 'origin') {
    candidate.customer = {
      name: v('customer_name'),
      address: v('customer_address'),
      contact: v('customer_contact'),
      accountRef: v('customer_account_ref'),
    };
    candidate.action = v('action');
  }
  const received = {
    identityHeader: v('received_identity'),
    fromNumber: v('received_from'),
    paiNumber: v('received_pai'),
  };
  if (kind !== 'not_found' && Object.values(received).some((x) => x !== undefined))
    candidate.received = received;
  const parsed = ZHopAnswer.safeParse(candidate);
  if (parsed.success) return { ok: true, answer: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((i) => {
      const path = i.path.join('.');
      return {
        path: COLUMN_OF[path] ?? (path || 'kind'),
        message: path === 'kind' || !path ? 'must be one of upstream, origin, not_found' : i.message,
      };
    }),
  };
}

const sameAnswer = (a: THopAnswer, b: THopAnswer) => JSON.stringify(a) === JSON.stringify(b);

/** An answered hop given the same answer again is "unchanged"; any other answer to it is refused. */
async function isSameAsRecorded(ctx: CommandContext, hop: HopRow, answer: THopAnswer): Promise<boolean> {
  if (hop.answerKind !== answer.kind) return false;
  if (answer.kind === 'upstream') {
    if (answer.upstreamProviderId) return hop.upstreamProviderId === answer.upstreamProviderId;
    const named = hop.upstreamProviderId ? await findProvider(ctx.db, hop.upstreamProviderId) : undefined;
    return named?.name === answer.upstreamProvider?.name;
  }
  if (answer.kind === 'origin') {
    // The provider compares its own answer: not a CPNI disclosure.
    const origin = await unsafeFindOriginOfHop(ctx.db, hop.id);
    return origin?.customerName === answer.customer.name && origin.action === answer.action;
  }
  return true;
}

/**
 * Applies a file of hop answers row by row: each row is checked with the answer contract and
 * applied with `answerHops` (channel `bulk`), a batch of rows to a transaction, each row decided
 * on its own, so one bad row never blocks the good ones, and a repeated file changes nothing.
 *
 * The file is read as it arrives (a stream of chunks, or text) and every step works in slices with
 * a turn of the event loop between them, so a large file shares the process with other requests.
 * The whole file is read and checked before anything is applied: a file that cannot be read (CSV
 * syntax) or has more than `maxRows` rows changes nothing.
 */
export async function applyBulkAnswers(
  ctx: CommandContext & { input: AsyncIterable<string | Uint8Array> | string; maxRows?: number },
): Promise<BulkResult> {
  const maxRows = ctx.maxRows ?? BULK_MAX_ROWS;
  const actor = { ...ctx.actor, channel: 'bulk' as const };
  const results: BulkRowResult[] = [];
  const parsed: Array<{ line: number; hopId: string; answer: THopAnswer }> = [];
  let columns: string[] | null = null;
  let rows = 0;
  try {
    for await (const records of readCsvRecords(inSlices(ctx.input))) {
      for (const rec of records) {
        if (!columns) {
          columns = headerOf(rec.fields);
          continue;
        }
        if (++rows > maxRows) throw new BulkFileTooLarge(maxRows);
        checkRow(rec, columns, results, parsed);
        if (rows % SLICE === 0) await yieldToEventLoop();
      }
    }
  } catch (err) {
    if (err instanceof CsvSyntaxError)
      throw InvalidInputError.field(`line.${err.line}`, `${err.message}; nothing was applied`);
    throw err;
  }
  if (!columns) throw InvalidInputError.field('(body)', 'is empty: expected a CSV with a header line');
  return applyChecked(ctx, actor, results, parsed);
}

function headerOf(fields: string[]): string[] {
  const columns = fields.map((c) => c.trim().toLowerCase());
  const missing = ['hop_id', 'kind'].filter((c) => !columns.includes(c));
  if (missing.length)
    throw new InvalidInputError(
      `the header lacks the column(s) ${missing.join(', ')}`,
      missing.map((c) => ({ path: `header.${c}`, message: 'is a required column' })),
    );
  return columns;
}

/** One row checked against the header and the answer contract: refused at once, or kept to apply. */
function checkRow(
  rec: CsvRecord,
  columns: string[],
  results: BulkRowResult[],
  parsed: Array<{ line: number; hopId: string; answer: THopAnswer }>,
): void {
  const row: Record<string, string> = {};
  columns.forEach((c, i) => (row[c] = rec.fields[i] ?? ''));
  const hopId = (row.hop_id ?? '').trim();
  if (rec.fields.length !== columns.length) {
    results.push(
      refused(rec.line, hopId || null, `has ${rec.fields.length} fields; the header has ${columns.length}`),
    );
    return;
  }
  if (!ZUuid.safeParse(hopId).success) {
    results.push(
      refused(rec.line, hopId || null, 'hop_id is not a hop id', [
        { path: 'hop_id', message: 'must be a hop id (UUID)' },
      ]),
    );
    return;
  }
  const a = answerOf(row);
  if (!a.ok) {
    results.push({ ...refused(rec.line, hopId, 'the answer is not valid'), errors: a.errors });
    return;
  }
  parsed.push({ line: rec.line, hopId, answer: a.answer });
}

async function applyChecked(
  ctx: CommandContext,
  actor: CommandContext['actor'],
  results: BulkRowResult[],
  parsed: Array<{ line: number; hopId: string; answer: THopAnswer }>,
): Promise<BulkResult> {
  const hops = await hopsFor(ctx, [...new Set(parsed.map((p) => p.hopId))]);
  const firstLine = new Map<string, { line: number; answer: THopAnswer }>();
  const toApply: Array<{ line: number; hopId: string; answer: THopAnswer }> = [];
  let seen = 0;
  for (const p of parsed) {
    if (++seen % SLICE === 0) await yieldToEventLoop();
    const earlier = firstLine.get(p.hopId);
    if (earlier) {
      results.push(
        sameAnswer(earlier.answer, p.answer)
          ? {
              line: p.line,
              hopId: p.hopId,
              status: 'unchanged',
              reason: `same answer as line ${earlier.line}`,
            }
          : refused(p.line, p.hopId, `conflicts with the answer on line ${earlier.line} for the same hop`),
      );
      continue;
    }
    firstLine.set(p.hopId, { line: p.line, answer: p.answer });
    const hop = hops.get(p.hopId);
    // Another provider's hop and a missing one get the same answer: nobody learns what exists.
    if (!hop || !policy.answerHop(actor, hop)) {
      results.push(refused(p.line, p.hopId, 'hop not found'));
      continue;
    }
    if (hop.status === 'answered') {
      results.push(
        (await isSameAsRecorded(ctx, hop, p.answer))
          ? { line: p.line, hopId: p.hopId, status: 'unchanged', reason: 'already answered with this answer' }
          : refused(p.line, p.hopId, `the hop was already answered (${hop.answerKind ?? 'answered'})`),
      );
      continue;
    }
    toApply.push(p);
  }
  // Applied BULK_BATCH rows to a transaction (group commit): a refused row is refused alone and
  // the others of its batch still apply, as if each had its own transaction.
  for (let i = 0; i < toApply.length; i += BULK_BATCH) {
    const chunk = toApply.slice(i, i + BULK_BATCH);
    const outcomes = await answerHops({
      ...ctx,
      items: chunk.map((p) => ({ actor, hopId: p.hopId, input: p.answer })),
    });
    chunk.forEach((p, j) => {
      const outcome = outcomes[j]!;
      if (outcome.ok) {
        results.push({ line: p.line, hopId: p.hopId, status: 'applied' });
        return;
      }
      const err = outcome.error;
      if (!(err instanceof DomainError)) throw err;
      results.push({
        ...refused(p.line, p.hopId, err.message),
        ...(err instanceof InvalidInputError && err.errors.length
          ? { errors: err.errors.map((e) => ({ path: COLUMN_OF[e.path] ?? e.path, message: e.message })) }
          : {}),
      });
    });
  }
  await yieldToEventLoop();
  results.sort((a, b) => a.line - b.line);
  await yieldToEventLoop();
  const count = (s: BulkRowResult['status']) => results.filter((r) => r.status === s).length;
  return {
    total: results.length,
    applied: count('applied'),
    unchanged: count('unchanged'),
    refused: count('refused'),
    rows: results,
  };
}

function refused(line: number, hopId: string | null, reason: string, errors?: FieldError[]): BulkRowResult {
  return { line, hopId, status: 'refused', reason, ...(errors ? { errors } : {}) };
}

/** The hops a file names: a provider's own hops read page by page (one query per thousand), staff one by one. */
async function hopsFor(ctx: CommandContext, ids: string[]): Promise<Map<string, HopRow>> {
  const out = new Map<string, HopRow>();
  if (ids.length === 0) return out;
  const { actor } = ctx;
  if (actor.role === 'provider' && actor.providerId && !actor.hopScope && ids.length > 50) {
    const wanted = new Set(ids);
    let cursor: string | undefined;
    do {
      const page = await listHops(ctx.db, { providerId: actor.providerId }, { limit: 1000, cursor });
      for (const h of page.items) if (wanted.has(h.id)) out.set(h.id, h);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && out.size < wanted.size);
    return out;
  }
  for (const id of ids) {
    const h = await findHop(ctx.db, id);
    if (h) out.set(id, h);
  }
  return out;
}
