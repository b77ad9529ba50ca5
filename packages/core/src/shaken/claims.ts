import {
  findTracebackShaken,
  findTracebackShakenMany,
  type Executor,
  type HopRow,
  type TracebackShakenRow,
} from '@hoptrace/db';
import { SIGNER_LINE } from '../workflow';

/** What a signer is asked about: the claims of its own PASSporT, to look the call up by (origid). */
export interface SignerClaims {
  attest: string | null;
  origTn: string | null;
  destTns: string[];
  origid: string | null;
  /** The PASSporT's iat (seconds since the epoch): when the signer signed. */
  iat: number | null;
}

/** The signer's claims for a hop on the signer line; undefined for any other hop or without a verification. */
export async function signerClaimsOf(db: Executor, hop: HopRow): Promise<SignerClaims | undefined> {
  if (hop.line !== SIGNER_LINE) return undefined;
  const row = await findTracebackShaken(db, hop.tracebackId);
  return row ? claimsOf(row) : undefined;
}

/** `signerClaimsOf` for many hops with one read: by hop id, for the signer-line hops that have claims. */
export async function signerClaimsOfMany(db: Executor, hops: HopRow[]): Promise<Map<string, SignerClaims>> {
  const signerHops = hops.filter((h) => h.line === SIGNER_LINE);
  const rows = await findTracebackShakenMany(
    db,
    signerHops.map((h) => h.tracebackId),
  );
  const out = new Map<string, SignerClaims>();
  for (const hop of signerHops) {
    const row = rows.get(hop.tracebackId);
    if (row) out.set(hop.id, claimsOf(row));
  }
  return out;
}

function claimsOf(row: TracebackShakenRow): SignerClaims {
  const iat = (row.result as { iat?: unknown }).iat;
  return {
    attest: row.attest,
    origTn: row.origTn,
    destTns: row.destTns,
    origid: row.origid,
    iat: typeof iat === 'number' ? iat : null,
  };
}
