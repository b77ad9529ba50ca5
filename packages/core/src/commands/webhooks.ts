import { randomBytes } from 'node:crypto';
import {
  deactivateWebhookEndpoint,
  findProvider,
  findWebhookEndpoint,
  insertWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  type WebhookDeliveryRow,
  type WebhookEndpointRow,
} from '@hoptrace/db';
import { audit } from '../audit';
import type { CommandContext } from '../context';
import { InvalidInputError, NotFoundError } from '../errors';
import { policy } from '../policies';

export const MAX_WEBHOOKS_PER_PROVIDER = 10;

/**
 * Registers an endpoint for a provider. `refuseUrl` is the door's network
 * policy (https only, no private addresses unless configured), so the core
 * stays free of I/O.
 */
export async function createWebhook(
  ctx: CommandContext & {
    providerId: string;
    input: { url: string; events: string[] };
    refuseUrl: (url: string) => Promise<string | null>;
  },
): Promise<{ row: WebhookEndpointRow; secret: string }> {
  const { db, actor, clock, providerId, input } = ctx;
  if (!policy.manageWebhooks(actor, providerId) || !(await findProvider(db, providerId)))
    throw new NotFoundError('provider');
  const refused = await ctx.refuseUrl(input.url);
  if (refused) throw InvalidInputError.field('url', refused);
  const existing = (await listWebhookEndpoints(db, providerId)).filter((e) => e.active);
  if (existing.length >= MAX_WEBHOOKS_PER_PROVIDER)
    throw InvalidInputError.field(
      'url',
      `a provider may register at most ${MAX_WEBHOOKS_PER_PROVIDER} webhooks`,
    );
  const secret = `whsec_${randomBytes(32).toString('base64url')}`;
  const row = await db.transaction(async (tx) => {
    const created = await insertWebhookEndpoint(tx, {
      providerId,
      url: input.url,
      secret,
      events: [...new Set(input.events)],
      createdBy: actor.userId,
      createdAt: clock.now(),
    });
    await audit(tx, ctx, {
      action: 'webhook.created',
      subject: 'webhook',
      subjectId: created.id,
      details: { providerId, origin: urlOrigin(input.url), events: created.events },
    });
    return created;
  });
  return { row, secret };
}

export async function listWebhooks(
  ctx: CommandContext & { providerId: string },
): Promise<WebhookEndpointRow[]> {
  if (!policy.manageWebhooks(ctx.actor, ctx.providerId)) throw new NotFoundError('provider');
  return listWebhookEndpoints(ctx.db, ctx.providerId);
}

async function ownEndpoint(ctx: CommandContext & { providerId: string; webhookId: string }) {
  const endpoint = await findWebhookEndpoint(ctx.db, ctx.webhookId);
  if (
    !endpoint ||
    endpoint.providerId !== ctx.providerId ||
    !policy.manageWebhooks(ctx.actor, endpoint.providerId)
  )
    throw new NotFoundError('webhook');
  return endpoint;
}

export async function deleteWebhook(
  ctx: CommandContext & { providerId: string; webhookId: string },
): Promise<void> {
  const endpoint = await ownEndpoint(ctx);
  // Deactivated, not deleted: its delivery log stays readable.
  await ctx.db.transaction(async (tx) => {
    await deactivateWebhookEndpoint(tx, endpoint.id);
    await audit(tx, ctx, {
      action: 'webhook.deleted',
      subject: 'webhook',
      subjectId: endpoint.id,
      details: { providerId: endpoint.providerId, origin: urlOrigin(endpoint.url) },
    });
  });
}

export async function listDeliveries(
  ctx: CommandContext & { providerId: string; webhookId: string; limit: number },
): Promise<WebhookDeliveryRow[]> {
  const endpoint = await ownEndpoint(ctx);
  return listWebhookDeliveries(ctx.db, endpoint.id, ctx.limit);
}

/** Where a webhook points, without its path or query (which may carry a token). */
function urlOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(not a URL)';
  }
}
