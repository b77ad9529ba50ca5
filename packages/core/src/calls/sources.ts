import type {
  TCallListQuery,
  TCallSource,
  TCallSourceCreate,
  TCallSourcePatch,
  TCallView,
  TFeedKey,
  TFeedKeyCreate,
} from '@hoptrace/contracts';
import { normalizePhoneNumber } from '@hoptrace/contracts';
import {
  ensureCallSource,
  findCall,
  findCallSource,
  findCallSourceByName,
  findProvider,
  insertApiKey,
  listCallSources,
  listCalls,
  listFeedKeysOfSource,
  revokeFeedKeyRow,
  updateCallSource,
  type ApiKeyRow,
  type CallRow,
  type CallSourceListRow,
  type Page,
} from '@hoptrace/db';
import { generateSecret, hashSecret, invalidateApiKeys } from '../auth';
import { audit } from '../audit';
import { pgErrorCode, type CommandContext } from '../context';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { authorize, policy } from '../policies';

function presentSource(s: CallSourceListRow): TCallSource {
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    terminatingProviderId: s.terminatingProviderId,
    terminatingProviderName: s.terminatingProviderName,
    createdAt: s.createdAt.toISOString(),
    callCount: s.callCount,
    lastReceivedAt: s.lastReceivedAt?.toISOString() ?? null,
  };
}

/** Every feed, for staff (a feed key reaches no route but POST /calls). */
export async function listCallSourcesFor(ctx: CommandContext): Promise<TCallSource[]> {
  authorize(policy.manageCallSources(ctx.actor), 'route');
  return (await listCallSources(ctx.db)).map(presentSource);
}

async function presentOne(ctx: CommandContext, id: number): Promise<TCallSource> {
  const found = (await listCallSources(ctx.db)).find((s) => s.id === id);
  if (!found) throw new NotFoundError('call source');
  return presentSource(found);
}

async function checkProvider(ctx: CommandContext, providerId: string | null | undefined) {
  if (providerId && !(await findProvider(ctx.db, providerId)))
    throw InvalidInputError.field('terminatingProviderId', 'no provider with this id in the directory');
}

export async function createCallSource(
  ctx: CommandContext & { input: TCallSourceCreate },
): Promise<TCallSource> {
  authorize(policy.manageCallSources(ctx.actor), 'route');
  await checkProvider(ctx, ctx.input.terminatingProviderId);
  if (await findCallSourceByName(ctx.db, ctx.input.name))
    throw new ConflictError(`a call source named "${ctx.input.name}" exists already`);
  const id = await ctx.db.transaction(async (tx) => {
    const { source } = await ensureCallSource(tx, {
      name: ctx.input.name,
      createdBy: ctx.actor.userId,
      createdAt: ctx.clock.now(),
    });
    await updateCallSource(tx, source.id, {
      description: ctx.input.description ?? null,
      terminatingProviderId: ctx.input.terminatingProviderId ?? null,
    });
    await audit(tx, ctx, {
      action: 'call_source.created',
      subject: 'call_source',
      subjectId: source.id,
      details: { name: ctx.input.name, terminatingProviderId: ctx.input.terminatingProviderId ?? null },
    });
    return source.id;
  });
  return presentOne(ctx, id);
}

export async function updateCallSourceFor(
  ctx: CommandContext & { sourceId: number; input: TCallSourcePatch },
): Promise<TCallSource> {
  authorize(policy.manageCallSources(ctx.actor), 'route');
  if (!(await findCallSource(ctx.db, ctx.sourceId))) throw new NotFoundError('call source');
  await checkProvider(ctx, ctx.input.terminatingProviderId);
  try {
    await ctx.db.transaction(async (tx) => {
      await updateCallSource(tx, ctx.sourceId, {
        ...(ctx.input.name !== undefined ? { name: ctx.input.name } : {}),
        ...(ctx.input.description !== undefined ? { description: ctx.input.description } : {}),
        ...(ctx.input.terminatingProviderId !== undefined
          ? { terminatingProviderId: ctx.input.terminatingProviderId }
          : {}),
      });
      await audit(tx, ctx, {
        action: 'call_source.updated',
        subject: 'call_source',
        subjectId: ctx.sourceId,
        details: {
          changed: Object.keys(ctx.input).filter((k) => ctx.input[k as keyof TCallSourcePatch] !== undefined),
        },
      });
    });
  } catch (err) {
    if (pgErrorCode(err) === '23505')
      throw new ConflictError(`a call source named "${ctx.input.name}" exists already`);
    throw err;
  }
  return presentOne(ctx, ctx.sourceId);
}

function presentFeedKey(k: ApiKeyRow): TFeedKey {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    sourceId: k.sourceId!,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
  };
}

/** A key for a honeypot operator: it sends call records of this source, and nothing else. */
export async function createFeedKey(
  ctx: CommandContext & { sourceId: number; input: TFeedKeyCreate },
): Promise<TFeedKey & { key: string }> {
  authorize(policy.manageCallSources(ctx.actor), 'route');
  if (!(await findCallSource(ctx.db, ctx.sourceId))) throw new NotFoundError('call source');
  const key = generateSecret('htf');
  const row = await ctx.db.transaction(async (tx) => {
    const created = await insertApiKey(tx, {
      userId: null,
      sourceId: ctx.sourceId,
      name: ctx.input.name,
      prefix: key.slice(0, 12),
      keyHash: hashSecret(key),
      scopes: ['feed'],
      createdAt: ctx.clock.now(),
    });
    await audit(tx, ctx, {
      action: 'feed_key.created',
      subject: 'feed_key',
      subjectId: created.id,
      details: { sourceId: ctx.sourceId, name: created.name },
    });
    return created;
  });
  return { ...presentFeedKey(row), key };
}

export async function listFeedKeys(ctx: CommandContext & { sourceId: number }): Promise<TFeedKey[]> {
  authorize(policy.manageCallSources(ctx.actor), 'route');
  if (!(await findCallSource(ctx.db, ctx.sourceId))) throw new NotFoundError('call source');
  return (await listFeedKeysOfSource(ctx.db, ctx.sourceId)).map(presentFeedKey);
}

export async function revokeFeedKey(
  ctx: CommandContext & { sourceId: number; keyId: string },
): Promise<TFeedKey> {
  authorize(policy.manageCallSources(ctx.actor), 'route');
  const row = await ctx.db.transaction(async (tx) => {
    const revoked = await revokeFeedKeyRow(tx, ctx.sourceId, ctx.keyId, ctx.clock.now());
    if (revoked)
      await audit(tx, ctx, {
        action: 'feed_key.revoked',
        subject: 'feed_key',
        subjectId: revoked.id,
        details: { sourceId: ctx.sourceId, name: revoked.name },
      });
    return revoked;
  });
  if (!row) throw new NotFoundError('feed key');
  invalidateApiKeys({ keyId: row.id });
  return presentFeedKey(row);
}

export function presentCall(c: CallRow, sourceName: string): TCallView {
  return {
    id: c.id,
    source: sourceName,
    externalId: c.externalId,
    startedAt: c.startedAt.toISOString(),
    startedAtPrecision: c.startedAtPrecision,
    receivedAt: c.receivedAt.toISOString(),
    callingNumber: c.callingNumber,
    calledNumber: c.calledNumber,
    transcript: c.transcript,
    language: c.language,
    durationSeconds: c.durationSeconds,
    kind: c.kind,
    identityHeader: c.identityHeader,
    attestation:
      c.attestation === 'A' || c.attestation === 'B' || c.attestation === 'C' ? c.attestation : null,
    shakenStatus: c.shakenStatus,
    signerOcn: c.signerOcn,
    audioFingerprint: c.audioFingerprint,
    dnoCategory: c.dnoCategory,
    neighbourSpoof: c.neighbourSpoof,
    callbackNumbers: c.callbackNumbers,
    campaignId: c.campaignId,
    assignedBy: c.assignedBy,
    metadata: c.metadata ?? null,
  };
}

/**
 * The names of the sources of these calls. Looked up one by one: listCallSources counts every
 * call of every source, too much for each page of calls.
 */
async function sourceNames(ctx: CommandContext, rows: readonly CallRow[]): Promise<Map<number, string>> {
  const ids = [...new Set(rows.map((r) => r.sourceId))];
  const sources = await Promise.all(ids.map((id) => findCallSource(ctx.db, id)));
  return new Map(sources.filter((s) => s !== undefined).map((s) => [s.id, s.name]));
}

/** A feed key's own source, which it may leave unnamed; null for any other actor. */
export async function feedSourceName(ctx: CommandContext): Promise<string | null> {
  const { actor } = ctx;
  if (actor.role !== 'feed' || actor.sourceId === undefined) return null;
  return (await findCallSource(ctx.db, actor.sourceId))?.name ?? null;
}

export async function listCallsFor(
  ctx: CommandContext & { query: TCallListQuery },
): Promise<Page<TCallView>> {
  authorize(policy.readCalls(ctx.actor), 'route');
  const { query } = ctx;
  let sourceId: number | undefined;
  if (query.source) {
    const source = await findCallSourceByName(ctx.db, query.source);
    if (!source) return { items: [], nextCursor: null };
    sourceId = source.id;
  }
  let number: string | undefined;
  if (query.number) {
    const parsed = normalizePhoneNumber(query.number);
    if (!parsed.ok) throw InvalidInputError.field('number', `"${query.number}" ${parsed.reason}`);
    number = parsed.e164;
  }
  // A cursor this server did not issue is answered 400 at query.cursor by the problems plugin.
  const page: Page<CallRow> = await listCalls(
    ctx.db,
    { sourceId, campaignId: query.campaignId, number },
    query,
  );
  const names = await sourceNames(ctx, page.items);
  return {
    items: page.items.map((c) => presentCall(c, names.get(c.sourceId) ?? '')),
    nextCursor: page.nextCursor,
  };
}

export async function getCall(ctx: CommandContext & { callId: string }): Promise<TCallView> {
  authorize(policy.readCalls(ctx.actor), 'route');
  const row = await findCall(ctx.db, ctx.callId);
  if (!row) throw new NotFoundError('call');
  return presentCall(row, (await sourceNames(ctx, [row])).get(row.sourceId) ?? '');
}
