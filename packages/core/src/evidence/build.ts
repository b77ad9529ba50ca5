import { createHash, randomUUID } from 'node:crypto';
import {
  EVIDENCE_FORMAT,
  EVIDENCE_TRACEBACK_FORMAT,
  evidenceTracebackJsonSchema,
  type TEvidenceManifest,
  type TEvidenceTracebackFile,
} from '@hoptrace/contracts';
import {
  appendEvents,
  attachmentsWithData,
  findCampaign,
  findEvidencePackage,
  insertEvidencePackage,
  lockTracebacks,
  tracebackIdsOfCampaign,
  type EventInsert,
  type EvidencePackageRow,
} from '@hoptrace/db';
import { zipSync } from 'fflate';
import { referredToActor } from '../commands/referrals';
import { audit } from '../audit';
import type { CommandContext } from '../context';
import { observeCommitted } from '../context';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { authorize, policy } from '../policies';
import { getTimeline, getTraceback } from '../queries/tracebacks';
import { ensureEvidenceKey, openEvidenceKey } from './keys';
import { renderReport } from './report';
import { sha256Hex, signManifest } from './signature';
import { MANIFEST_PATH, PUBLIC_KEY_PATH, SIGNATURE_PATH } from './verify';

/** The most tracebacks one package holds (a campaign with more is refused: build it in parts). */
export const MAX_TRACEBACKS_PER_PACKAGE = 200;

export interface BuiltPackage {
  id: string;
  sha256: string;
  manifestSha256: string;
}

/**
 * Builds, signs and stores an evidence package of any list of tracebacks (decision 0025): each is read
 * through getTraceback / getTimeline as the builder may read it, so access, the origin's customer (CPNI,
 * recorded as read like any view) and the RMD standing at the time of the call follow the same rules as
 * the traceback page. One transaction: the tracebacks locked in id order, the package stored with its
 * exact bytes, and `evidence.built` on each traceback's timeline.
 */
export async function buildEvidencePackage(
  ctx: CommandContext & {
    tracebackIds: string[];
    scope?: TEvidenceManifest['scope'];
    campaignId?: string | null;
  },
): Promise<BuiltPackage> {
  const { actor, clock } = ctx;
  const ids = [...new Set(ctx.tracebackIds)];
  if (ids.length === 0) throw InvalidInputError.field('tracebackIds', 'must name at least one traceback');
  if (ids.length > MAX_TRACEBACKS_PER_PACKAGE)
    throw InvalidInputError.field(
      'tracebackIds',
      `must name at most ${MAX_TRACEBACKS_PER_PACKAGE} tracebacks`,
    );
  for (const id of ids)
    if (!policy.evidencePackage(actor, await referredToActor(ctx.db, actor, id)))
      throw new NotFoundError('traceback');
  const scope = ctx.scope ?? (ids.length === 1 ? 'traceback' : 'tracebacks');
  const key = await ensureEvidenceKey(ctx);
  const privateKey = openEvidenceKey(key, ctx);

  const committed: EventInsert[] = [];
  const built = await ctx.db.transaction(async (tx) => {
    if ((await lockTracebacks(tx, ids)).length !== ids.length) throw new NotFoundError('traceback');
    const inTx = { ...ctx, db: tx };
    const packageId = randomUUID();
    const builtAt = clock.now();
    const files = new Map<string, Uint8Array>();
    const cases: TEvidenceTracebackFile[] = [];
    for (const tracebackId of ids) {
      const { can: _can, evidence: _evidence, ...traceback } = await getTraceback({ ...inTx, tracebackId });
      const timeline = await getTimeline({ ...inTx, tracebackId });
      // The attachments the builder may read are the ones its view of the traceback lists.
      const listed = traceback.hops.flatMap((h) => h.attachments ?? []);
      const rows = await attachmentsWithData(
        tx,
        listed.map((a) => a.id),
      );
      const attachments = rows.map((row) => {
        if (sha256Hex(row.data) !== row.sha256)
          throw new Error(`attachment ${row.id} does not match the SHA-256 stored with it`);
        const path = `attachments/${row.id}/${row.fileName}`;
        files.set(path, row.data);
        return {
          path,
          attachmentId: row.id,
          hopId: row.hopId,
          name: row.fileName,
          contentType: row.contentType,
          size: row.sizeBytes,
          sha256: row.sha256,
          uploadedAt: row.uploadedAt.toISOString(),
        };
      });
      cases.push({
        format: EVIDENCE_TRACEBACK_FORMAT,
        packageId,
        builtAt: builtAt.toISOString(),
        traceback,
        timeline,
        attachments,
      });
    }
    const header = {
      packageId,
      scope,
      tracebackIds: ids,
      campaignId: ctx.campaignId ?? null,
      builtAt: builtAt.toISOString(),
      builtBy: { userId: actor.userId, label: actor.label },
      key: { id: key.id, algorithm: 'Ed25519' as const, fingerprint: key.fingerprint },
    };
    const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
    const ordered = new Map<string, Uint8Array>();
    ordered.set('report.pdf', await renderReport(header, cases));
    if (cases.length === 1) ordered.set('traceback.json', json(cases[0]));
    else for (const c of cases) ordered.set(`tracebacks/${c.traceback.id}.json`, json(c));
    ordered.set('schema.json', json(evidenceTracebackJsonSchema()));
    for (const [path, data] of files) ordered.set(path, data);
    ordered.set(PUBLIC_KEY_PATH, Buffer.from(key.publicKeyPem));

    const manifest: TEvidenceManifest = {
      format: EVIDENCE_FORMAT,
      ...header,
      files: [...ordered].map(([path, data]) => ({ path, size: data.length, sha256: sha256Hex(data) })),
    };
    const manifestBytes = json(manifest);
    const signature = signManifest(manifestBytes, { ...key, privateKey });
    const zip = zipSync(
      {
        [MANIFEST_PATH]: manifestBytes,
        [SIGNATURE_PATH]: Buffer.from(signature),
        ...Object.fromEntries(ordered),
      },
      { level: 6, mtime: builtAt },
    );
    const manifestSha256 = sha256Hex(manifestBytes);
    const sha256 = createHash('sha256').update(zip).digest('hex');
    await insertEvidencePackage(tx, {
      id: packageId,
      scope,
      tracebackId: scope === 'traceback' ? ids[0]! : null,
      campaignId: ctx.campaignId ?? null,
      tracebackIds: ids,
      builtBy: actor.userId,
      builtByLabel: actor.label,
      builtAt,
      sha256,
      manifestSha256,
      keyId: key.id,
      sizeBytes: zip.length,
      data: Buffer.from(zip),
    });
    const events: EventInsert[] = ids.map((tracebackId) => ({
      tracebackId,
      at: builtAt,
      actorUserId: actor.userId,
      actor: actor.label,
      type: 'evidence.built',
      data: { packageId, manifestSha256, sha256, scope, keyFingerprint: key.fingerprint },
    }));
    await appendEvents(tx, events);
    committed.push(...events);
    return { id: packageId, sha256, manifestSha256 };
  });
  observeCommitted(ctx.settings, committed);
  return built;
}

/** A package of a campaign's tracebacks (staff); a campaign with none, or too many, is refused. */
export async function buildCampaignEvidencePackage(
  ctx: CommandContext & { campaignId: string },
): Promise<BuiltPackage> {
  authorize(policy.campaignEvidencePackage(ctx.actor), 'campaign');
  if (!(await findCampaign(ctx.db, ctx.campaignId))) throw new NotFoundError('campaign');
  const ids = await tracebackIdsOfCampaign(ctx.db, ctx.campaignId, MAX_TRACEBACKS_PER_PACKAGE + 1);
  if (ids.length === 0) throw new ConflictError('the campaign has no tracebacks to package');
  if (ids.length > MAX_TRACEBACKS_PER_PACKAGE)
    throw new ConflictError(
      `the campaign has more than ${MAX_TRACEBACKS_PER_PACKAGE} tracebacks; package them in parts`,
    );
  return buildEvidencePackage({ ...ctx, tracebackIds: ids, scope: 'campaign' });
}

/**
 * A stored package with its bytes, for whoever may build a package of every traceback in it (staff; an
 * agency only while each one is referred to it). Anyone else, or no such package: not found.
 */
export async function getEvidencePackage(
  ctx: CommandContext & { packageId: string },
): Promise<EvidencePackageRow> {
  const row = await findEvidencePackage(ctx.db, ctx.packageId);
  if (!row) throw new NotFoundError('evidence package');
  if (row.scope === 'campaign' && !policy.campaignEvidencePackage(ctx.actor))
    throw new NotFoundError('evidence package');
  for (const id of row.tracebackIds)
    if (!policy.evidencePackage(ctx.actor, await referredToActor(ctx.db, ctx.actor, id)))
      throw new NotFoundError('evidence package');
  // A package holds customer details (the origin): each download is a read of them, in the ledger.
  await audit(ctx.db, ctx, {
    action: 'evidence.downloaded',
    ...(row.campaignId
      ? { subject: 'campaign' as const, subjectId: row.campaignId }
      : row.tracebackIds.length === 1
        ? { subject: 'traceback' as const, subjectId: row.tracebackIds[0] }
        : { subject: 'none' as const }),
    details: { packageId: row.id, sha256: row.sha256, tracebacks: row.tracebackIds.length },
  });
  return row;
}
