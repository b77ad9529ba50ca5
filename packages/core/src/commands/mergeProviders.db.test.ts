import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findProvider, hopsOf, listEvents, listProviders, schema } from '@hoptrace/db';
import { eq, isNull } from 'drizzle-orm';
import { HOUR_MS } from '../clock/clock';
import { ConflictError, NotFoundError } from '../errors';
import { getProvider } from '../queries/directory';
import { setupCore } from '../testing/fixtures';
import { answerHop } from './answerHop';
import { MergeTargetError, mergeProviders } from './mergeProviders';
import { openTraceback } from './openTraceback';
import { updateProvider } from './providers';

let env: Awaited<ReturnType<typeof setupCore>>;
beforeAll(async () => {
  env = await setupCore();
});
afterAll(async () => {
  await env.close();
});

const call = {
  startedAt: new Date('2026-11-01T14:03:00Z'),
  callingNumber: '+12025550143',
  calledNumber: '+13125550188',
};

describe('mergeProviders', () => {
  it('moves the history of one record onto the other, unions identifiers and leaves a pointer', async () => {
    const a = await env.provider('Gadwall Transit Voice');
    const dup = await env.provider('Gadwall Transit');
    const into = await env.provider('Gadwall Transit Voice LLC');
    await updateProvider({
      ...env.ctx(env.analyst),
      providerId: dup.provider.id,
      input: { dbaNames: ['Marshline'], frn: '0012345678', ocns: ['G1D2', dup.provider.ocns[0]!] },
    });
    // A traceback first to a, which names `dup` upstream; dup's hop names nobody yet. A second opened at dup.
    const tb = await openTraceback({
      ...env.ctx(env.analyst),
      input: { call, firstProviderId: a.provider.id },
    });
    const [first] = await hopsOf(env.db, tb.id);
    env.clock.advance(HOUR_MS);
    await answerHop({
      ...env.ctx(a.actor),
      hopId: first!.id,
      input: { kind: 'upstream', upstreamProviderId: dup.provider.id },
    });
    const tb2 = await openTraceback({
      ...env.ctx(env.analyst),
      input: { call, firstProviderId: dup.provider.id },
    });
    const before = (
      await env.db.select().from(schema.hops).where(eq(schema.hops.providerId, dup.provider.id))
    ).length;
    expect(before).toBe(2);

    const result = await mergeProviders({
      ...env.ctx(env.admin),
      from: dup.provider.id,
      into: into.provider.id,
    });
    expect(result.moved).toMatchObject({
      hops: 2,
      upstreamHops: 1,
      tracebacks: 1,
      users: 1,
      rmdLink: 'none',
    });
    expect(result.tracebackIds.sort()).toEqual([tb.id, tb2.id].sort());

    // Nothing refers to the merged record any more.
    expect(await env.db.$count(schema.hops, eq(schema.hops.providerId, dup.provider.id))).toBe(0);
    expect(await env.db.$count(schema.hops, eq(schema.hops.upstreamProviderId, dup.provider.id))).toBe(0);
    expect(
      await env.db.$count(schema.tracebacks, eq(schema.tracebacks.firstProviderId, dup.provider.id)),
    ).toBe(0);
    expect(await env.db.$count(schema.users, eq(schema.users.providerId, dup.provider.id))).toBe(0);
    expect(await env.db.$count(schema.hops, eq(schema.hops.providerId, into.provider.id))).toBe(2);

    const kept = (await findProvider(env.db, into.provider.id))!;
    expect(kept.dbaNames).toEqual(['Gadwall Transit', 'Marshline']);
    expect(kept.ocns).toEqual([into.provider.ocns[0], 'G1D2', dup.provider.ocns[0]]);
    expect(kept.frn).toBe('0012345678');
    expect(kept.contacts.map((c) => c.email).sort()).toEqual(
      [...into.provider.contacts, ...dup.provider.contacts].map((c) => c.email).sort(),
    );
    expect(kept.searchText).toContain('marshline');

    const gone = (await findProvider(env.db, dup.provider.id))!;
    expect(gone.mergedIntoId).toBe(into.provider.id);
    expect(gone.mergedAt).toEqual(env.clock.now());
    const page = await getProvider({ ...env.ctx(env.analyst), providerId: dup.provider.id });
    expect(page.mergedInto).toMatchObject({ id: into.provider.id, name: 'Gadwall Transit Voice LLC' });
    expect(page.can.update).toBe(false);
    expect((await getProvider({ ...env.ctx(env.analyst), providerId: into.provider.id })).mergedInto).toBe(
      undefined,
    );

    // The timeline of both tracebacks says what happened; one more event records the merge itself.
    for (const id of [tb.id, tb2.id]) {
      const events = await listEvents(env.db, id);
      expect(events.find((e) => e.type === 'provider.merged')?.data).toMatchObject({
        fromProviderId: dup.provider.id,
        intoProviderId: into.provider.id,
      });
    }
    const audit = await env.db.select().from(schema.events).where(isNull(schema.events.tracebackId));
    expect(audit.filter((e) => e.type === 'provider.merged')).toHaveLength(1);

    // Merged records are left out of the directory, by list and by search.
    const all = await listProviders(env.db, { limit: 100 });
    expect(all.items.map((p) => p.id)).not.toContain(dup.provider.id);
    const found = await listProviders(env.db, { q: 'gadwall transit', limit: 10 });
    expect(found.items.map((p) => p.id)).not.toContain(dup.provider.id);
    expect(found.items.map((p) => p.id)).toContain(into.provider.id);
    // Searching by the merged record's name or OCN now finds the record that kept it.
    expect((await listProviders(env.db, { q: 'marshline', limit: 10 })).items[0]?.id).toBe(into.provider.id);
    expect((await listProviders(env.db, { q: 'g1d2', limit: 10 })).items[0]?.id).toBe(into.provider.id);
  });

  it('refuses to merge twice, into a merged record, into itself, or with unknown records — changing nothing', async () => {
    const x = await env.provider('Pintail Networks');
    const y = await env.provider('Pintail Networks Inc');
    const z = await env.provider('Teal Carrier');
    await mergeProviders({ ...env.ctx(env.admin), from: x.provider.id, into: y.provider.id });
    const events = await env.db.$count(schema.events);

    await expect(
      mergeProviders({ ...env.ctx(env.admin), from: x.provider.id, into: z.provider.id }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      mergeProviders({ ...env.ctx(env.admin), from: z.provider.id, into: x.provider.id }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      mergeProviders({ ...env.ctx(env.admin), from: z.provider.id, into: z.provider.id }),
    ).rejects.toBeInstanceOf(MergeTargetError);
    await expect(
      mergeProviders({
        ...env.ctx(env.admin),
        from: z.provider.id,
        into: '00000000-0000-4000-8000-000000000000',
      }),
    ).rejects.toBeInstanceOf(MergeTargetError);
    await expect(
      mergeProviders({
        ...env.ctx(env.admin),
        from: '00000000-0000-4000-8000-000000000000',
        into: z.provider.id,
      }),
    ).rejects.toBeInstanceOf(NotFoundError);
    // Only admins merge.
    await expect(
      mergeProviders({ ...env.ctx(env.analyst), from: z.provider.id, into: y.provider.id }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      mergeProviders({ ...env.ctx(z.actor), from: z.provider.id, into: y.provider.id }),
    ).rejects.toBeInstanceOf(NotFoundError);

    expect(await env.db.$count(schema.events)).toBe(events);
    expect((await findProvider(env.db, z.provider.id))!.mergedIntoId).toBeNull();
    // A merged record is history: edits go to the record that was kept.
    await expect(
      updateProvider({ ...env.ctx(env.analyst), providerId: x.provider.id, input: { name: 'Renamed' } }),
    ).rejects.toBeInstanceOf(ConflictError);
  });
});
