import type { THopRmd, TProviderRmd } from '@hoptrace/contracts';
import { listRmdProposals, type RmdFilingRow } from '@hoptrace/db';
import type { RmdFiling } from '@hoptrace/registry';
import type { CommandContext } from '../context';
import { authorize, policy } from '../policies';

/** A provider's RMD standing from its linked filing (none linked: absent). */
export function presentProviderRmd(filing: RmdFilingRow | undefined): TProviderRmd {
  if (!filing)
    return {
      status: 'absent',
      filingNumber: null,
      frn: null,
      implementation: null,
      providerTypes: null,
      removedAt: null,
    };
  const data = filing.data as unknown as RmdFiling;
  return {
    status: filing.removedAt ? 'removed' : 'filed',
    filingNumber: filing.filingNumber,
    frn: filing.frn,
    implementation: filing.implementation,
    providerTypes: data.providerTypes,
    removedAt: filing.removedAt?.toISOString() ?? null,
  };
}

/**
 * The provider's standing at the time of a call: filed if the filing was known by then (or was in
 * the first export imported, i.e. filed before anything we know of) and not removed before it.
 * `flagged` when absent or removed: whoever accepted its traffic should not have.
 */
export function hopRmdAt(filing: RmdFilingRow | undefined, callAt: Date): THopRmd {
  if (!filing) return { status: 'absent', flagged: true };
  if (filing.removedAt && filing.removedAt.getTime() <= callAt.getTime())
    return { status: 'removed', flagged: true };
  if (!filing.inBaseline && filing.firstSeenAt.getTime() > callAt.getTime())
    return { status: 'absent', flagged: true };
  return { status: 'filed', flagged: false };
}

export async function listRmdMatchProposals(
  ctx: CommandContext & { status?: 'pending' | 'accepted' | 'rejected' | undefined; limit: number },
) {
  authorize(policy.importRmd(ctx.actor), 'route');
  const rows = await listRmdProposals(ctx.db, ctx.status, ctx.limit);
  return {
    items: rows.map(({ proposal, filing, providerName }) => ({
      id: proposal.id,
      status: proposal.status,
      score: proposal.score,
      reasons: proposal.reasons,
      provider: { id: proposal.providerId, name: providerName },
      filing: {
        id: filing.id,
        filingNumber: filing.filingNumber,
        frn: filing.frn,
        businessName: filing.businessName,
      },
      createdAt: proposal.createdAt.toISOString(),
    })),
  };
}
