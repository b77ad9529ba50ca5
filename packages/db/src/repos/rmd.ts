import { and, asc, desc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Executor } from '../client';
import {
  providerRmdLinks,
  providers,
  rmdChanges,
  rmdFilings,
  rmdImports,
  rmdMatchProposals,
} from '../schema';
import type { Page } from './cursor';
import {
  decodeOffsetCursor,
  encodeOffsetCursor,
  likeEscape,
  MAX_SEARCH_OFFSET,
  SEARCH_SIMILARITY,
} from './providers';

export type RmdFilingRow = typeof rmdFilings.$inferSelect;
export type RmdFilingInsert = typeof rmdFilings.$inferInsert;
export type RmdImportRow = typeof rmdImports.$inferSelect;
export type RmdChangeInsert = typeof rmdChanges.$inferInsert;
export type RmdProposalRow = typeof rmdMatchProposals.$inferSelect;
export type ProviderRmdLinkRow = typeof providerRmdLinks.$inferSelect;

const CHUNK = 1000;

/** Imports serialise: each diffs against what the previous one left. */
export async function lockRmd(tx: Executor): Promise<void> {
  await tx.execute(sql`LOCK TABLE ${rmdImports} IN EXCLUSIVE MODE`);
}

export async function countRmdImports(db: Executor): Promise<number> {
  return db.$count(rmdImports);
}

export async function allRmdFilings(db: Executor): Promise<RmdFilingRow[]> {
  return db.select().from(rmdFilings).orderBy(asc(rmdFilings.firstSeenAt), asc(rmdFilings.id));
}

export async function insertRmdImport(
  db: Executor,
  row: typeof rmdImports.$inferInsert,
): Promise<RmdImportRow> {
  const [created] = await db.insert(rmdImports).values(row).returning();
  if (!created) throw new Error('insert into rmd_imports returned no row');
  return created;
}

export async function insertRmdFilings(db: Executor, rows: RmdFilingInsert[]): Promise<RmdFilingRow[]> {
  const out: RmdFilingRow[] = [];
  for (let i = 0; i < rows.length; i += CHUNK)
    out.push(
      ...(await db
        .insert(rmdFilings)
        .values(rows.slice(i, i + CHUNK))
        .returning()),
    );
  return out;
}

export async function updateRmdFiling(
  db: Executor,
  id: string,
  patch: Partial<Omit<RmdFilingInsert, 'id'>>,
): Promise<void> {
  await db.update(rmdFilings).set(patch).where(eq(rmdFilings.id, id));
}

/** Marks the filings seen in an export (unchanged ones included) in one statement per chunk. */
export async function touchRmdFilings(db: Executor, ids: string[], at: Date): Promise<void> {
  for (let i = 0; i < ids.length; i += CHUNK)
    await db
      .update(rmdFilings)
      .set({ lastSeenAt: at })
      .where(inArray(rmdFilings.id, ids.slice(i, i + CHUNK)));
}

export async function appendRmdChanges(db: Executor, rows: RmdChangeInsert[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await db.insert(rmdChanges).values(rows.slice(i, i + CHUNK));
}

export async function listRmdChangesOfImport(db: Executor, importId: string) {
  return db.select().from(rmdChanges).where(eq(rmdChanges.importId, importId)).orderBy(asc(rmdChanges.id));
}

export async function directoryForMatching(db: Executor) {
  return db
    .select({
      id: providers.id,
      name: providers.name,
      dbaNames: providers.dbaNames,
      frn: providers.frn,
      rmdNumber: providers.rmdNumber,
    })
    .from(providers);
}

export async function rmdLinks(db: Executor): Promise<ProviderRmdLinkRow[]> {
  return db.select().from(providerRmdLinks);
}

/** Links (or re-links) a provider to a filing. */
export async function upsertRmdLink(db: Executor, row: typeof providerRmdLinks.$inferInsert): Promise<void> {
  await db
    .insert(providerRmdLinks)
    .values(row)
    .onConflictDoUpdate({
      target: providerRmdLinks.providerId,
      set: { filingId: row.filingId, strength: row.strength, reasons: row.reasons, linkedAt: row.linkedAt },
    });
}

/** Proposes weak matches; a pair already proposed (pending or decided) is left as it is. */
export async function insertRmdProposals(db: Executor, rows: Array<typeof rmdMatchProposals.$inferInsert>) {
  for (let i = 0; i < rows.length; i += CHUNK)
    await db
      .insert(rmdMatchProposals)
      .values(rows.slice(i, i + CHUNK))
      .onConflictDoNothing();
}

export async function listRmdProposals(
  db: Executor,
  status: RmdProposalRow['status'] | undefined,
  limit: number,
) {
  return db
    .select({ proposal: rmdMatchProposals, filing: rmdFilings, providerName: providers.name })
    .from(rmdMatchProposals)
    .innerJoin(rmdFilings, eq(rmdFilings.id, rmdMatchProposals.filingId))
    .innerJoin(providers, eq(providers.id, rmdMatchProposals.providerId))
    .where(status ? eq(rmdMatchProposals.status, status) : undefined)
    .orderBy(asc(rmdMatchProposals.createdAt), asc(rmdMatchProposals.id))
    .limit(limit);
}

export async function lockRmdProposal(db: Executor, id: string): Promise<RmdProposalRow | undefined> {
  const [row] = await db.select().from(rmdMatchProposals).where(eq(rmdMatchProposals.id, id)).for('update');
  return row;
}

export async function decideRmdProposal(
  db: Executor,
  id: string,
  patch: { status: 'accepted' | 'rejected'; decidedAt: Date; decidedBy: string | null },
): Promise<RmdProposalRow | undefined> {
  const [row] = await db
    .update(rmdMatchProposals)
    .set(patch)
    .where(and(eq(rmdMatchProposals.id, id), eq(rmdMatchProposals.status, 'pending')))
    .returning();
  return row;
}

/** Each provider's linked filing. */
export async function rmdFilingsOfProviders(
  db: Executor,
  providerIds: string[],
): Promise<Map<string, RmdFilingRow>> {
  if (providerIds.length === 0) return new Map();
  const rows = await db
    .select({ providerId: providerRmdLinks.providerId, filing: rmdFilings })
    .from(providerRmdLinks)
    .innerJoin(rmdFilings, eq(rmdFilings.id, providerRmdLinks.filingId))
    .where(inArray(providerRmdLinks.providerId, [...new Set(providerIds)]));
  return new Map(rows.map((r) => [r.providerId, r.filing]));
}

export async function hasLiveRmdFilings(db: Executor): Promise<boolean> {
  const [row] = await db
    .select({ id: rmdFilings.id })
    .from(rmdFilings)
    .where(isNull(rmdFilings.removedAt))
    .limit(1);
  return row !== undefined;
}

export interface RmdFilingHit {
  filing: RmdFilingRow;
  /** The live directory record linked to this filing, if any. */
  provider: { id: string; name: string } | null;
}

/**
 * Searches the RMD's filers as the directory is searched: 0 the filing number or an FRN (with or
 * without its leading zeros), 1 a business or DBA name that starts with the query, 2 the query
 * anywhere in `search_text` (names, previous names, FRNs, filing number), 3 a trigram match of word
 * similarity ≥ SEARCH_SIMILARITY. Live filings before removed ones; ranked pages by offset.
 */
export async function searchRmdFilings(
  db: Executor,
  opts: { q: string; limit: number; cursor?: string | undefined },
): Promise<Page<RmdFilingHit>> {
  const q = opts.q.trim();
  const offset = decodeOffsetCursor(opts.cursor);
  const lower = q.toLowerCase();
  const upper = q.toUpperCase();
  const compact = lower.replace(/\s+/g, '');
  const exact = [sql`${rmdFilings.filingNumber} = ${upper}`];
  if (/^\d{1,10}$/.test(q)) exact.push(sql`${rmdFilings.frn} = ${q.padStart(10, '0')}`);
  const prefix = `${likeEscape(lower)}%`;
  const anywhere = `%${likeEscape(lower)}%`;
  const rank = sql<number>`CASE
    WHEN ${or(...exact)} THEN 0
    WHEN lower(${rmdFilings.businessName}) LIKE ${prefix}
      OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(${rmdFilings.data}->'dbaNames') = 'array' THEN ${rmdFilings.data}->'dbaNames' ELSE '[]'::jsonb END) d WHERE lower(d) LIKE ${prefix}) THEN 1
    WHEN ${rmdFilings.searchText} LIKE ${anywhere} THEN 2
    ELSE 3 END`;
  const score = sql<number>`greatest(word_similarity(${lower}, ${rmdFilings.searchText}), word_similarity(${compact}, replace(${rmdFilings.searchText}, ' ', '')))`;
  // A whole filing number is looked up by its index; digits (an FRN or part of one) are matched as
  // written, since a typo in a number names another filer; words also by trigram similarity. Every
  // branch can use an index (the trigram one also holds the FRNs and filing number).
  const match = /^RMD\d{7,}$/i.test(q)
    ? sql`${rmdFilings.filingNumber} = ${upper}`
    : /^\d+$/.test(q)
      ? sql`${rmdFilings.searchText} LIKE ${anywhere}`
      : or(sql`${rmdFilings.searchText} LIKE ${anywhere}`, sql`${lower} <% ${rmdFilings.searchText}`);
  const rows = await db.transaction(async (tx) => {
    // As in the directory's search: the planner underrates the trigram index next to a scan.
    await tx.execute(
      sql`SELECT set_config('pg_trgm.word_similarity_threshold', ${String(SEARCH_SIMILARITY)}, true), set_config('enable_seqscan', 'off', true)`,
    );
    return tx
      .select({ filing: rmdFilings, providerId: providers.id, providerName: providers.name })
      .from(rmdFilings)
      .leftJoin(providerRmdLinks, eq(providerRmdLinks.filingId, rmdFilings.id))
      .leftJoin(providers, and(eq(providers.id, providerRmdLinks.providerId), isNull(providers.mergedAt)))
      .where(match)
      .orderBy(
        rank,
        sql`${rmdFilings.removedAt} IS NOT NULL`,
        desc(score),
        rmdFilings.businessName,
        rmdFilings.id,
      )
      .limit(opts.limit + 1)
      .offset(offset);
  });
  // A filing linked to several records (not merged) comes once, with the first record.
  const seen = new Set<string>();
  const hits: RmdFilingHit[] = [];
  for (const r of rows) {
    if (seen.has(r.filing.id)) continue;
    seen.add(r.filing.id);
    hits.push({
      filing: r.filing,
      provider: r.providerId && r.providerName ? { id: r.providerId, name: r.providerName } : null,
    });
  }
  const items = hits.slice(0, opts.limit);
  const next = offset + rows.slice(0, opts.limit).length;
  return {
    items,
    nextCursor: rows.length > opts.limit && next <= MAX_SEARCH_OFFSET ? encodeOffsetCursor(next) : null,
  };
}

export async function findRmdFiling(db: Executor, id: string): Promise<RmdFilingRow | undefined> {
  const [row] = await db.select().from(rmdFilings).where(eq(rmdFilings.id, id));
  return row;
}

/** Locks a filing while a provider is created from it (two staff adding the same filer serialise). */
export async function lockRmdFiling(db: Executor, id: string): Promise<RmdFilingRow | undefined> {
  const [row] = await db.select().from(rmdFilings).where(eq(rmdFilings.id, id)).for('update');
  return row;
}

/** The live directory records linked to a filing, or carrying its filing number. */
export async function providersOfRmdFiling(
  db: Executor,
  filing: { id: string; filingNumber: string | null },
): Promise<Array<{ id: string; name: string }>> {
  const linked = db
    .select({ id: providerRmdLinks.providerId })
    .from(providerRmdLinks)
    .where(eq(providerRmdLinks.filingId, filing.id));
  return db
    .select({ id: providers.id, name: providers.name })
    .from(providers)
    .where(
      and(
        isNull(providers.mergedAt),
        filing.filingNumber
          ? or(inArray(providers.id, linked), eq(providers.rmdNumber, filing.filingNumber))
          : inArray(providers.id, linked),
      ),
    )
    .orderBy(providers.createdAt, providers.id);
}

/** A provider's RMD changes: those of the filing it is linked to, newest first. */
export async function rmdChangesOfProvider(db: Executor, providerId: string, limit: number) {
  return db
    .select({ change: rmdChanges, importedAt: rmdImports.importedAt, fileName: rmdImports.fileName })
    .from(rmdChanges)
    .innerJoin(providerRmdLinks, eq(providerRmdLinks.filingId, rmdChanges.filingId))
    .innerJoin(rmdImports, eq(rmdImports.id, rmdChanges.importId))
    .where(eq(providerRmdLinks.providerId, providerId))
    .orderBy(desc(rmdChanges.at), desc(rmdChanges.id))
    .limit(limit);
}

/** An upstream that a downstream provider named in its recent answers and that is not in the RMD now. */
export interface UpstreamOutsideRmdRow {
  downstreamId: string;
  downstreamName: string;
  downstreamTimezone: string;
  downstreamContacts: Array<{ email: string }>;
  upstreamId: string;
  upstreamName: string;
  /** The upstream's linked filing when it was removed; null when it has no filing at all (absent). */
  filingId: string | null;
  filingNumber: string | null;
  removedAt: Date | null;
  /** How many of the downstream's hops answered since `since` named this upstream. */
  hops: number;
  lastNamedAt: Date;
  /** The downstream's own hops that named it, newest first (at most 20). */
  hopIds: string[];
}

/**
 * Pairs (downstream, upstream) where the downstream answered a hop since `since` naming the upstream, and
 * the upstream is absent from the RMD (no linked filing) or its linked filing was removed (RMD watch,
 * decision 0032). Merged-away records and a provider naming itself are left out. One grouped statement.
 */
export async function recentUpstreamsOutsideRmd(db: Executor, since: Date): Promise<UpstreamOutsideRmdRow[]> {
  const result = await db.execute(sql`
    select h.provider_id as "downstreamId", d.name as "downstreamName", d.timezone as "downstreamTimezone",
      d.contacts as "downstreamContacts", h.upstream_provider_id as "upstreamId", u.name as "upstreamName",
      f.id as "filingId", f.filing_number as "filingNumber", f.removed_at as "removedAt",
      count(*)::int as hops, max(h.answered_at) as "lastNamedAt",
      to_json((array_agg(h.id::text order by h.answered_at desc, h.id))[1:20]) as "hopIds"
    from hops h
    join providers u on u.id = h.upstream_provider_id and u.merged_into_id is null
    join providers d on d.id = h.provider_id and d.merged_into_id is null
    left join provider_rmd_links l on l.provider_id = u.id
    left join rmd_filings f on f.id = l.filing_id
    where h.answer_kind = 'upstream' and h.answered_at >= ${since.toISOString()}::timestamptz
      and h.provider_id <> h.upstream_provider_id
      and (f.id is null or f.removed_at is not null)
    group by h.provider_id, d.name, d.timezone, d.contacts, h.upstream_provider_id, u.name, f.id, f.filing_number, f.removed_at
    order by h.provider_id, h.upstream_provider_id`);
  const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));
  return (result as { rows: Array<Record<string, unknown>> }).rows.map((r) => ({
    downstreamId: String(r.downstreamId),
    downstreamName: String(r.downstreamName),
    downstreamTimezone: String(r.downstreamTimezone),
    downstreamContacts: json<Array<{ email: string }>>(r.downstreamContacts) ?? [],
    upstreamId: String(r.upstreamId),
    upstreamName: String(r.upstreamName),
    filingId: (r.filingId as string | null) ?? null,
    filingNumber: (r.filingNumber as string | null) ?? null,
    removedAt: r.removedAt === null ? null : new Date(r.removedAt as string | Date),
    hops: Number(r.hops),
    lastNamedAt: new Date(r.lastNamedAt as string | Date),
    hopIds: json<string[]>(r.hopIds) ?? [],
  }));
}
