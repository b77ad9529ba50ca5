import { callsOfSource, findCallSourceByName } from '@hoptrace/db';
import type { CommandContext } from '../context';
import { NotFoundError } from '../errors';
import { authorize, policy } from '../policies';

/**
 * The calls of a source as JSONL lines, a page at a time: `externalId`, `campaignId` (null unless the
 * call belongs to a campaign: a candidate group of too few calls is not one yet), `assignment`
 * (`campaign`, `legitimate`, `candidate` or `unassigned`), and how it got there.
 */
export async function* exportCalls(ctx: CommandContext & { source: string }): AsyncGenerator<string[]> {
  authorize(policy.readCalls(ctx.actor), 'route');
  const source = await findCallSourceByName(ctx.db, ctx.source);
  if (!source) throw new NotFoundError(`call source "${ctx.source}"`);
  for await (const rows of callsOfSource(ctx.db, source.id)) {
    yield rows.map((r) => {
      const assignment =
        r.campaignId === null || r.campaignStatus === null
          ? 'unassigned'
          : r.campaignStatus === 'active'
            ? 'campaign'
            : r.campaignStatus === 'legitimate'
              ? 'legitimate'
              : 'candidate';
      const inCampaign = assignment === 'campaign' || assignment === 'legitimate';
      return (
        JSON.stringify({
          externalId: r.externalId,
          id: r.id,
          startedAt: r.startedAt.toISOString(),
          startedAtPrecision: r.startedAtPrecision,
          campaignId: inCampaign ? r.campaignId : null,
          assignment,
          candidateId: assignment === 'candidate' ? r.campaignId : null,
          assignedBy: r.assignedBy,
          similarity: r.similarity,
        }) + '\n'
      );
    });
  }
}
