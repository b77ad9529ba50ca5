import { and, eq, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../client';
import { providers, type ContactRow } from '../schema';
import { decodeCursor, encodeCursor, InvalidCursorError, type Page } from './cursor';

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

/** Below this word similarity a trigram match is noise ("acme telcom" → "acme telecom" scores 0.67). */
export const SEARCH_SIMILARITY = 0.5;
/** Ranked results page by offset; deeper than this nobody is browsing a search. */
export const MAX_SEARCH_OFFSET = 10_000;

/** A ranked search pages by position: its cursor is an offset, opaque like the keyset ones. */
export function encodeOffsetCursor(offset: number): string {
  return Buffer.from(JSON.stringify(['rank', offset])).toString('base64url');
}

export function decodeOffsetCursor(cursor: string | undefined): number {
  if (!cursor) return 0;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      value[0] === 'rank' &&
      Number.isSafeInteger(value[1]) &&
      (value[1] as number) > 0 &&
      (value[1] as number) <= MAX_SEARCH_OFFSET
    )
      return value[1] as number;
  } catch {
    // fall through to the error below
  }
  throw new InvalidCursorError('cursor is not one this server issued for this search');
}

export const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Ranks a search: 0 an exact identifier (OCN, FRN with or without its leading zeros, RMD filing
 * number), 1 a name or DBA name that starts with the query, 2 the query anywhere in the searchable
 * text, 3 a trigram match (typos, missing spaces) of word similarity ≥ SEARCH_SIMILARITY.
 */
function searchTerms(q: string) {
  const lower = q.toLowerCase();
  const upper = q.toUpperCase();
  const compact = lower.replace(/\s+/g, '');
  const exact: SQL[] = [sql`${upper} = ANY(${providers.ocns})`, sql`${providers.rmdNumber} = ${upper}`];
  if (/^\d{1,10}$/.test(q)) exact.push(sql`${providers.frn} = ${q.padStart(10, '0')}`);
  const prefix = `${likeEscape(lower)}%`;
  const anywhere = `%${likeEscape(lower)}%`;
  const rank = sql<number>`CASE
    WHEN ${or(...exact)} THEN 0
    WHEN lower(${providers.name}) LIKE ${prefix}
      OR EXISTS (SELECT 1 FROM unnest(${providers.dbaNames}) d WHERE lower(d) LIKE ${prefix}) THEN 1
    WHEN ${providers.searchText} LIKE ${anywhere} THEN 2
    ELSE 3 END`;
  const score = sql<number>`greatest(word_similarity(${lower}, ${providers.searchText}), word_similarity(${compact}, replace(${providers.searchText}, ' ', '')))`;
  // Every branch can use an index (GIN on ocns, trigram GIN on search_text, which also holds the FRN
  // and filing number), so the planner never has to scan the directory.
  const match = or(
    sql`${providers.ocns} @> ARRAY[${upper}]::text[]`,
    sql`${providers.searchText} LIKE ${anywhere}`,
    // `<%` is word similarity at the threshold this transaction sets.
    sql`${lower} <% ${providers.searchText}`,
  );
  return { rank, score, match };
}

/**
 * The directory: newest first, or ranked by `searchTerms` when there is a query. Providers merged
 * into another record are left out.
 */
export async function listProviders(
  db: Executor,
  opts: { q?: string | undefined; limit: number; cursor?: string | undefined; includeMerged?: boolean },
): Promise<Page<ProviderRow>> {
  const live = opts.includeMerged ? undefined : isNull(providers.mergedIntoId);
  if (opts.q) {
    const q = opts.q.trim();
    const offset = decodeOffsetCursor(opts.cursor);
    const { rank, score, match } = searchTerms(q);
    const rows = await db.transaction(async (tx) => {
      // The planner underrates the trigram index next to a scan of the directory that computes the
      // similarity of every row (4x slower on 20,000 providers): for this one query, use the indexes.
      await tx.execute(
        sql`SELECT set_config('pg_trgm.word_similarity_threshold', ${String(SEARCH_SIMILARITY)}, true), set_config('enable_seqscan', 'off', true)`,
      );
      return (
        tx
          .select()
          .from(providers)
          // merged_at, not merged_into_id: the latter's index would otherwise stand in for the trigram ones.
          .where(and(opts.includeMerged ? undefined : isNull(providers.mergedAt), match))
          .orderBy(rank, sql`${score} DESC`, providers.name, providers.id)
          .limit(opts.limit + 1)
          .offset(offset)
      );
    });
    const items = rows.slice(0, opts.limit);
    const next = offset + items.length;
    return {
      items,
      nextCursor: rows.length > opts.limit && next <= MAX_SEARCH_OFFSET ? encodeOffsetCursor(next) : null,
    };
  }
  const conds: SQL[] = [];
  if (live) conds.push(live);
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

/** Directory entries (not merged away) whose name is one of these, case aside: a file may name its provider. */
export async function findProvidersByNames(db: Executor, names: string[]): Promise<ProviderRow[]> {
  if (names.length === 0) return [];
  const lowered = [...new Set(names.map((n) => n.toLowerCase()))];
  return db
    .select()
    .from(providers)
    .where(
      and(isNull(providers.mergedIntoId), sql`lower(${providers.name}) = any(${sql.param(lowered)}::text[])`),
    );
}
