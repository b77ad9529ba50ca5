import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  AUDIT_SUBJECT_TYPES,
  type TAuditEntry,
  type TAuditHeads,
  type TAuditPage,
  type TAuditQuery,
  type TAuditSubjectType,
} from '@hoptrace/contracts';
import {
  insertAuditEntries,
  insertPublishedHead,
  latestPublishedHead,
  listAuditEntries,
  listPublishedHeads,
  readAuditChain,
  readAuditHead,
  InvalidCursorError,
  type AuditChainRow,
  type AuditRow,
  type Executor,
} from '@hoptrace/db';
import type { Actor } from './actor';
import type { Clock } from './clock/clock';
import type { CommandContext } from './context';
import { authorize, policy } from './policies';

/**
 * The audit ledger (decision 0024). A command records what it changed with `audit(tx, ctx, …)` as the
 * LAST statement of its transaction: the append locks the ledger's head until the commit, so every
 * other writer waits for it. Timeline events need no call: each one is appended by a deferred trigger
 * at commit. Details name what changed, never a customer detail, a secret or a hash of one.
 */
export interface AuditEntryInput {
  action: string;
  subject: TAuditSubjectType;
  subjectId?: string | number | null | undefined;
  details?: Record<string, unknown> | undefined;
}

export async function audit(
  db: Executor,
  ctx: { clock: Pick<Clock, 'now'>; actor: Actor },
  ...entries: AuditEntryInput[]
): Promise<void> {
  const at = ctx.clock.now();
  await insertAuditEntries(
    db,
    entries.map((e) => ({
      at,
      actor: ctx.actor.label,
      actorUserId: ctx.actor.userId,
      action: e.action,
      subjectType: e.subject,
      subjectId: e.subjectId === undefined || e.subjectId === null ? null : String(e.subjectId),
      // Through JSON once, so what is stored is what was hashed (no undefined, Dates as strings).
      details: JSON.parse(JSON.stringify(e.details ?? {})) as Record<string, unknown>,
    })),
  );
}

/** The fields of a user record that changed, by name (never the values of secrets). */
export function changedFields<T extends object>(before: T, after: Partial<T>): string[] {
  return Object.keys(after).filter(
    (k) =>
      (after as Record<string, unknown>)[k] !== undefined &&
      !isDeepStrictEqual((before as Record<string, unknown>)[k], (after as Record<string, unknown>)[k]),
  );
}

export const GENESIS_HASH = '0'.repeat(64);

/** sha256(prevHash ‖ entry) in hex: the chain's one rule, as the database's trigger computes it. */
export function chainHash(prevHash: string, entry: string): string {
  return createHash('sha256')
    .update(prevHash + entry, 'utf8')
    .digest('hex');
}

export interface AuditBreak {
  seq: number;
  reason: string;
}

/**
 * Checks the chain row by row (in sequence order) and then the head: pure, so it can check rows read
 * from anywhere. `expected` holds heads kept elsewhere (published, or given by whoever verifies): the
 * chain must hold exactly that hash at that sequence number.
 */
export class AuditChainVerifier {
  private last = { seq: 0, hash: GENESIS_HASH };
  private entries = 0;
  private matched = 0;

  constructor(private readonly expected: ReadonlyMap<number, string> = new Map()) {}

  get count(): number {
    return this.entries;
  }

  get head(): { seq: number; hash: string } {
    return this.last;
  }

  get expectedMatched(): number {
    return this.matched;
  }

  /** The first thing wrong with this row, or null. */
  check(row: AuditChainRow): AuditBreak | null {
    const want = this.last.seq + 1;
    if (row.seq !== want)
      return row.seq > want
        ? {
            seq: want,
            reason: `entry ${want} is missing (the next entry is ${row.seq}): an entry was removed`,
          }
        : { seq: row.seq, reason: `entry ${row.seq} is out of order` };
    if (row.prevHash !== this.last.hash)
      return {
        seq: row.seq,
        reason: `entry ${row.seq} does not link to entry ${this.last.seq}: its previous hash is not that entry's hash`,
      };
    if (chainHash(row.prevHash, row.entry) !== row.hash)
      return {
        seq: row.seq,
        reason: `entry ${row.seq} does not match its hash: its content was changed after it was written`,
      };
    const mismatch = this.columnMismatch(row);
    if (mismatch)
      return {
        seq: row.seq,
        reason: `entry ${row.seq}'s ${mismatch} does not match what was hashed: the row was changed after it was written`,
      };
    const kept = this.expected.get(row.seq);
    if (kept !== undefined) {
      if (kept !== row.hash)
        return {
          seq: row.seq,
          reason: `entry ${row.seq} is not the one whose hash was published (${kept.slice(0, 16)}…): the chain was rewritten`,
        };
      this.matched++;
    }
    this.last = { seq: row.seq, hash: row.hash };
    this.entries++;
    return null;
  }

  /** After the last row: the head row must name the last entry, and every expected head must have been seen. */
  finish(head: { seq: number; hash: string } | undefined): AuditBreak | null {
    if (!head) return { seq: this.last.seq + 1, reason: 'the ledger has no head row' };
    if (head.seq > this.last.seq)
      return {
        seq: this.last.seq + 1,
        reason: `the head is at entry ${head.seq} but the chain ends at ${this.last.seq}: entries were removed`,
      };
    if (head.seq !== this.last.seq || head.hash !== this.last.hash)
      return {
        seq: head.seq,
        reason: `the head (entry ${head.seq}) does not match the chain's last entry (${this.last.seq})`,
      };
    for (const seq of this.expected.keys())
      if (seq > this.last.seq)
        return { seq, reason: `entry ${seq} was published but the chain ends at ${this.last.seq}` };
    return null;
  }

  private columnMismatch(row: AuditChainRow): string | null {
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(row.entry) as Record<string, unknown>;
    } catch {
      return 'text';
    }
    const subject = (e.subject ?? {}) as Record<string, unknown>;
    if (e.seq !== row.seq) return 'sequence number';
    if (e.at !== row.atText) return 'time';
    if (e.actor !== row.actor) return 'actor';
    if ((e.actorUserId ?? null) !== row.actorUserId) return 'actor';
    if (e.action !== row.action) return 'action';
    if (subject.type !== row.subjectType || (subject.id ?? null) !== row.subjectId) return 'subject';
    if (!isDeepStrictEqual(e.details, row.details)) return 'details';
    return null;
  }
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  head: { seq: number; hash: string };
  /** Published (and given) heads found in the chain. */
  headsMatched: number;
  failure: AuditBreak | null;
}

/**
 * Recomputes the whole chain from the rows (no database function is trusted), checks the head and
 * every published head, and any `heads` kept elsewhere. Reads a page at a time.
 */
export async function verifyAuditLedger(
  db: Executor,
  opts: {
    heads?: { seq: number; hash: string }[];
    pageSize?: number;
    onProgress?: (entries: number) => void;
  } = {},
): Promise<AuditVerification> {
  const expected = new Map<number, string>();
  for (const h of await listPublishedHeads(db)) expected.set(h.seq, h.hash);
  for (const h of opts.heads ?? []) {
    const known = expected.get(h.seq);
    if (known !== undefined && known !== h.hash)
      return {
        ok: false,
        entries: 0,
        head: { seq: 0, hash: GENESIS_HASH },
        headsMatched: 0,
        failure: {
          seq: h.seq,
          reason: `the head you gave for entry ${h.seq} differs from the one published here: the published heads were rewritten`,
        },
      };
    expected.set(h.seq, h.hash);
  }
  const verifier = new AuditChainVerifier(expected);
  const pageSize = opts.pageSize ?? 5_000;
  let failure: AuditBreak | null = null;
  for (let after = 0; ;) {
    const rows = await readAuditChain(db, after, pageSize);
    for (const row of rows) {
      failure = verifier.check(row);
      if (failure) break;
    }
    if (failure || rows.length < pageSize) break;
    after = rows[rows.length - 1]!.seq;
    opts.onProgress?.(verifier.count);
  }
  failure ??= verifier.finish(await readAuditHead(db));
  return {
    ok: failure === null,
    entries: verifier.count,
    head: verifier.head,
    headsMatched: verifier.expectedMatched,
    failure,
  };
}

export const DEFAULT_AUDIT_HEAD_MINUTES = 60;

/** Publishes the head when the last one is `everyMs` old (or there is none) and the head moved since. */
export async function publishAuditHeadIfDue(ctx: { db: Executor; clock: Clock; everyMs: number }) {
  const last = await latestPublishedHead(ctx.db);
  if (last && ctx.clock.now().getTime() - last.publishedAt.getTime() < ctx.everyMs) return null;
  return publishAuditHead(ctx, last);
}

/** Records the head as published (when it moved since the last time) and returns it. */
export async function publishAuditHead(
  ctx: { db: Executor; clock: Clock },
  /** The last published head, when the caller read it already. */
  lastKnown?: Awaited<ReturnType<typeof latestPublishedHead>>,
) {
  const head = await readAuditHead(ctx.db);
  if (!head) return null;
  const last = lastKnown === undefined ? await latestPublishedHead(ctx.db) : lastKnown;
  if (last && last.seq >= head.seq) return { ...last, fresh: false };
  const row = { seq: head.seq, hash: head.hash, publishedAt: ctx.clock.now() };
  const fresh = await insertPublishedHead(ctx.db, row);
  return { ...row, fresh };
}

/** The head now (admins) and the last published one (anyone: the public route gives only that). */
export async function auditHeads(ctx: { db: Executor; actor: Actor | null }): Promise<TAuditHeads> {
  const published = await latestPublishedHead(ctx.db);
  const current = ctx.actor && policy.readAudit(ctx.actor) ? ((await readAuditHead(ctx.db)) ?? null) : null;
  return {
    current,
    published: published
      ? { seq: published.seq, hash: published.hash, publishedAt: published.publishedAt.toISOString() }
      : null,
  };
}

function presentAuditEntry(r: AuditRow): TAuditEntry {
  return {
    seq: r.seq,
    at: r.at.toISOString(),
    actor: r.actor,
    actorUserId: r.actorUserId,
    action: r.action,
    subject: { type: r.subjectType, id: r.subjectId },
    details: r.details,
    prevHash: r.prevHash,
    hash: r.hash,
  };
}

/** `type:id`, a type alone, or an id alone. */
export function parseAuditSubject(subject: string | undefined): { type?: string; id?: string } {
  if (!subject) return {};
  const colon = subject.indexOf(':');
  const types: readonly string[] = AUDIT_SUBJECT_TYPES;
  if (colon > 0 && types.includes(subject.slice(0, colon))) {
    const id = subject.slice(colon + 1);
    return id ? { type: subject.slice(0, colon), id } : { type: subject.slice(0, colon) };
  }
  return types.includes(subject) ? { type: subject } : { id: subject };
}

export async function listAudit(ctx: CommandContext & { query: TAuditQuery }): Promise<TAuditPage> {
  authorize(policy.readAudit(ctx.actor), 'route');
  const { query } = ctx;
  let beforeSeq: number | undefined;
  if (query.cursor !== undefined) {
    // A ledger cursor is the last sequence number given out; the API reports this at query.cursor.
    if (!/^[1-9][0-9]{0,15}$/.test(query.cursor))
      throw new InvalidCursorError('cursor is not one this server issued');
    beforeSeq = Number(query.cursor);
  }
  const subject = parseAuditSubject(query.subject);
  const rows = await listAuditEntries(
    ctx.db,
    { actor: query.actor, subjectType: subject.type, subjectId: subject.id, action: query.action, beforeSeq },
    query.limit + 1,
  );
  const items = rows.slice(0, query.limit).map(presentAuditEntry);
  return { items, nextCursor: rows.length > query.limit ? String(items[items.length - 1]!.seq) : null };
}
