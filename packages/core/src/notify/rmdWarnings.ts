import {
  countRmdImports,
  findProviders,
  rmdFilingsOfProviders,
  type HopRow,
  type Tx,
  type TracebackRow,
} from '@hoptrace/db';
import { hopRmdAt } from '../queries/rmd';

/** The rule a provider breaks by accepting traffic from a provider not in the RMD. */
export const RMD_ACCEPTANCE_RULE = '47 CFR 64.6305';

/**
 * One upstream a provider named (so accepted the call from) that was not in the Robocall
 * Mitigation Database at the time of the call.
 */
export interface RmdUpstreamWarning {
  /** The warned provider's own hop that named the upstream. */
  hopId: string;
  upstreamProviderId: string;
  upstreamName: string;
  /** `absent`: never filed, or filed only after the call; `removed`: removed on or before the call. */
  rmdStatus: 'absent' | 'removed';
  /** When the upstream's filing was removed from the RMD (for `removed`). */
  removedAt: string | null;
  rule: typeof RMD_ACCEPTANCE_RULE;
}

/**
 * For each provider in a traceback, the upstreams it named that were absent from or removed
 * from the RMD at the call time (the same reckoning as the hop flag on the traceback page). Empty
 * until an RMD export has been imported: with no RMD at all, nobody is "absent".
 */
export async function rmdWarningsOf(
  tx: Tx,
  traceback: TracebackRow,
  /** The traceback's current hops (the caller holds them under the lock, writes maybe not yet sent). */
  hops: HopRow[],
): Promise<Map<string, RmdUpstreamWarning[]>> {
  const out = new Map<string, RmdUpstreamWarning[]>();
  if ((await countRmdImports(tx)) === 0) return out;
  // The hops as stored now: the caller's list may predate the answer that closed the traceback.
  const named = hops.filter((h) => h.answerKind === 'upstream' && h.upstreamProviderId !== null);
  if (named.length === 0) return out;
  const upstreamIds = [...new Set(named.map((h) => h.upstreamProviderId!))];
  const filings = await rmdFilingsOfProviders(tx, upstreamIds);
  const upstreams = await findProviders(tx, upstreamIds);
  const nameOf = new Map(upstreams.map((p) => [p.id, p.name]));
  for (const hop of named) {
    const upstreamId = hop.upstreamProviderId!;
    const filing = filings.get(upstreamId);
    const rmd = hopRmdAt(filing, traceback.callStartedAt);
    if (!rmd.flagged || rmd.status === 'filed') continue;
    const list = out.get(hop.providerId) ?? [];
    if (list.some((w) => w.upstreamProviderId === upstreamId)) continue;
    list.push({
      hopId: hop.id,
      upstreamProviderId: upstreamId,
      upstreamName: nameOf.get(upstreamId) ?? 'unknown provider',
      rmdStatus: rmd.status,
      removedAt: rmd.status === 'removed' ? (filing?.removedAt?.toISOString() ?? null) : null,
      rule: RMD_ACCEPTANCE_RULE,
    });
    out.set(hop.providerId, list);
  }
  return out;
}
