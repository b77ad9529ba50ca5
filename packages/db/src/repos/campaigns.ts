import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../client';
import { campaigns } from '../schema';
import { decodeCursor, type Page } from './cursor';
import { pageOf } from './providers';

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

export async function listCampaigns(
  db: Executor,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<CampaignRow>> {
  const after = decodeCursor(page.cursor);
  const rows = await db
    .select()
    .from(campaigns)
    .where(after ? sql`(${campaigns.createdAt}, ${campaigns.id}) < (${after.at}, ${after.id})` : undefined)
    .orderBy(sql`${campaigns.createdAt} DESC, ${campaigns.id} DESC`)
    .limit(page.limit + 1);
  return pageOf(rows, page.limit, (r) => ({ at: r.createdAt, id: r.id }));
}
