import { and, asc, eq, inArray, or, sql } from 'drizzle-orm';
import type { Tx } from '../client';
import {
  cooperationDeterminations,
  hops,
  outbox,
  providerRmdLinks,
  providers,
  rmdMatchProposals,
  tracebackShaken,
  shakenPathFlags,
  tracebacks,
  users,
  webhookEndpoints,
  providerLetters,
} from '../schema';
import type { ProviderRow } from './providers';

/** What a merge moved from one provider record to another, table by table. */
export interface ProviderMergeCounts {
  hops: number;
  upstreamHops: number;
  tracebacks: number;
  users: number;
  webhookEndpoints: number;
  rmdLink: 'moved' | 'kept' | 'none';
  rmdProposals: number;
  shakenSigners: number;
  outbox: number;
}

/** Locks both provider rows (in id order, so two merges of the same pair cannot deadlock). */
export async function lockProviders(tx: Tx, ids: string[]): Promise<ProviderRow[]> {
  if (ids.length === 0) return [];
  return tx
    .select()
    .from(providers)
    .where(inArray(providers.id, ids))
    .orderBy(asc(providers.id))
    .for('update');
}

/**
 * Locks every traceback whose history names the provider (first provider, a hop's provider or a
 * named upstream), in id order: changes to a traceback's hops lock the traceback first.
 */
export async function lockTracebacksOfProvider(tx: Tx, providerId: string): Promise<string[]> {
  const touched = tx
    .select({ id: hops.tracebackId })
    .from(hops)
    .where(or(eq(hops.providerId, providerId), eq(hops.upstreamProviderId, providerId)));
  const rows = await tx
    .select({ id: tracebacks.id })
    .from(tracebacks)
    .where(or(eq(tracebacks.firstProviderId, providerId), inArray(tracebacks.id, touched)))
    .orderBy(asc(tracebacks.id))
    .for('update');
  return rows.map((r) => r.id);
}

/**
 * Re-points every reference to `from` at `into`. The RMD link moves only when `into` has none;
 * a pending RMD match proposal for a filing `into` was already proposed for is rejected rather
 * than duplicated. Outbox rows keep their recipients; only their provider reference moves.
 */
export async function moveProviderReferences(
  tx: Tx,
  opts: { from: string; into: string; at: Date; by: string | null },
): Promise<ProviderMergeCounts> {
  const { from, into } = opts;
  const count = (rows: unknown[]) => rows.length;
  const hopRows = await tx
    .update(hops)
    .set({ providerId: into })
    .where(eq(hops.providerId, from))
    .returning({ id: hops.id });
  const upstreamRows = await tx
    .update(hops)
    .set({ upstreamProviderId: into })
    .where(eq(hops.upstreamProviderId, from))
    .returning({ id: hops.id });
  const tracebackRows = await tx
    .update(tracebacks)
    .set({ firstProviderId: into })
    .where(eq(tracebacks.firstProviderId, from))
    .returning({ id: tracebacks.id });
  // The entry point answered a hop of its traceback, so that traceback is among those locked.
  await tx
    .update(tracebacks)
    .set({ entryPointProviderId: into })
    .where(eq(tracebacks.entryPointProviderId, from));
  const userRows = await tx
    .update(users)
    .set({ providerId: into })
    .where(eq(users.providerId, from))
    .returning({ id: users.id });
  const endpointRows = await tx
    .update(webhookEndpoints)
    .set({ providerId: into })
    .where(eq(webhookEndpoints.providerId, from))
    .returning({ id: webhookEndpoints.id });

  let rmdLink: ProviderMergeCounts['rmdLink'] = 'none';
  const links = await tx
    .select({ providerId: providerRmdLinks.providerId })
    .from(providerRmdLinks)
    .where(inArray(providerRmdLinks.providerId, [from, into]));
  const has = new Set(links.map((l) => l.providerId));
  if (has.has(from) && !has.has(into)) {
    await tx.update(providerRmdLinks).set({ providerId: into }).where(eq(providerRmdLinks.providerId, from));
    rmdLink = 'moved';
  } else if (has.has(into)) rmdLink = 'kept';

  // A filing already proposed for `into` would break the (filing, provider) key: reject from's duplicate.
  const dupFilings = tx
    .select({ id: rmdMatchProposals.filingId })
    .from(rmdMatchProposals)
    .where(eq(rmdMatchProposals.providerId, into));
  await tx
    .update(rmdMatchProposals)
    .set({ status: 'rejected', decidedAt: opts.at, decidedBy: opts.by })
    .where(
      and(
        eq(rmdMatchProposals.providerId, from),
        eq(rmdMatchProposals.status, 'pending'),
        inArray(rmdMatchProposals.filingId, dupFilings),
      ),
    );
  const proposalRows = await tx
    .update(rmdMatchProposals)
    .set({ providerId: into })
    .where(
      and(
        eq(rmdMatchProposals.providerId, from),
        sql`not exists (select 1 from ${rmdMatchProposals} p2 where p2.provider_id = ${into} and p2.filing_id = ${rmdMatchProposals.filingId})`,
      ),
    )
    .returning({ id: rmdMatchProposals.id });
  const shakenRows = await tx
    .update(tracebackShaken)
    .set({ signerProviderId: into })
    .where(eq(tracebackShaken.signerProviderId, from))
    .returning({ id: tracebackShaken.tracebackId });
  await tx.update(shakenPathFlags).set({ providerId: into }).where(eq(shakenPathFlags.providerId, from));
  // A determination is about the provider, whose history now lives in `into`: it moves with it.
  await tx
    .update(cooperationDeterminations)
    .set({ providerId: into })
    .where(eq(cooperationDeterminations.providerId, from));
  const outboxRows = await tx
    .update(outbox)
    .set({ providerId: into })
    .where(eq(outbox.providerId, from))
    .returning({ id: outbox.id });
  // Cease-and-desist letters follow the provider they were sent to (decision 0029).
  await tx.update(providerLetters).set({ providerId: into }).where(eq(providerLetters.providerId, from));

  return {
    hops: count(hopRows),
    upstreamHops: count(upstreamRows),
    tracebacks: count(tracebackRows),
    users: count(userRows),
    webhookEndpoints: count(endpointRows),
    rmdLink,
    rmdProposals: count(proposalRows),
    shakenSigners: count(shakenRows),
    outbox: count(outboxRows),
  };
}
