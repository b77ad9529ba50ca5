import { hash } from 'node:crypto';
import { isNeighbourSpoof } from '@hoptrace/campaigns';
import { parseCallRecord, parseCallRow, type TCallIngestResult, type TFieldError } from '@hoptrace/contracts';
import {
  deleteEmptyCallSource,
  ensureCallSource,
  findCallSourceByName,
  openCallWriter,
  CallBatchBuilder,
  type PreparedCallBatch,
  type CallBatchResult,
  type CallInsert,
  type CallSourceRow,
  type CallWriter,
} from '@hoptrace/db';
import { decodePassport, parseIdentityHeader } from '@hoptrace/shaken';
import { pgErrorCode, type CommandContext, type CoreSettings } from '../context';
import { DnoList, type DnoSnapshot } from '../dnoList';
import { authorize, policy } from '../policies';
import type { RawCallRecord } from './records';

/**
 * Records per COPY batch (and per detection batch): large enough to amortise a batch's fixed cost
 * at the database (its commit, its `call_batches` row, two COPY statements: 20,000 a batch took 11%
 * less of the server's CPU than 5,000 over a million records), small enough to keep memory flat
 * (about 7 MB of COPY data a batch).
 */
export const CALL_BATCH_SIZE = 20_000;
/** Records checked at once before the database's replies get their turn (see ingestInto). */
const CHECK_SLICE = 500;
/** How far after its receipt a call may say it started (clock skew between a feed and hoptrace). */
export const MAX_FUTURE_MS = 24 * 3_600_000;
/** Refusals reported in full; the rest are counted. */
export const MAX_REPORTED_REFUSALS = 100;

/**
 * A call's id: a name-based UUID (SHA-1, version 5 layout) of "source id:external id", so the same
 * record always gets the same id, in every process and on every import.
 */
export function callIdOf(sourceId: number, externalId: string): string {
  const h = hash('sha1', `hoptrace-call:${sourceId}:${externalId}`, 'hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The attestation a PASSporT claims (not yet verified: detection verifies it later in batches). */
export function claimedAttestation(identityHeader: string): { attestation: string | null; status: string } {
  const parsed = parseIdentityHeader(identityHeader);
  if (!parsed.ok) return { attestation: null, status: 'unreadable' };
  const passport = decodePassport(parsed.header.token);
  if (!passport.ok) return { attestation: null, status: 'unreadable' };
  const attest = passport.passport.payload.attest;
  return {
    attestation: attest === 'A' || attest === 'B' || attest === 'C' ? attest : null,
    status: 'unverified',
  };
}

export interface CallRefusal {
  line: number;
  externalId: string | null;
  errors: TFieldError[];
}

export interface IngestProgress {
  records: number;
  accepted: number;
  alreadyKnown: number;
  refused: number;
}

export interface IngestCallsInput {
  /** The feed's name; created when named for the first time (staff only). */
  source: string;
  /** Called once, or twice with `strict` (a first pass checks every record before anything is written). */
  records: () => AsyncIterable<RawCallRecord[]>;
  strict?: boolean;
  onProgress?: (p: IngestProgress) => void;
  batchSize?: number;
  dno?: DnoList;
}

export type IngestCallsResult = TCallIngestResult & { sourceCreated: boolean };

interface Prepared {
  rows: CallInsert[];
  refusals: CallRefusal[];
}

/** Checks and enriches one batch of raw records; a record sent twice within it counts as known. */
function prepare(
  raw: RawCallRecord[],
  source: CallSourceRow,
  receivedAt: Date,
  dno: DnoSnapshot,
  keepFrom: Date | null,
): Prepared {
  const rows: CallInsert[] = [];
  const refusals: CallRefusal[] = [];
  for (const item of raw) {
    if ('error' in item) {
      refusals.push({ line: item.line, externalId: null, errors: [item.error] });
      continue;
    }
    const parsed = 'row' in item ? parseCallRow(item.layout, item.row) : parseCallRecord(item.fields);
    if (!parsed.ok) {
      const ext =
        'row' in item
          ? item.row[item.layout.externalIdColumn]
          : (item.fields.externalId ?? item.fields.external_id ?? item.fields.id);
      refusals.push({
        line: item.line,
        externalId: typeof ext === 'string' || typeof ext === 'number' ? String(ext).slice(0, 200) : null,
        errors: parsed.errors,
      });
      continue;
    }
    const r = parsed.record;
    // A clock set wrong at the feed: refused rather than stored (and a partition made) years ahead.
    if (r.startedAt && r.startedAt.getTime() > receivedAt.getTime() + MAX_FUTURE_MS) {
      refusals.push({
        line: item.line,
        externalId: r.externalId,
        errors: [
          {
            path: 'startedAt',
            message: `${r.startedAt.toISOString()} is more than a day after it was received`,
          },
        ],
      });
      continue;
    }
    if (keepFrom && r.startedAt && r.startedAt < keepFrom) {
      refusals.push({
        line: item.line,
        externalId: r.externalId,
        errors: [
          {
            path: 'startedAt',
            message: `${r.startedAt.toISOString()} is older than the retention of call records (${keepFrom.toISOString().slice(0, 10)} on)`,
          },
        ],
      });
      continue;
    }
    const id = callIdOf(source.id, r.externalId);
    const shaken = r.identityHeader ? claimedAttestation(r.identityHeader) : null;
    rows.push({
      id,
      sourceId: source.id,
      externalId: r.externalId,
      startedAt: r.startedAt ?? receivedAt,
      startedAtPrecision: r.startedAtPrecision,
      receivedAt,
      callingNumber: r.callingNumber,
      calledNumber: r.calledNumber,
      transcript: r.transcript,
      language: r.language,
      durationSeconds: r.durationSeconds,
      kind: r.kind,
      identityHeader: r.identityHeader,
      attestation: shaken?.attestation ?? null,
      shakenStatus: shaken?.status ?? null,
      signerOcn: null,
      audioFingerprint: r.audioFingerprint,
      dnoCategory: r.callingNumber ? (dno.check(r.callingNumber)?.category ?? null) : null,
      // Spoken callback numbers are read by campaign detection, which reads every transcript anyway.
      neighbourSpoof: isNeighbourSpoof(r.callingNumber, r.calledNumber),
      metadata: r.metadata,
    });
  }
  return { rows, refusals };
}

async function sourceFor(
  ctx: CommandContext,
  name: string,
): Promise<{ source: CallSourceRow; created: boolean }> {
  const { actor, db } = ctx;
  if (actor.role === 'feed') {
    const source = await findCallSourceByName(db, name);
    authorize(!!source && policy.ingestCalls(actor, source.id), 'call source');
    return { source, created: false };
  }
  authorize(policy.ingestCalls(actor, null), 'route');
  return ensureCallSource(db, { name, createdBy: actor.userId, createdAt: ctx.clock.now() });
}

/** The oldest call time kept under the retention setting (null: every call is kept). */
export function retainedFrom(ctx: Pick<CommandContext, 'clock' | 'settings'>): Date | null {
  const days = ctx.settings?.callRetentionDays ?? 0;
  return days > 0 ? new Date(ctx.clock.now().getTime() - days * 86_400_000) : null;
}

/** A batch that lost a race for a key to a concurrent import of the same records is tried again once. */
async function writeWithRetry(writer: CallWriter, batch: PreparedCallBatch): Promise<CallBatchResult> {
  try {
    return await writer.write(batch);
  } catch (err) {
    if (pgErrorCode(err) !== '23505') throw err;
    return writer.write(batch);
  }
}

/**
 * Stores call records of one source: every record checked (`parseCallRecord`), numbers normalised,
 * the calling number checked against the DNO list, the Identity header's claimed attestation kept,
 * callback numbers spoken in the transcript extracted; then written by COPY in batches, each batch
 * one transaction. A record already stored (same source and external id) is counted and skipped, so
 * importing the same file twice changes nothing. A refused record is reported with its line and field
 * and does not stop the others, unless `strict`: then every record is checked first and one refusal
 * means nothing is written.
 *
 * While one batch is written the next is read and checked (the database and this process work side
 * by side: decision 0015).
 */
export async function ingestCalls(
  ctx: CommandContext & { input: IngestCallsInput },
): Promise<IngestCallsResult> {
  const { input } = ctx;
  const { source, created } = await sourceFor(ctx, input.source);
  const dnoList = input.dno ?? new DnoList(ctx.db);
  const dno = await dnoList.current();
  const result: IngestCallsResult = {
    source: source.name,
    accepted: 0,
    alreadyKnown: 0,
    refused: 0,
    refusals: [],
    written: false,
    sourceCreated: created,
  };
  try {
    return await ingestInto(ctx, source, dno, result);
  } finally {
    // A source named for the first time by an import that stored nothing is not kept.
    if (created && !result.written) await deleteEmptyCallSource(ctx.db, source.id);
  }
}

async function ingestInto(
  ctx: CommandContext & { input: IngestCallsInput },
  source: CallSourceRow,
  dno: DnoSnapshot,
  result: IngestCallsResult,
): Promise<IngestCallsResult> {
  const { input } = ctx;
  const batchSize = input.batchSize ?? CALL_BATCH_SIZE;
  const progress = (records: number) =>
    input.onProgress?.({
      records,
      accepted: result.accepted,
      alreadyKnown: result.alreadyKnown,
      refused: result.refused,
    });
  const refuse = (refusals: CallRefusal[]) => {
    result.refused += refusals.length;
    for (const r of refusals) if (result.refusals.length < MAX_REPORTED_REFUSALS) result.refusals.push(r);
  };
  if (input.strict) {
    let records = 0;
    for await (const raw of input.records()) {
      records += raw.length;
      const { refusals } = prepare(raw, source, ctx.clock.now(), dno, retainedFrom(ctx));
      refuse(refusals);
      progress(records);
    }
    if (result.refused > 0) return result;
  }

  const writer = await openCallWriter(ctx.db, {
    audit: { actor: ctx.actor.label, actorUserId: ctx.actor.userId, now: () => ctx.clock.now() },
  });
  let inFlight: Promise<void> = Promise.resolve();
  try {
    // Records sent twice within a batch are found by the writer (known after their first occurrence).
    const builder = new CallBatchBuilder();
    let failure: { error: unknown } | null = null;
    let records = 0;
    const flush = async () => {
      // The next batch is read and checked while this one is written; across batches the stored
      // keys tell what is known.
      const prepared = builder.take();
      await inFlight;
      if (failure) throw failure.error;
      inFlight = writeWithRetry(writer, prepared).then(
        (written) => {
          result.accepted += written.inserted.length;
          result.alreadyKnown += written.alreadyKnown;
          // Each batch commits on its own: counted once stored.
          if (written.inserted.length) observeIngested(ctx.settings, written.inserted.length);
          if (written.inserted.length) result.written = true;
          progress(records);
        },
        (error: unknown) => {
          failure = { error };
        },
      );
    };
    for await (const raw of input.records()) {
      for (let from = 0; from < raw.length; from += CHECK_SLICE) {
        const slice = raw.length <= CHECK_SLICE ? raw : raw.slice(from, from + CHECK_SLICE);
        records += slice.length;
        const prepared = prepare(slice, source, ctx.clock.now(), dno, retainedFrom(ctx));
        if (!input.strict) refuse(prepared.refusals);
        for (const row of prepared.rows) {
          builder.add(row);
          if (builder.size >= batchSize) await flush();
        }
        // Every reply of the database to the batch being written waits for this process to be free:
        // it is let in between slices, so the database is not kept waiting while a chunk is checked.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    if (builder.size) await flush();
    await inFlight;
    if (failure) throw (failure as { error: unknown }).error;
    progress(records);
  } finally {
    // A read that fails part-way (broken quoting at line N) lets the batch being written finish:
    // what was stored is whole, and the counts say how much it was.
    await inFlight;
    await writer.close();
  }
  return result;
}

function observeIngested(settings: CoreSettings | undefined, count: number): void {
  try {
    settings?.observer?.callsIngested?.(count);
  } catch {
    /* an observer never fails an import */
  }
}
