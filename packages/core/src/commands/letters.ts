import type { THopLetterFlag, TLetter, TLetterCreate, TLetterList } from '@hoptrace/contracts';
import {
  findProvider,
  insertProviderLetter,
  lettersOfProvider,
  lettersOfProviders,
  type Executor,
  type ProviderLetterMeta,
} from '@hoptrace/db';
import { audit } from '../audit';
import type { CommandContext } from '../context';
import { NotFoundError } from '../errors';
import { authorize, policy } from '../policies';

/**
 * Cease-and-desist letters (decision 0029): the FCC's and the FTC's letters to a provider, recorded by
 * staff, read by staff and the provider's own users, and a red flag on the provider's hops in calls
 * made on or after the letter's date.
 */
export function presentLetter(l: ProviderLetterMeta): TLetter {
  return {
    id: l.id,
    providerId: l.providerId,
    issuer: l.issuer,
    issuedOn: l.issuedOn,
    responseDueOn: l.responseDueOn,
    url: l.url,
    summary: l.summary,
    document:
      l.documentSha256 && l.documentName
        ? {
            name: l.documentName,
            sha256: l.documentSha256,
            url: `/api/v1/providers/${l.providerId}/letters/${l.id}/document`,
          }
        : null,
    createdAt: l.createdAt.toISOString(),
  };
}

/** A provider the caller may act on, merged records followed to the kept one; 404 otherwise. */
async function providerOf(db: Executor, providerId: string) {
  const p = await findProvider(db, providerId);
  if (!p) throw new NotFoundError('provider');
  return p;
}

export async function recordProviderLetter(
  ctx: CommandContext & { providerId: string; input: TLetterCreate },
): Promise<TLetter> {
  const { actor, clock, input } = ctx;
  authorize(policy.recordLetters(actor), 'provider');
  return ctx.db.transaction(async (tx) => {
    const provider = await providerOf(tx, ctx.providerId);
    if (provider.mergedIntoId) throw new NotFoundError('provider');
    const row = await insertProviderLetter(tx, {
      providerId: provider.id,
      issuer: input.issuer,
      issuedOn: input.issuedOn,
      responseDueOn: input.responseDueOn ?? null,
      url: input.url ?? null,
      summary: input.summary,
      createdBy: actor.userId,
      createdAt: clock.now(),
    });
    await audit(tx, ctx, {
      action: 'provider_letter.recorded',
      subject: 'provider_letter',
      subjectId: row.id,
      details: { providerId: provider.id, issuer: row.issuer, issuedOn: row.issuedOn },
    });
    return presentLetter(row);
  });
}

export async function listProviderLetters(
  ctx: CommandContext & { providerId: string },
): Promise<TLetterList> {
  authorize(policy.readLetters(ctx.actor, ctx.providerId), 'provider');
  await providerOf(ctx.db, ctx.providerId);
  const items = (await lettersOfProvider(ctx.db, ctx.providerId)).map(presentLetter);
  return { items, count: items.length };
}

/**
 * The letters on file against a provider, newest first, with their count: what the non-cooperation
 * policy reads (decision 0029). No access check: callers are commands that already decided.
 */
export async function lettersOnFile(
  db: Executor,
  providerId: string,
): Promise<{ count: number; letters: TLetter[] }> {
  const letters = (await lettersOfProvider(db, providerId)).map(presentLetter);
  return { count: letters.length, letters };
}

/** Per provider, the letters dated on or before the call's (UTC) date: the red flags on its hops. */
export async function lettersAtCall(
  db: Executor,
  providerIds: string[],
  callStartedAt: Date,
): Promise<Map<string, THopLetterFlag[]>> {
  const day = callStartedAt.toISOString().slice(0, 10);
  const out = new Map<string, THopLetterFlag[]>();
  for (const l of await lettersOfProviders(db, [...new Set(providerIds)])) {
    if (l.issuedOn > day) continue;
    const list = out.get(l.providerId) ?? [];
    list.push({ id: l.id, issuer: l.issuer, issuedOn: l.issuedOn });
    out.set(l.providerId, list);
  }
  return out;
}
