import type { THopAnswer } from '@hoptrace/contracts';
import {
  findTracebackShaken,
  patchTraceback,
  updateTracebackShaken,
  type EventInsert,
  type HopRow,
  type TracebackRow,
  type Tx,
} from '@hoptrace/db';
import type { Actor } from '../actor';
import { PATH_INCONSISTENCIES, pathInconsistencies } from './rules';

type NumberHeld = Record<string, boolean>;

function numberHeldOf(result: Record<string, unknown>): NumberHeld {
  const v = result.numberHeld;
  return v && typeof v === 'object' ? (v as NumberHeld) : {};
}

/**
 * Called by answerHop: an origin answer that says whether the customer holds the calling number is
 * kept with the traceback's verification (no query unless the traceback carries an Identity header).
 */
export async function noteShakenAnswer(
  tx: Tx,
  opts: { traceback: TracebackRow; hop: { id: string }; input: THopAnswer },
): Promise<void> {
  const { traceback, hop, input } = opts;
  if (!traceback.identityHeader || input.kind !== 'origin' || input.numberHeld === undefined) return;
  const row = await findTracebackShaken(tx, traceback.id);
  if (!row) return;
  await updateTracebackShaken(tx, traceback.id, {
    result: { ...row.result, numberHeld: { ...numberHeldOf(row.result), [hop.id]: input.numberHeld } },
  });
}

/**
 * Called by closeTraceback: re-evaluates what the path says about the signature (the path may have
 * been reopened and closed again), records it with the verification and flags the traceback.
 */
export async function evaluateShakenOnClose(
  tx: Tx,
  opts: {
    traceback: TracebackRow;
    /** Its current hops (writes to them may still be held in the transaction). */
    hops: HopRow[];
    now: Date;
    actor: Actor;
    events: EventInsert[];
  },
): Promise<TracebackRow> {
  const { traceback, now, actor, events } = opts;
  if (!traceback.identityHeader) return traceback;
  const row = await findTracebackShaken(tx, traceback.id);
  if (!row?.signerProviderId) return traceback;
  const found = pathInconsistencies({
    signerProviderId: row.signerProviderId,
    attest: row.attest,
    outcome: traceback.outcome,
    hops: opts.hops,
    numberHeld: numberHeldOf(row.result),
  });
  const isPath = (c: string) => (PATH_INCONSISTENCIES as readonly string[]).includes(c);
  const next = [...row.inconsistencies.filter((c) => !isPath(c)), ...found];
  if (next.length === row.inconsistencies.length && next.every((c) => row.inconsistencies.includes(c)))
    return traceback;
  await updateTracebackShaken(tx, traceback.id, { inconsistencies: next });
  for (const flag of found.filter((c) => !traceback.flags.includes(c)))
    events.push({
      tracebackId: traceback.id,
      at: now,
      actorUserId: actor.userId,
      actor: actor.label,
      type: 'traceback.flagged',
      data: { flag, signerProviderId: row.signerProviderId },
    });
  return patchTraceback(tx, traceback, {
    flags: [...traceback.flags.filter((f) => !isPath(f)), ...found],
  });
}
