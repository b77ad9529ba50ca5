import { eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../client';
import { campaigns } from '../schema';

export type CampaignRow = typeof campaigns.$inferSelect;

export async function insertCampaign(db: Executor, row: typeof campaigns.$inferInsert): Promise<CampaignRow> {
  const [created] = await db.insert(campaigns).values(row).returning();
  if (!created) throw new Error('insert into campaigns returned no row');
  return created;
}

export async function findCampaign(db: Executor, id: string): Promise<CampaignRow | undefined> {
  const [row] = await db.select().from(campaigns).where(eq(campaigns.id, id));
  return row;
}

/** Campaigns by id, and by name (case aside) for a file that names them. */
export async function findCampaignsByIdsOrNames(
  db: Executor,
  ids: string[],
  names: string[],
): Promise<CampaignRow[]> {
  const out: CampaignRow[] = [];
  if (ids.length) out.push(...(await db.select().from(campaigns).where(inArray(campaigns.id, ids))));
  if (names.length)
    out.push(
      ...(await db
        .select()
        .from(campaigns)
        .where(
          sql`lower(${campaigns.name}) = any(${sql.param([...new Set(names.map((n) => n.toLowerCase()))])}::text[])`,
        )),
    );
  return out;
}
