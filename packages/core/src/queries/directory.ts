import type { TProvider } from '@hoptrace/contracts';
import {
  findProvider,
  listProviders as listProviderRows,
  rmdFilingsOfProviders,
  type Page,
  type ProviderRow,
} from '@hoptrace/db';
import type { CommandContext } from '../context';
import { NotFoundError } from '../errors';
import { policy } from '../policies';
import { presentProvider } from './present';

/** A provider as presented, with `mergedInto` when the record was merged into another (old links still resolve). */
export async function presentProviderRow(
  ctx: CommandContext,
  row: ProviderRow,
  withRmd = true,
): Promise<TProvider> {
  const rmd = withRmd ? await rmdFilingsOfProviders(ctx.db, [row.id]) : undefined;
  const out = presentProvider(ctx.actor, row, rmd ? { filing: rmd.get(row.id) } : undefined);
  if (!row.mergedIntoId || !row.mergedAt) return out;
  const into = await findProvider(ctx.db, row.mergedIntoId);
  return {
    ...out,
    // A merged record is history: nobody edits it any more.
    can: { update: false },
    mergedInto: { id: row.mergedIntoId, name: into?.name ?? '', mergedAt: row.mergedAt.toISOString() },
  };
}

export async function getProvider(ctx: CommandContext & { providerId: string }): Promise<TProvider> {
  if (!policy.searchDirectory(ctx.actor)) throw new NotFoundError('provider');
  const row = await findProvider(ctx.db, ctx.providerId);
  if (!row) throw new NotFoundError('provider');
  return presentProviderRow(ctx, row);
}

export async function listProviders(
  ctx: CommandContext & { query: { q?: string | undefined; limit: number; cursor?: string | undefined } },
): Promise<Page<TProvider>> {
  if (!policy.searchDirectory(ctx.actor)) return { items: [], nextCursor: null };
  const page = await listProviderRows(ctx.db, ctx.query);
  const rmd = await rmdFilingsOfProviders(
    ctx.db,
    page.items.map((p) => p.id),
  );
  return {
    items: page.items.map((p) => presentProvider(ctx.actor, p, { filing: rmd.get(p.id) })),
    nextCursor: page.nextCursor,
  };
}
