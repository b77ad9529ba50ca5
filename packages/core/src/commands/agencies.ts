import type { TAgency, TAgencyCreate, TAgencyPatch } from '@hoptrace/contracts';
import {
  agencyInUse,
  deleteAgencyRow,
  findAgency,
  findAgencyByName,
  insertAgency,
  listAgencyRows,
  updateAgencyRow,
  type AgencyRow,
} from '@hoptrace/db';
import { audit } from '../audit';
import type { CommandContext } from '../context';
import { pgErrorCode } from '../context';
import { ConflictError, NotFoundError } from '../errors';
import { authorize, policy } from '../policies';

/**
 * The agencies directory (decision 0026): the enforcement bodies that ask for tracebacks and receive
 * referrals. Admins keep it; staff read it; enforcement users belong to one of its rows.
 */

export function presentAgency(a: AgencyRow): TAgency {
  return {
    id: a.id,
    name: a.name,
    kind: a.kind,
    jurisdiction: a.jurisdiction,
    contacts: a.contacts.map((c) => ({ name: c.name, email: c.email, escalation: c.escalation === true })),
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}

const nameTaken = (name: string) => new ConflictError(`an agency named ${name} already exists`);

export async function createAgency(ctx: CommandContext & { input: TAgencyCreate }): Promise<TAgency> {
  const { db, actor, clock, input } = ctx;
  authorize(policy.manageAgencies(actor), 'route');
  if (await findAgencyByName(db, input.name)) throw nameTaken(input.name);
  const now = clock.now();
  try {
    const row = await db.transaction(async (tx) => {
      const created = await insertAgency(tx, {
        name: input.name,
        kind: input.kind,
        jurisdiction: input.jurisdiction ?? null,
        contacts: input.contacts.map((c) => ({
          name: c.name,
          email: c.email.toLowerCase(),
          escalation: c.escalation,
        })),
        createdAt: now,
        updatedAt: now,
      });
      await audit(tx, ctx, {
        action: 'agency.created',
        subject: 'agency',
        subjectId: created.id,
        details: { name: created.name, kind: created.kind, contacts: created.contacts.length },
      });
      return created;
    });
    return presentAgency(row);
  } catch (err) {
    if (pgErrorCode(err) === '23505') throw nameTaken(input.name);
    throw err;
  }
}

export async function updateAgency(
  ctx: CommandContext & { agencyId: string; input: TAgencyPatch },
): Promise<TAgency> {
  const { db, actor, clock, agencyId, input } = ctx;
  authorize(policy.manageAgencies(actor), 'agency');
  if (!(await findAgency(db, agencyId))) throw new NotFoundError('agency');
  if (input.name) {
    const other = await findAgencyByName(db, input.name);
    if (other && other.id !== agencyId) throw nameTaken(input.name);
  }
  try {
    const row = await db.transaction(async (tx) => {
      const updated = await updateAgencyRow(tx, agencyId, {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.kind !== undefined ? { kind: input.kind } : {}),
        ...(input.jurisdiction !== undefined ? { jurisdiction: input.jurisdiction } : {}),
        ...(input.contacts !== undefined
          ? {
              contacts: input.contacts.map((c) => ({
                name: c.name,
                email: c.email.toLowerCase(),
                escalation: c.escalation,
              })),
            }
          : {}),
        updatedAt: clock.now(),
      });
      if (updated)
        await audit(tx, ctx, {
          action: 'agency.updated',
          subject: 'agency',
          subjectId: agencyId,
          details: {
            changed: Object.keys(input).filter((k) => input[k as keyof TAgencyPatch] !== undefined),
          },
        });
      return updated;
    });
    if (!row) throw new NotFoundError('agency');
    return presentAgency(row);
  } catch (err) {
    if (pgErrorCode(err) === '23505') throw nameTaken(input.name ?? '');
    throw err;
  }
}

/** Removes an agency nobody points at; one with users, referrals or requests is kept (409: the record stays). */
export async function deleteAgency(ctx: CommandContext & { agencyId: string }): Promise<void> {
  const { db, actor, agencyId } = ctx;
  authorize(policy.manageAgencies(actor), 'agency');
  await db.transaction(async (tx) => {
    if (!(await findAgency(tx, agencyId))) throw new NotFoundError('agency');
    if (await agencyInUse(tx, agencyId))
      throw new ConflictError('the agency has users, referrals or requests; it stays in the directory');
    await deleteAgencyRow(tx, agencyId);
    await audit(tx, ctx, { action: 'agency.deleted', subject: 'agency', subjectId: agencyId });
  });
}

export async function listAgencies(ctx: CommandContext): Promise<TAgency[]> {
  authorize(policy.readAgencies(ctx.actor), 'route');
  return (await listAgencyRows(ctx.db)).map(presentAgency);
}

export async function getAgency(ctx: CommandContext & { agencyId: string }): Promise<TAgency> {
  authorize(policy.readAgencies(ctx.actor), 'agency');
  const row = await findAgency(ctx.db, ctx.agencyId);
  if (!row) throw new NotFoundError('agency');
  return presentAgency(row);
}

/** The agency of a name (the CLI's `--agency NAME`); undefined when the directory has none. */
export async function agencyIdByName(ctx: CommandContext & { name: string }): Promise<string | undefined> {
  authorize(policy.manageUsers(ctx.actor) || policy.readAgencies(ctx.actor), 'route');
  return (await findAgencyByName(ctx.db, ctx.name))?.id;
}
