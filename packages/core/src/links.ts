import { appendEvents, findHop, findHopLink, findProvider, type Db } from '@hoptrace/db';
import type { Actor } from './actor';
import { hashSecret } from './auth';
import type { Clock } from './clock/clock';

export type LinkResolution =
  | { ok: true; actor: Actor; hopId: string; tracebackId: string; linkId: string }
  | { ok: false; status: 401 | 403 | 410; reason: string };

/**
 * A one-hop link acts for the hop's provider, for that hop only. It dies seven
 * days after the hop closes, when revoked, or when the provider has asked that
 * answers come only from signed-in users.
 */
export async function resolveHopLink(opts: { db: Db; clock: Clock }, token: string): Promise<LinkResolution> {
  const link = await findHopLink(opts.db, hashSecret(token));
  if (!link || link.revokedAt) return { ok: false, status: 401, reason: 'this link is not valid' };
  const now = opts.clock.now();
  if (link.expiresAt && link.expiresAt.getTime() <= now.getTime())
    return {
      ok: false,
      status: 410,
      reason: 'this link has expired: the request closed more than seven days ago',
    };
  const hop = await findHop(opts.db, link.hopId);
  const provider = hop && (await findProvider(opts.db, hop.providerId));
  if (!hop || !provider) return { ok: false, status: 401, reason: 'this link is not valid' };
  if (!provider.allowLinkAnswers)
    return {
      ok: false,
      status: 403,
      reason: `${provider.name} requires its users to sign in to answer traceback requests`,
    };
  return {
    ok: true,
    hopId: hop.id,
    tracebackId: hop.tracebackId,
    linkId: link.id,
    actor: {
      userId: null,
      role: 'provider',
      providerId: hop.providerId,
      label: `link:${link.id.slice(0, 8)}`,
      channel: 'link',
      hopScope: hop.id,
    },
  };
}

/** Every use of a link is on the traceback's timeline. */
export async function recordLinkUse(
  opts: { db: Db; clock: Clock },
  use: { tracebackId: string; hopId: string; linkId: string; action: string; ip: string },
): Promise<void> {
  await appendEvents(opts.db, [
    {
      tracebackId: use.tracebackId,
      hopId: use.hopId,
      at: opts.clock.now(),
      actorUserId: null,
      actor: `link:${use.linkId.slice(0, 8)}`,
      type: 'link.used',
      data: { linkId: use.linkId, action: use.action, ip: use.ip },
    },
  ]);
}
