import {
  isNoIdentity,
  type THopAnswer,
  type THopReceived,
  type TReceivedSignalling,
  type TShakenPathFlag,
} from '@hoptrace/contracts';
import {
  callsOfHops,
  findProviderByOcn,
  findProviders,
  shakenPathFlagsOf,
  patchTraceback,
  raiseShakenPathFlags,
  type EventInsert,
  type Executor,
  type HopRow,
  type TracebackRow,
  type Tx,
} from '@hoptrace/db';
import type { Actor } from '../actor';
import type { CoreSettings } from '../context';
import { jsonOf, verifyIdentityAt, type ShakenAtOpen } from './open';
import { credentialInconsistencies, receivedPathFlags, verdictOf, type ReceivedHop } from './rules';

/**
 * STIR/SHAKEN along the path (decision 0034): what a provider says it received with the call (the
 * Identity header or "none", From, P-Asserted-Identity) is verified at the call time like the
 * terminating provider's header, before the answer's transaction, and kept on its hop; the path's
 * received headers then raise flags, each counted against a provider (`shaken_path_flags`).
 */

/** The hop columns an answer's `received` fills. */
export interface ReceivedColumns {
  receivedIdentity: string | null;
  receivedFrom: string | null;
  receivedPai: string | null;
  receivedShaken: Record<string, unknown> | null;
}

export function receivedOfAnswer(input: THopAnswer): TReceivedSignalling | undefined {
  return input.kind === 'not_found' ? undefined : input.received;
}

/** The stored verification of a received header: what the path view and the rules read back. */
function storedOf(shaken: ShakenAtOpen, signerProviderId: string | null): Record<string, unknown> {
  const r = shaken.result;
  return {
    ...(r ? jsonOf(r) : {}),
    verdict: verdictOf(r),
    reason: shaken.reason,
    attest: r?.attestation ?? null,
    origTn: r?.origTn ?? null,
    origid: r?.origid ?? null,
    x5u: r?.x5u ?? null,
    spc: r?.spc ?? null,
    signerProviderId,
    inconsistencies: credentialInconsistencies(r),
  };
}

/**
 * Verifies the headers a batch of answers received, outside any transaction (the verifier may fetch
 * certificates and CRLs; its cache is shared): one read of the hops' calls, every distinct header of
 * a call verified once and all of them at the same time, one directory look-up per SPC.
 */
export async function verifyReceivedAnswers<T extends { hopId: string; input: THopAnswer }>(
  db: Executor,
  settings: CoreSettings | undefined,
  items: readonly T[],
  isHopId: (id: string) => boolean,
): Promise<Map<T, ReceivedColumns>> {
  const out = new Map<T, ReceivedColumns>();
  const reported = items.flatMap((item) => {
    const received = receivedOfAnswer(item.input);
    return received ? [{ item, received }] : [];
  });
  if (reported.length === 0) return out;
  const signed = reported.filter(
    (r) => r.received.identityHeader && !isNoIdentity(r.received.identityHeader) && isHopId(r.item.hopId),
  );
  const calls = await callsOfHops(
    db,
    signed.map((r) => r.item.hopId),
  );
  const verifications = new Map<string, Promise<ShakenAtOpen>>();
  const verificationOf = new Map<T, Promise<ShakenAtOpen>>();
  for (const { item, received } of signed) {
    const call = calls.get(item.hopId);
    if (!call) continue; // no such hop: the answer is refused in the transaction
    const orig = received.paiNumber ?? received.fromNumber ?? call.callingNumber;
    const key = JSON.stringify([received.identityHeader, call.startedAt, orig, call.calledNumber]);
    let p = verifications.get(key);
    if (!p) {
      p = verifyIdentityAt(settings, {
        identity: received.identityHeader!,
        callTime: call.startedAt,
        orig,
        dest: call.calledNumber,
      });
      verifications.set(key, p);
    }
    verificationOf.set(item, p);
  }
  const done = new Map(
    await Promise.all([...verificationOf].map(async ([item, p]) => [item, await p] as const)),
  );
  const spcs = [...new Set([...done.values()].flatMap((v) => (v.result?.spc ? [v.result.spc] : [])))];
  const signers = new Map(
    await Promise.all(
      spcs.map(async (spc) => [spc, (await findProviderByOcn(db, spc))?.id ?? null] as const),
    ),
  );
  for (const { item, received } of reported) {
    const header = received.identityHeader ?? null;
    const verified = done.get(item);
    out.set(item, {
      receivedIdentity: header === null ? null : isNoIdentity(header) ? 'none' : header,
      receivedFrom: received.fromNumber ?? null,
      receivedPai: received.paiNumber ?? null,
      receivedShaken: verified
        ? storedOf(verified, verified.result?.spc ? (signers.get(verified.result.spc) ?? null) : null)
        : null,
    });
  }
  return out;
}

/** A hop as the received-header rules read it. */
export function receivedHopOf(h: HopRow): ReceivedHop {
  const s = (h.receivedShaken ?? {}) as {
    spc?: string | null;
    signerProviderId?: string | null;
    attest?: string | null;
    inconsistencies?: string[];
  };
  return {
    id: h.id,
    line: h.line,
    providerId: h.providerId,
    status: h.status,
    answerKind: h.answerKind,
    namedByHopId: h.namedByHopId,
    receivedIdentity: h.receivedIdentity,
    spc: s.spc ?? null,
    signerProviderId: s.signerProviderId ?? null,
    attest: s.attest ?? null,
    credential: s.inconsistencies ?? [],
    numberHeld: h.numberHeld,
  };
}

/**
 * Called by answerHop once the hop is written (in memory): raises the path flags the traceback's
 * hops now show, on the traceback (with a timeline event for each new one) and per provider. Nothing
 * to do (no read, no write) until some hop of the traceback reported what it received.
 */
export async function raiseReceivedPathFlags(
  tx: Tx,
  opts: { traceback: TracebackRow; hops: HopRow[]; now: Date; actor: Actor; events: EventInsert[] },
): Promise<TracebackRow> {
  const { traceback, hops, now, actor, events } = opts;
  if (!hops.some((h) => h.receivedIdentity !== null)) return traceback;
  const found = receivedPathFlags({
    hops: hops.map(receivedHopOf),
    terminatingHeader: traceback.identityHeader,
  });
  if (found.length === 0) return traceback;
  await raiseShakenPathFlags(
    tx,
    found.map((f) => ({
      tracebackId: traceback.id,
      hopId: f.hopId,
      code: f.code,
      providerId: f.providerId,
      at: now,
    })),
  );
  const fresh = [...new Set(found.map((f) => f.code))].filter((c) => !traceback.flags.includes(c));
  if (fresh.length === 0) return traceback;
  for (const code of fresh) {
    const first = found.find((f) => f.code === code)!;
    events.push({
      tracebackId: traceback.id,
      hopId: first.hopId,
      at: now,
      actorUserId: actor.userId,
      actor: actor.label,
      type: 'traceback.flagged',
      data: { flag: code, ...(first.providerId ? { providerId: first.providerId } : {}) },
    });
  }
  return patchTraceback(tx, traceback, { flags: [...traceback.flags, ...fresh] });
}

type StoredReceived = {
  verdict?: THopReceived['verdict'];
  reason?: string | null;
  attest?: string | null;
  origTn?: string | null;
  spc?: string | null;
  signerProviderId?: string | null;
  certificate?: (THopReceived['certificate'] & { serialNumber?: string }) | null;
  checks?: Array<{ code: string; status: string; detail: string }>;
};

/**
 * What each hop's provider received, as the path view shows it (staff and referred agencies, through
 * getTraceback): by hop id, for the hops that reported it. No read unless some hop did.
 */
export async function presentReceived(
  db: Executor,
  tracebackId: string,
  hops: readonly HopRow[],
): Promise<Map<string, THopReceived>> {
  const out = new Map<string, THopReceived>();
  const reported = hops.filter(
    (h) => h.receivedIdentity !== null || h.receivedFrom !== null || h.receivedPai !== null,
  );
  if (reported.length === 0) return out;
  const flags = await shakenPathFlagsOf(db, tracebackId);
  const stored = (h: HopRow) => (h.receivedShaken ?? {}) as StoredReceived;
  const signerIds = [...new Set(reported.flatMap((h) => stored(h).signerProviderId ?? []))];
  const names = new Map((await findProviders(db, signerIds)).map((p) => [p.id, p.name]));
  for (const h of reported) {
    const s = stored(h);
    const c = s.certificate;
    out.set(h.id, {
      identity: h.receivedIdentity === null ? null : h.receivedIdentity === 'none' ? 'none' : 'signed',
      identityHeader: h.receivedIdentity === 'none' ? null : h.receivedIdentity,
      fromNumber: h.receivedFrom,
      paiNumber: h.receivedPai,
      verdict: s.verdict ?? null,
      reason: s.reason ?? null,
      attest: s.attest ?? null,
      origTn: s.origTn ?? null,
      spc: s.spc ?? null,
      signer: s.signerProviderId
        ? { providerId: s.signerProviderId, name: names.get(s.signerProviderId) ?? s.signerProviderId }
        : null,
      certificate: c
        ? { subject: c.subject, issuer: c.issuer, notBefore: c.notBefore, notAfter: c.notAfter }
        : null,
      failedChecks: (s.checks ?? [])
        .filter((x) => x.status === 'fail' || x.status === 'indeterminate')
        .map(({ code, status, detail }) => ({ code, status, detail })),
      flags: flags
        .filter((f) => f.hopId === h.id)
        .map((f) => ({ code: f.code as TShakenPathFlag, providerId: f.providerId })),
    });
  }
  return out;
}
