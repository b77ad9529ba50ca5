import type { TProviderCreate, TProviderPatch } from '@hoptrace/contracts';
import {
  findProvider,
  insertProvider,
  updateProvider as updateProviderRow,
  type ProviderRow,
} from '@hoptrace/db';
import type { CommandContext } from '../context';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { authorize, policy, PROVIDER_SELF_SERVICE_FIELDS } from '../policies';

/** Providers named without a time zone keep the consortium's default until someone knows better. */
export const DEFAULT_PROVIDER_TIMEZONE = 'America/New_York';

export async function createProvider(ctx: CommandContext & { input: TProviderCreate }): Promise<ProviderRow> {
  const { db, actor, input } = ctx;
  authorize(policy.createProvider(actor), 'route');
  return insertProvider(db, {
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
  const row = await updateProviderRow(
    db,
    providerId,
    { ...rest, ...(ocns ? { ocns: [...new Set(ocns)] } : {}) },
    clock.now(),
  );
  if (!row) throw new NotFoundError('provider');
  return row;
}
