import type { THopRmd, TProviderRmd, TRmdChange, TRmdFiler, TRmdFilerPage } from '@hoptrace/contracts';
import {
  listRmdProposals,
  rmdChangesOfProvider,
  searchRmdFilings,
  type RmdFilingHit,
  type RmdFilingRow,
} from '@hoptrace/db';
import type { Actor } from '../actor';
import type { RmdFiling } from '@hoptrace/registry';
import type { CommandContext } from '../context';
import { NotFoundError } from '../errors';
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
      businessAddress: null,
    };
  const data = filing.data as unknown as RmdFiling;
  return {
    status: filing.removedAt ? 'removed' : 'filed',
    filingNumber: filing.filingNumber,
    frn: filing.frn,
    implementation: filing.implementation,
    providerTypes: data.providerTypes,
    removedAt: filing.removedAt?.toISOString() ?? null,
    businessAddress: data.address ?? null,
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

/** A filer as the actor may see it: the filing's contact only for staff. */
export function presentRmdFiler(actor: Actor, hit: RmdFilingHit): TRmdFiler {
  const f = hit.filing.data as unknown as RmdFiling;
  const out: TRmdFiler = {
    id: hit.filing.id,
    filingNumber: hit.filing.filingNumber,
    frn: hit.filing.frn,
    businessName: hit.filing.businessName,
    dbaNames: f.dbaNames ?? [],
    previousDbaNames: f.previousDbaNames ?? [],
    otherFrns: f.otherFrns ?? [],
    address: f.address ?? null,
    country: f.country ?? null,
    foreignProvider: f.foreignProvider ?? null,
    implementation: hit.filing.implementation,
    providerTypes: f.providerTypes ?? { voice: null, gateway: null, intermediate: null },
    lastUpdated: f.lastUpdated ?? null,
    filingUrl: f.filingUrl ?? null,
    status: hit.filing.removedAt ? 'removed' : 'filed',
    removedAt: hit.filing.removedAt?.toISOString() ?? null,
    inDirectory: hit.provider,
    can: { addToDirectory: policy.addProviderFromRmd(actor) && hit.provider === null },
  };
  if (policy.readRmdContacts(actor)) {
    const c = f.contact;
    out.contact = {
      name: c?.name ?? null,
      title: c?.title ?? null,
      department: c?.department ?? null,
      phone: c?.phone ?? null,
      extension: c?.extension ?? null,
      email: c?.email ?? null,
      address: c?.address ?? null,
    };
  }
  return out;
}

/**
 * Searches every filer of the RMD (issue 19.4) by name, DBA name, FRN or filing number, typos
 * included, each with the directory record it is linked to (or none yet).
 */
export async function searchRmdFilers(
  ctx: CommandContext & { query: { q: string; limit: number; cursor?: string | undefined } },
): Promise<TRmdFilerPage> {
  authorize(policy.searchRmdFilers(ctx.actor), 'route');
  const page = await searchRmdFilings(ctx.db, ctx.query);
  return { items: page.items.map((h) => presentRmdFiler(ctx.actor, h)), nextCursor: page.nextCursor };
}

/** The changes RMD imports saw in a provider's linked filing, newest first. */
export async function listProviderRmdChanges(
  ctx: CommandContext & { providerId: string; limit: number },
): Promise<{ items: TRmdChange[] }> {
  if (!policy.readProviderRmdChanges(ctx.actor, ctx.providerId)) throw new NotFoundError('provider');
  const rows = await rmdChangesOfProvider(ctx.db, ctx.providerId, ctx.limit);
  return {
    items: rows.map(({ change, importedAt, fileName }) => ({
      id: change.id,
      kind: change.kind,
      filingNumber: change.key,
      fields: change.fields,
      at: change.at.toISOString(),
      importedAt: importedAt.toISOString(),
      fileName,
    })),
  };
}
