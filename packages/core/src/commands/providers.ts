import type { TProviderCreate, TProviderPatch } from '@hoptrace/contracts';
import {
  findProvider,
  insertProvider,
  updateProvider as updateProviderRow,
  type ProviderRow,
} from '@hoptrace/db';
import { audit, changedFields } from '../audit';
import type { CommandContext } from '../context';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { noticeContactsWelcome } from '../notify/notices';
import { authorize, policy, PROVIDER_SELF_SERVICE_FIELDS } from '../policies';

/** Providers named without a time zone keep the consortium's default until someone knows better. */
export const DEFAULT_PROVIDER_TIMEZONE = 'America/New_York';

export async function createProvider(ctx: CommandContext & { input: TProviderCreate }): Promise<ProviderRow> {
  const { db, actor, input } = ctx;
  authorize(policy.createProvider(actor), 'route');
  return db.transaction(async (tx) => {
    const row = await insertProvider(tx, {
      name: input.name,
      dbaNames: input.dbaNames,
      country: input.country,
      ocns: [...new Set(input.ocns)],
      frn: input.frn ?? null,
      rmdNumber: input.rmdNumber ?? null,
      timezone: input.timezone ?? DEFAULT_PROVIDER_TIMEZONE,
      contacts: input.contacts,
      escalationContacts: input.escalationContacts,
      businessHours: input.businessHours ?? null,
      allowLinkAnswers: input.allowLinkAnswers ?? true,
      // A provider entered by staff is vouched for unless they say otherwise.
      verified: input.verified ?? true,
      createdBy: actor.userId,
    });
    await noticeContactsWelcome(tx, { provider: row, now: ctx.clock.now() });
    await audit(tx, ctx, {
      action: 'provider.created',
      subject: 'provider',
      subjectId: row.id,
      details: { name: row.name, ocns: row.ocns, frn: row.frn, verified: row.verified },
    });
    return row;
  });
}

export async function updateProvider(
  ctx: CommandContext & { providerId: string; input: TProviderPatch },
): Promise<ProviderRow> {
  const { db, actor, clock, providerId, input } = ctx;
  if (!policy.updateProvider(actor, providerId)) throw new NotFoundError('provider');
  if (actor.role === 'provider') {
    const refused = Object.keys(input).filter(
      (k) => !(PROVIDER_SELF_SERVICE_FIELDS as readonly string[]).includes(k),
    );
    if (refused.length)
      throw new InvalidInputError(
        'only consortium staff may change these fields',
        refused.map((path) => ({ path, message: 'only consortium staff may change this field' })),
      );
  }
  const current = await findProvider(db, providerId);
  if (!current) throw new NotFoundError('provider');
  if (current.mergedIntoId)
    throw new ConflictError(`this record was merged into ${current.mergedIntoId}; change that one instead`);
  const { ocns, ...rest } = input;
  const patch = { ...rest, ...(ocns ? { ocns: [...new Set(ocns)] } : {}) };
  const row = await db.transaction(async (tx) => {
    const updated = await updateProviderRow(tx, providerId, patch, clock.now());
    const changed = changedFields(current, patch as Partial<ProviderRow>);
    if (updated && (changed.includes('contacts') || changed.includes('escalationContacts')))
      await noticeContactsWelcome(tx, { provider: updated, before: current, now: clock.now() });
    if (updated && changed.length)
      await audit(tx, ctx, {
        action: 'provider.updated',
        subject: 'provider',
        subjectId: providerId,
        details: { name: current.name, changed },
      });
    return updated;
  });
  if (!row) throw new NotFoundError('provider');
  return row;
}
