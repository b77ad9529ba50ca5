import type { TCampaignCreate } from '@hoptrace/contracts';
import { insertCampaign, type CampaignRow } from '@hoptrace/db';
import type { CommandContext } from '../context';
import { authorize, policy } from '../policies';

export async function createCampaign(ctx: CommandContext & { input: TCampaignCreate }): Promise<CampaignRow> {
  authorize(policy.manageCampaigns(ctx.actor), 'route');
  return insertCampaign(ctx.db, {
    name: ctx.input.name,
    description: ctx.input.description,
    category: ctx.input.category ?? null,
    createdBy: ctx.actor.userId,
    createdAt: ctx.clock.now(),
  });
}
