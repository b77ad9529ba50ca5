import type { TCampaignCreate } from '@hoptrace/contracts';
import { insertCampaign, type CampaignRow } from '@hoptrace/db';
import { audit } from '../audit';
import type { CommandContext } from '../context';
import { authorize, policy } from '../policies';

export async function createCampaign(ctx: CommandContext & { input: TCampaignCreate }): Promise<CampaignRow> {
  authorize(policy.manageCampaigns(ctx.actor), 'route');
  return ctx.db.transaction(async (tx) => {
    const row = await insertCampaign(tx, {
      name: ctx.input.name,
      description: ctx.input.description,
      category: ctx.input.category ?? null,
      createdBy: ctx.actor.userId,
      createdAt: ctx.clock.now(),
    });
    await audit(tx, ctx, {
      action: 'campaign.created',
      subject: 'campaign',
      subjectId: row.id,
      details: { name: row.name, category: row.category },
    });
    return row;
  });
}
