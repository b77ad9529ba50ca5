import { and, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../client';
import { providers, type ContactRow } from '../schema';
import { decodeCursor, encodeCursor, type Page } from './cursor';

export type ProviderRow = typeof providers.$inferSelect;
export type ProviderInsert = typeof providers.$inferInsert;

export async function insertProvider(db: Executor, row: ProviderInsert): Promise<ProviderRow> {
  const [created] = await db.insert(providers).values(row).returning();
  if (!created) throw new Error('insert into providers returned no row');
  return created;
}

export async function findProvider(db: Executor, id: string): Promise<ProviderRow | undefined> {
  const [row] = await db.select().from(providers).where(eq(providers.id, id));
  return row;
}

export async function findProviders(db: Executor, ids: string[]): Promise<ProviderRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(providers).where(inArray(providers.id, ids));
}

export async function updateProvider(
  db: Executor,
  id: string,
  patch: Partial<Omit<ProviderInsert, 'id' | 'createdAt'>>,
  at: Date,
): Promise<ProviderRow | undefined> {
  const [row] = await db
    .update(providers)
    .set({ ...patch, updatedAt: at })
    .where(eq(providers.id, id))
    .returning();
  return row;
}

/** Directory search over name, DBA names, OCN, FRN and RMD filing number; newest first. */
export async function listProviders(
  db: Executor,
  opts: { q?: string | undefined; limit: number; cursor?: string | undefined },
): Promise<Page<ProviderRow>> {
  const conds: SQL[] = [];
  if (opts.q) {
    const like = `%${opts.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const upper = opts.q.toUpperCase();
    const cond = or(
      sql`${providers.name} ILIKE ${like}`,
      sql`array_to_string(${providers.dbaNames}, ' ') ILIKE ${like}`,
      sql`${upper} = ANY(${providers.ocns})`,
      sql`${providers.frn} = ${opts.q.padStart(10, '0')}`,
      sql`${providers.rmdNumber} = ${upper}`,
    );
    if (cond) conds.push(cond);
  }
  const after = decodeCursor(opts.cursor);
  if (after) conds.push(sql`(${providers.createdAt}, ${providers.id}) < (${after.at}, ${after.id})`);
  const rows = await db
    .select()
    .from(providers)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(sql`${providers.createdAt} DESC, ${providers.id} DESC`)
    .limit(opts.limit + 1);
  return pageOf(rows, opts.limit, (r) => ({ at: r.createdAt, id: r.id }));
}

export function pageOf<T>(rows: T[], limit: number, key: (row: T) => { at: Date; id: string }): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(key(last)) : null };
}

export type { ContactRow };
