import type { TTracebackOpen } from '@hoptrace/contracts';
import {
  findProviderByOcn,
  insertTracebackShaken,
  updateTraceback,
  type EventInsert,
  type HopRow,
  type TracebackRow,
  type TracebackShakenRow,
  type Tx,
} from '@hoptrace/db';
import type { Actor } from '../actor';
import type { CoreSettings } from '../context';
import { requestHop } from '../commands/requestHop';
import { SIGNER_LINE } from '../workflow';
import type { ShakenVerification } from './port';
import { credentialInconsistencies, errorReasonOf, signerAttestations, verdictOf } from './rules';

/** The outcome of verifying a traceback's Identity header, before anything is written. */
export interface ShakenAtOpen {
  result: ShakenVerification | null;
  /** Why there is no conclusive result (no verifier, verifier fault, unreachable certificate). */
  reason: string | null;
}

/**
 * Verifies the Identity header at the call time, outside any transaction (it may fetch the
 * certificate and its CRL). Never throws: a verification that cannot run is an `error` verdict.
 */
export async function verifyAtCallTime(
  settings: CoreSettings | undefined,
  input: TTracebackOpen,
): Promise<ShakenAtOpen | null> {
  if (!input.identityHeader) return null;
  return verifyIdentityAt(settings, {
    identity: input.identityHeader,
    callTime: input.call.startedAt,
    orig: input.call.callingNumber,
    dest: input.call.calledNumber,
  });
}

/** One Identity header verified at the call time with the configured verifier; never throws. */
export async function verifyIdentityAt(
  settings: CoreSettings | undefined,
  input: { identity: string; callTime: Date; orig: string; dest: string },
): Promise<ShakenAtOpen> {
  const verifier = settings?.shaken?.verifier;
  if (!verifier) return { result: null, reason: 'no STIR/SHAKEN verifier is configured' };
  try {
    const result = await verifier.verifyIdentity(input);
    return { result, reason: verdictOf(result) === 'error' ? errorReasonOf(result) : null };
  } catch (err) {
    return {
      result: null,
      reason: `the verifier failed: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

export function jsonOf(r: ShakenVerification): Record<string, unknown> {
  return {
    ok: r.ok,
    verstat: r.verstat,
    sip: r.sip,
    iat: r.iat,
    certificate: r.certificate
      ? {
          subject: r.certificate.subject,
          issuer: r.certificate.issuer,
          serialNumber: r.certificate.serialNumber,
          notBefore: r.certificate.notBefore.toISOString(),
          notAfter: r.certificate.notAfter.toISOString(),
        }
      : null,
    revoked: r.revoked,
    checks: r.checks.map((c) => ({ code: c.code, status: c.status, detail: c.detail, sip: c.sip })),
  };
}

/** A valid A or B signature whose SPC names a provider in the directory: that provider can be asked. */
export function signerHopEligible(row: TracebackShakenRow | undefined): row is TracebackShakenRow & {
  signerProviderId: string;
} {
  return (
    !!row && row.verdict === 'valid' && !!row.signerProviderId && signerAttestations.has(row.attest ?? '')
  );
}

/** Opens the hop on the signer line: asks the signer to confirm the origin of the call by its origid. */
export function requestSignerHop(
  tx: Tx,
  opts: {
    traceback: TracebackRow;
    providerId: string;
    now: Date;
    actor: Actor;
    events: EventInsert[];
    settings: CoreSettings | undefined;
  },
): Promise<HopRow> {
  return requestHop(tx, {
    schedule: opts.settings?.reminders,
    traceback: opts.traceback,
    providerId: opts.providerId,
    line: SIGNER_LINE,
    namedByHopId: null,
    now: opts.now,
    actor: opts.actor,
    events: opts.events,
    field: 'identityHeader',
  });
}

/**
 * Records the verification in the opening transaction: maps the SPC to a provider by OCN, flags what
 * the certificate and signature show, and (in `auto` mode) opens the signer hop.
 */
export async function recordShakenAtOpen(
  tx: Tx,
  opts: {
    traceback: TracebackRow;
    shaken: ShakenAtOpen | null;
    now: Date;
    actor: Actor;
    events: EventInsert[];
    settings: CoreSettings | undefined;
  },
): Promise<TracebackRow> {
  const { shaken, now, actor, events } = opts;
  let traceback = opts.traceback;
  if (!shaken) return traceback;
  const r = shaken.result;
  const verdict = verdictOf(r);
  const signer = r?.spc ? await findProviderByOcn(tx, r.spc) : undefined;
  const inconsistencies = credentialInconsistencies(r);
  const row = await insertTracebackShaken(tx, {
    tracebackId: traceback.id,
    verifiedAt: now,
    verdict,
    sipCode: r?.sip?.code ?? null,
    verstat: r?.verstat ?? 'No-TN-Validation',
    attest: r?.attestation ?? null,
    origTn: r?.origTn ?? null,
    destTns: r?.destTns ?? [],
    origid: r?.origid ?? null,
    x5u: r?.x5u ?? null,
    spc: r?.spc ?? null,
    signerProviderId: signer?.id ?? null,
    inconsistencies,
    result: { ...(r ? jsonOf(r) : {}), reason: shaken.reason },
  });
  const base = { tracebackId: traceback.id, at: now, actorUserId: actor.userId, actor: actor.label };
  events.push({
    ...base,
    type: 'shaken.verified',
    data: {
      verdict,
      attest: row.attest,
      spc: row.spc,
      signerProviderId: row.signerProviderId,
      ...(row.sipCode ? { sipCode: row.sipCode } : {}),
      ...(shaken.reason ? { reason: shaken.reason } : {}),
    },
  });
  for (const flag of inconsistencies)
    events.push({ ...base, type: 'traceback.flagged', data: { flag, spc: row.spc } });
  if (inconsistencies.length)
    traceback = await updateTraceback(tx, traceback.id, {
      flags: [...traceback.flags, ...inconsistencies.filter((f) => !traceback.flags.includes(f))],
    });
  if (signerHopEligible(row) && (opts.settings?.shaken?.signerHops ?? 'auto') === 'auto')
    await requestSignerHop(tx, { ...opts, traceback, providerId: row.signerProviderId });
  return traceback;
}
