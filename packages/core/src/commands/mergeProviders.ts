import {
  appendEvents,
  lockProviders,
  lockTracebacksOfProvider,
  moveProviderReferences,
  updateProvider,
  type ContactRow,
  type ProviderMergeCounts,
  type ProviderRow,
} from '@hoptrace/db';
import type { Actor } from '../actor';
import type { CommandContext } from '../context';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';

/** Merging rewrites history across the directory: admins only (and the CLI's system actor). */
export const canMergeProviders = (a: Actor) => a.role === 'admin' || a.role === 'system';

/** The request names a provider it cannot merge with (itself, or one that does not exist): HTTP 422. */
export class MergeTargetError extends InvalidInputError {}

export interface ProviderMergeResult {
  from: ProviderRow;
  into: ProviderRow;
  moved: ProviderMergeCounts;
  /** Tracebacks whose history named `from`: each got a `provider.merged` event. */
  tracebackIds: string[];
}

const unionBy = <T>(items: T[], key: (t: T) => string): T[] => {
  const seen = new Set<string>();
  return items.filter((t) => {
    const k = key(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
};

/** The identifiers `into` keeps after absorbing `from`: the union of both, into's own values first. */
export function mergedIdentifiers(from: ProviderRow, into: ProviderRow) {
  const own = into.name.trim().toLowerCase();
  const contacts = (a: ContactRow[], b: ContactRow[]) => unionBy([...a, ...b], (c) => c.email.toLowerCase());
  return {
    dbaNames: unionBy(
      [...into.dbaNames, from.name, ...from.dbaNames].filter((n) => n.trim().toLowerCase() !== own),
      (n) => n.trim().toLowerCase(),
    ),
    ocns: unionBy([...into.ocns, ...from.ocns], (o) => o),
    frn: into.frn ?? from.frn,
    rmdNumber: into.rmdNumber ?? from.rmdNumber,
    contacts: contacts(into.contacts, from.contacts),
    escalationContacts: contacts(into.escalationContacts, from.escalationContacts),
  };
}

/**
 * Merges two directory records of the same provider, in one transaction: every reference to
 * `from` (hops and named upstreams, first providers, users, webhooks, RMD link and proposals,
 * SHAKEN signers, outbox rows) moves to `into`, `into` gains from's identifiers, and `from`
 * stays as a pointer (`merged_into_id`) so old links still resolve. Each traceback whose history
 * moved gets a `provider.merged` event; one more, on no traceback, records the merge itself.
 */
export async function mergeProviders(
  ctx: CommandContext & { from: string; into: string },
): Promise<ProviderMergeResult> {
  const { db, clock, actor } = ctx;
  if (!canMergeProviders(actor)) throw new NotFoundError('route');
  if (ctx.from === ctx.into)
    throw new MergeTargetError('a provider cannot be merged into itself', [
      { path: 'into', message: 'is the provider being merged; name the record to keep' },
    ]);
  const now = clock.now();
  return db.transaction(async (tx) => {
    const locked = await lockProviders(tx, [ctx.from, ctx.into]);
    const from = locked.find((p) => p.id === ctx.from);
    const into = locked.find((p) => p.id === ctx.into);
    if (!from) throw new NotFoundError('provider');
    if (!into)
      throw new MergeTargetError('the provider to merge into does not exist', [
        { path: 'into', message: 'is not a provider in the directory' },
      ]);
    if (from.mergedIntoId)
      throw new ConflictError(`${from.name} was already merged into another record (${from.mergedIntoId})`);
    if (into.mergedIntoId)
      throw new ConflictError(
        `${into.name} was itself merged into ${into.mergedIntoId}; merge into that record instead`,
      );

    // Lock order: tracebacks before their hops, as every other change to a traceback does.
    const tracebackIds = await lockTracebacksOfProvider(tx, from.id);
    const moved = await moveProviderReferences(tx, {
      from: from.id,
      into: into.id,
      at: now,
      by: actor.userId,
    });
    const updatedInto = await updateProvider(tx, into.id, mergedIdentifiers(from, into), now);
    const updatedFrom = await updateProvider(tx, from.id, { mergedIntoId: into.id, mergedAt: now }, now);
    if (!updatedInto || !updatedFrom) throw new Error('a locked provider row vanished during the merge');

    const data = {
      fromProviderId: from.id,
      fromName: from.name,
      intoProviderId: into.id,
      intoName: into.name,
    };
    await appendEvents(tx, [
      {
        tracebackId: null,
        at: now,
        actorUserId: actor.userId,
        actor: actor.label,
        type: 'provider.merged',
        data: { ...data, moved },
      },
      ...tracebackIds.map((tracebackId) => ({
        tracebackId,
        at: now,
        actorUserId: actor.userId,
        actor: actor.label,
        type: 'provider.merged',
        data,
      })),
    ]);
    return { from: updatedFrom, into: updatedInto, moved, tracebackIds };
  });
}
