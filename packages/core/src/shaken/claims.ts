import { findTracebackShaken, type Executor, type HopRow } from '@hoptrace/db';

/** The hop line of requests to a call's signer (workflow.SIGNER_LINE; repeated here to keep this module a leaf). */
const SIGNER_LINE = 'signer';

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
  if (!row) return undefined;
  const iat = (row.result as { iat?: unknown }).iat;
  return {
    attest: row.attest,
    origTn: row.origTn,
    destTns: row.destTns,
    origid: row.origid,
    iat: typeof iat === 'number' ? iat : null,
  };
}
