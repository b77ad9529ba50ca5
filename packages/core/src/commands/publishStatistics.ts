import type { TPublishResult, TPublishedPeriods, TStatisticsPublish } from '@hoptrace/contracts';
import { insertPublishedPeriods, listPublishedPeriods } from '@hoptrace/db';
import { audit } from '../audit';
import type { TKeyMetrics } from '@hoptrace/contracts';
import type { CommandContext } from '../context';
import { ConflictError, InvalidInputError } from '../errors';
import { authorize, policy } from '../policies';
import { computeKeyMetrics, monthPeriod } from '../queries/statistics';

/**
 * Staff publish a period's key metrics (decision 0028): the figures computed now are stored as the
 * period's snapshot, which later data does not change (the table is append-only). Publishing a year
 * also publishes each of its months not published before, from the same reading, so the year and its
 * months agree. Only a period that has ended may be published; a published period is never republished.
 */
export async function publishStatistics(
  ctx: CommandContext & { input: TStatisticsPublish },
): Promise<TPublishResult> {
  const { db, clock, actor, input } = ctx;
  authorize(policy.publishStatistics(actor), 'route');
  const [y, m] = input.period.split('-').map(Number) as [number, number | undefined];
  const now = clock.now();
  const end = m === undefined ? new Date(Date.UTC(y + 1, 0, 1)) : new Date(Date.UTC(y, m, 1));
  if (end.getTime() > now.getTime())
    throw InvalidInputError.field('period', `has not ended yet (it ends ${end.toISOString()})`);
  const published = await db.transaction(async (tx) => {
    const figures = await computeKeyMetrics(tx, y);
    const row = (period: string, month: number | null, f: TKeyMetrics) => ({
      period,
      year: y,
      month,
      figures: { ...f },
      publishedBy: actor.userId,
      publishedAt: now,
    });
    const rows =
      m === undefined
        ? [
            row(String(y), null, figures.year),
            ...[...figures.months].map(([month, f]) => row(monthPeriod(y, month), month, f)),
          ]
        : [row(input.period, m, figures.months.get(m)!)];
    const written = await insertPublishedPeriods(tx, rows);
    if (!written.includes(input.period))
      throw new ConflictError(`${input.period} is already published; a published period does not change`);
    await audit(tx, ctx, {
      action: 'statistics.published',
      subject: 'statistics',
      subjectId: input.period,
      details: { periods: written },
    });
    return written;
  });
  return { published };
}

/** Every published period with who published it (staff). */
export async function listPublications(ctx: CommandContext): Promise<TPublishedPeriods> {
  authorize(policy.publishStatistics(ctx.actor), 'route');
  const rows = await listPublishedPeriods(ctx.db);
  return {
    items: rows.map((r) => ({
      period: r.period,
      publishedAt: r.publishedAt.toISOString(),
      publishedBy: r.publishedBy,
      publishedByName: r.publishedByName,
      figures: r.figures as unknown as TKeyMetrics,
    })),
  };
}
