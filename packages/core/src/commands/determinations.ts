import {
  ZDeterminationCreate,
  type TCooperationEvidence,
  type TDetermination,
  type TDeterminationCreate,
  type TDeterminationListQuery,
} from '@hoptrace/contracts';
import {
  decodeCursor,
  findDetermination,
  findProvider,
  insertDetermination,
  listDeterminations as listDeterminationRows,
  lockDetermination,
  setDeterminationPublished,
  type DeterminationRow,
  type Page,
} from '@hoptrace/db';
import { audit } from '../audit';
import type { CommandContext } from '../context';
import { assessCooperation, cooperationPolicy } from '../cooperation/policy';
import { ConflictError, NotFoundError } from '../errors';
import { authorize, policy } from '../policies';
import { computeEvidence } from '../queries/scorecards';

/**
 * Staff review of a provider's cooperation (decision 0027): the status is computed from the evidence at
 * the moment of review and kept with it (the snapshot), confirmed or dismissed, and only a confirmed one
 * can be published. Each decision is an event on no traceback (`cooperation.*`).
 */

export function presentDetermination(d: DeterminationRow): TDetermination {
  return {
    id: d.id,
    providerId: d.providerId,
    providerName: d.providerName,
    status: d.status,
    evidence: d.evidence as TCooperationEvidence,
    computedAt: d.computedAt.toISOString(),
    decision: d.decision,
    decidedBy: d.decidedBy,
    decidedAt: d.decidedAt.toISOString(),
    note: d.note,
    published: d.published,
    publishedAt: d.publishedAt?.toISOString() ?? null,
  };
}

export async function reviewCooperation(
  ctx: CommandContext & { providerId: string; input: TDeterminationCreate },
): Promise<TDetermination> {
  const { actor, db, clock, providerId } = ctx;
  authorize(policy.reviewCooperation(actor), 'provider');
  const input = ZDeterminationCreate.parse(ctx.input);
  const id = await db.transaction(async (tx) => {
    const provider = await findProvider(tx, providerId);
    if (!provider || provider.mergedIntoId) throw new NotFoundError('provider');
    const now = clock.now();
    const p = await cooperationPolicy(tx);
    const computed = await computeEvidence(tx, p, providerId, now);
    if (!computed) throw new NotFoundError('provider');
    const { status } = assessCooperation(p, computed.evidence.counts, computed.evidence.rmd);
    if (status !== input.expectedStatus)
      throw new ConflictError(
        `the evidence now gives ${status.replace('_', '-')}, not ${input.expectedStatus.replace('_', '-')}: review it again`,
      );
    const id = await insertDetermination(tx, {
      providerId,
      status,
      evidence: { ...computed.evidence, policy: p },
      computedAt: now,
      decision: input.decision,
      decidedBy: actor.userId,
      decidedAt: now,
      note: input.note ?? null,
      published: input.publish,
      publishedAt: input.publish ? now : null,
      publishedBy: input.publish ? actor.userId : null,
    });
    await audit(tx, ctx, {
      action: `cooperation.${input.decision}`,
      subject: 'provider',
      subjectId: providerId,
      details: { determinationId: id, status, published: input.publish },
    });
    return id;
  });
  const row = await findDetermination(db, id);
  return presentDetermination(row!);
}

/** Publishing (or withdrawing) a determination; a dismissed one cannot be published (409). */
export async function publishDetermination(
  ctx: CommandContext & { determinationId: string; published: boolean },
): Promise<TDetermination> {
  const { actor, db, clock, determinationId, published } = ctx;
  authorize(policy.reviewCooperation(actor), 'determination');
  await db.transaction(async (tx) => {
    if (!(await lockDetermination(tx, determinationId))) throw new NotFoundError('determination');
    const d = (await findDetermination(tx, determinationId))!;
    if (published && d.decision !== 'confirmed')
      throw new ConflictError('a dismissed determination cannot be published: review the provider again');
    if (d.published === published) return;
    const now = clock.now();
    await setDeterminationPublished(tx, determinationId, published, now, actor.userId);
    await audit(tx, ctx, {
      action: published ? 'cooperation.published' : 'cooperation.withdrawn',
      subject: 'provider',
      subjectId: d.providerId,
      details: { determinationId, status: d.status },
    });
  });
  return presentDetermination((await findDetermination(db, determinationId))!);
}

export async function getDetermination(
  ctx: CommandContext & { determinationId: string },
): Promise<TDetermination> {
  authorize(policy.readScorecards(ctx.actor), 'determination');
  const d = await findDetermination(ctx.db, ctx.determinationId);
  if (!d) throw new NotFoundError('determination');
  return presentDetermination(d);
}

export async function listDeterminations(
  ctx: CommandContext & { query: TDeterminationListQuery },
): Promise<Page<TDetermination>> {
  authorize(policy.readScorecards(ctx.actor), 'route');
  const q = ctx.query;
  const page = await listDeterminationRows(
    ctx.db,
    { providerId: q.providerId, published: q.published === undefined ? undefined : q.published === 'true' },
    { limit: q.limit, after: decodeCursor(q.cursor) },
  );
  return { nextCursor: page.nextCursor, items: page.items.map(presentDetermination) };
}
