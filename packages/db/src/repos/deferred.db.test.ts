import { randomUUID } from 'node:crypto';
import { asc, eq, inArray, sql } from 'drizzle-orm';
import { boolean, doublePrecision, integer, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../client';
import { events, hopLinks, hops, outbox, providers, tracebacks } from '../schema';
import { expireHopLinks } from './notifications';
import { createTestDatabase } from '../testing';
import {
  defersWrites,
  deferWrites,
  discardWritesSince,
  flushWrites,
  insertOrDefer,
  updateOrDefer,
  writeOrDefer,
  writesMark,
} from './deferred';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.close();
});

const at = new Date('2026-11-02T15:04:05.678Z');

async function providerRows(ids: string[]) {
  const rows = await database.db.select().from(providers).where(inArray(providers.id, ids));
  return new Map(rows.map((r) => [r.id, r]));
}

describe('flushWrites', () => {
  it('stores held inserts and updates exactly as written, in one go', async () => {
    // Two providers that exist before the batch, to be updated by it.
    const [before1, before2] = [randomUUID(), randomUUID()];
    await database.db.insert(providers).values([
      { id: before1, name: 'Before One', frn: '0001', ocns: ['11'] },
      { id: before2, name: 'Before Two', frn: '0002', ocns: ['22'], verified: true },
    ]);
    const full = randomUUID();
    const minimal = randomUUID();
    const tricky = randomUUID();
    const tracebackId = randomUUID();
    const callStartedAt = new Date('2026-11-01T14:03:00.123Z');

    const rowsInTx = await database.db.transaction(async (tx) => {
      deferWrites(tx);
      expect(defersWrites(tx)).toBe(true);
      // Every column given, with jsonb, text[] and a Date.
      await insertOrDefer(tx, providers, [
        {
          id: full,
          name: 'Full Telecom',
          dbaNames: ['Full', 'Full Voice'],
          country: 'CA',
          ocns: ['1234', '5678'],
          frn: null,
          rmdNumber: 'RMD-1',
          timezone: 'America/Toronto',
          contacts: [{ name: 'NOC', email: 'noc@full.example', phone: '+1 416 555 0100' }],
          verified: true,
          businessHours: { days: [1, 2, 3], open: '09:00', close: '18:00', holidays: 'none' },
          escalationContacts: [],
          allowLinkAnswers: false,
          createdAt: at,
          updatedAt: at,
        },
      ]);
      // Columns with defaults left out: the database's defaults apply.
      await insertOrDefer(tx, providers, [{ id: minimal, name: 'Minimal Telecom' }]);
      // Text that JSON and PostgreSQL arrays both treat specially.
      await insertOrDefer(tx, providers, [
        {
          id: tricky,
          name: `O'Brien "Tel" \\ ü 📞`,
          dbaNames: ['a,b', '{x}', 'NULL', '', ' spaced '],
          ocns: [],
          contacts: [{ name: 'Line\nbreak', email: 'x@tricky.example', phone: '\u2028' }],
          businessHours: null,
          createdAt: at,
        },
      ]);
      // Another table in the same statement, referenced by nothing held.
      await insertOrDefer(tx, tracebacks, [
        {
          id: tracebackId,
          status: 'open',
          callStartedAt,
          callingNumber: '+12025550143',
          calledNumber: '+13125550188',
          firstProviderId: full,
          openedAt: at,
          updatedAt: at,
        },
      ]);
      // The same existing row updated twice: merged in order, the later value wins.
      await updateOrDefer(tx, providers, providers.id, before1, { name: 'Renamed Once', timezone: 'UTC' });
      await updateOrDefer(tx, providers, providers.id, before1, {
        name: 'Renamed Twice',
        contacts: [{ name: 'New NOC', email: 'new@before.example' }],
      });
      // An undefined value leaves the column alone; null clears it; text[] and jsonb through the update.
      await updateOrDefer(tx, providers, providers.id, before2, {
        name: undefined,
        frn: null,
        ocns: ['x', 'y,z'],
        businessHours: { days: [6], open: '10:00', close: '12:00', holidays: 'us-federal' },
      });
      // An update of a row inserted in the same batch is folded into the insert.
      await updateOrDefer(tx, providers, providers.id, minimal, { frn: '9999', verified: true });
      await updateOrDefer(tx, tracebacks, tracebacks.id, tracebackId, {
        status: 'closed',
        outcome: 'dead_end',
        closedAt: at,
        flags: ['loop', 'x y'],
      });
      // Nothing is written before the flush.
      const seen = await tx
        .select()
        .from(providers)
        .where(inArray(providers.id, [full, minimal, tricky]));
      expect(seen).toEqual([]);
      const [still] = await tx.select().from(providers).where(eq(providers.id, before1));
      expect(still!.name).toBe('Before One');
      await flushWrites(tx);
      expect(defersWrites(tx)).toBe(false);
      return tx
        .select()
        .from(providers)
        .where(inArray(providers.id, [full, minimal, tricky]));
    });
    expect(rowsInTx).toHaveLength(3);

    const byId = await providerRows([full, minimal, tricky, before1, before2]);
    expect(byId.get(full)).toMatchObject({
      name: 'Full Telecom',
      dbaNames: ['Full', 'Full Voice'],
      country: 'CA',
      ocns: ['1234', '5678'],
      frn: null,
      rmdNumber: 'RMD-1',
      timezone: 'America/Toronto',
      contacts: [{ name: 'NOC', email: 'noc@full.example', phone: '+1 416 555 0100' }],
      verified: true,
      businessHours: { days: [1, 2, 3], open: '09:00', close: '18:00', holidays: 'none' },
      escalationContacts: [],
      allowLinkAnswers: false,
      createdAt: at,
      updatedAt: at,
      mergedIntoId: null,
      // Written by the insert trigger, as for any insert.
      searchText: 'full telecom full full voice 1234 5678 rmd-1',
    });
    const min = byId.get(minimal)!;
    expect(min).toMatchObject({
      name: 'Minimal Telecom',
      dbaNames: [],
      country: 'US',
      ocns: [],
      frn: '9999',
      timezone: 'America/New_York',
      contacts: [],
      verified: true,
      businessHours: null,
      escalationContacts: [],
      allowLinkAnswers: true,
    });
    // The trigger's value, as for a provider inserted directly with the same fields.
    const control = randomUUID();
    await database.db.insert(providers).values({ id: control, name: 'Minimal Telecom', frn: '9999' });
    expect(min.searchText).toBe((await providerRows([control])).get(control)!.searchText);
    expect(min.searchText).toMatch(/^minimal telecom .*9999$/);
    expect(min.createdAt).toBeInstanceOf(Date);
    expect(Number.isNaN(min.createdAt.getTime())).toBe(false);
    expect(byId.get(tricky)).toMatchObject({
      name: `O'Brien "Tel" \\ ü 📞`,
      dbaNames: ['a,b', '{x}', 'NULL', '', ' spaced '],
      ocns: [],
      contacts: [{ name: 'Line\nbreak', email: 'x@tricky.example', phone: '\u2028' }],
      businessHours: null,
      createdAt: at,
    });
    expect(byId.get(before1)).toMatchObject({
      name: 'Renamed Twice',
      timezone: 'UTC',
      contacts: [{ name: 'New NOC', email: 'new@before.example' }],
      frn: '0001',
      ocns: ['11'],
      verified: false,
    });
    expect(byId.get(before2)).toMatchObject({
      name: 'Before Two',
      frn: null,
      ocns: ['x', 'y,z'],
      businessHours: { days: [6], open: '10:00', close: '12:00', holidays: 'us-federal' },
      verified: true,
    });
    const [tb] = await database.db.select().from(tracebacks).where(eq(tracebacks.id, tracebackId));
    expect(tb).toEqual({
      id: tracebackId,
      // Left out: the column's default.
      kind: 'trace',
      status: 'closed',
      outcome: 'dead_end',
      flags: ['loop', 'x y'],
      callStartedAt,
      callingNumber: '+12025550143',
      calledNumber: '+13125550188',
      campaignId: null,
      callId: null,
      firstProviderId: full,
      identityHeader: null,
      note: null,
      requestedBy: null,
      // Left out: not an urgent agency request (decision 0026).
      urgentHours: null,
      // Left out: no foreign entry point (decision 0035).
      entryPointProviderId: null,
      openedAt: at,
      closedAt: at,
      updatedAt: at,
    });
  });

  it('keeps the order rows were written in (the timeline reads events by id)', async () => {
    const types = ['first', 'second', 'third', 'fourth'];
    await database.db.transaction(async (tx) => {
      deferWrites(tx);
      await insertOrDefer(tx, events, [{ at, actor: 'test', type: 'first', data: { n: 1 } }]);
      // This one leaves `data` (a column with a default) out.
      await insertOrDefer(tx, events, [{ at, actor: 'test', type: 'second' }]);
      await insertOrDefer(tx, events, [
        { at, actor: 'test', type: 'third', data: { nested: { list: [1, 'two', null] } } },
        { at, actor: 'test', type: 'fourth', data: {} },
      ]);
      await flushWrites(tx);
    });
    const rows = await database.db
      .select()
      .from(events)
      .where(inArray(events.type, types))
      .orderBy(asc(events.id));
    expect(rows.map((r) => r.data)).toEqual(
      expect.arrayContaining([{ n: 1 }, {}, { nested: { list: [1, 'two', null] } }, {}]),
    );
    expect(rows.map((r) => r.type)).toEqual(types);
  });

  it('holds inserts that ignore conflicts apart, and skips a duplicate within the batch', async () => {
    const key = `dedupe-${randomUUID()}`;
    const row = (recipient: string) => ({
      channel: 'email' as const,
      topic: 'test',
      dedupeKey: key,
      recipient,
      payload: { hello: 'world' },
      messageId: `<${randomUUID()}@test>`,
      nextAttemptAt: at,
      createdAt: at,
    });
    await database.db.transaction(async (tx) => {
      deferWrites(tx);
      await insertOrDefer(tx, outbox, [row('first@example.test')], { ignoreConflicts: true });
      await insertOrDefer(tx, outbox, [row('second@example.test')], { ignoreConflicts: true });
      await flushWrites(tx);
    });
    const rows = await database.db.select().from(outbox).where(eq(outbox.dedupeKey, key));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      recipient: 'first@example.test',
      status: 'pending',
      attempts: 0,
      secrets: null,
      payload: { hello: 'world' },
    });
  });

  it('runs held raw statements and updates with SQL values', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await database.db.insert(providers).values([
      { id: a, name: 'SQL Target A', timezone: 'UTC' },
      { id: b, name: 'SQL Target B', timezone: 'UTC' },
      { id: c, name: 'Raw Target', timezone: 'UTC' },
    ]);
    await database.db.transaction(async (tx) => {
      deferWrites(tx);
      // Same columns, one with an SQL value: one UPDATE … FROM (VALUES …) for both rows.
      await updateOrDefer(tx, providers, providers.id, a, { timezone: sql`'Europe/' || 'Paris'` });
      await updateOrDefer(tx, providers, providers.id, b, { timezone: 'Asia/Tokyo' });
      await writeOrDefer(tx, tx.update(providers).set({ rmdNumber: 'RMD-RAW' }).where(eq(providers.id, c)));
      await flushWrites(tx);
    });
    const byId = await providerRows([a, b, c]);
    expect(byId.get(a)!.timezone).toBe('Europe/Paris');
    expect(byId.get(b)!.timezone).toBe('Asia/Tokyo');
    expect(byId.get(c)).toMatchObject({ rmdNumber: 'RMD-RAW', timezone: 'UTC' });
  });

  it('applies an update held with whereNull only where the column is still null', async () => {
    const [empty, filled] = [randomUUID(), randomUUID()];
    await database.db.insert(providers).values([
      { id: empty, name: 'No FRN' },
      { id: filled, name: 'Has FRN', frn: 'KEEP' },
    ]);
    await database.db.transaction(async (tx) => {
      deferWrites(tx);
      for (const id of [empty, filled])
        await updateOrDefer(tx, providers, providers.id, id, { frn: 'SET' }, { whereNull: providers.frn });
      await flushWrites(tx);
    });
    const byId = await providerRows([empty, filled]);
    expect(byId.get(empty)!.frn).toBe('SET');
    expect(byId.get(filled)!.frn).toBe('KEEP');
  });

  it('refuses held updates of one table found by different keys or conditions, and writes nothing', async () => {
    // One statement cannot update a row twice (PostgreSQL would apply one of the two): mixing is
    // refused loudly, so nothing is half-applied.
    const id = randomUUID();
    await database.db.insert(providers).values({ id, name: 'Two Updates' });
    await expect(
      database.db.transaction(async (tx) => {
        deferWrites(tx);
        await updateOrDefer(tx, providers, providers.id, id, { name: 'Renamed' });
        await updateOrDefer(tx, providers, providers.id, id, { frn: 'SET' }, { whereNull: providers.frn });
        await flushWrites(tx);
      }),
    ).rejects.toThrow(/held updates of providers by different keys or conditions/);
    const row = (await providerRows([id])).get(id)!;
    expect({ name: row.name, frn: row.frn }).toEqual({ name: 'Two Updates', frn: null });
  });

  it('expires the links of a hop held for insert in the same batch, not only stored ones', async () => {
    const [provider, tracebackId, hopId] = [randomUUID(), randomUUID(), randomUUID()];
    await database.db.insert(providers).values({ id: provider, name: 'Links Telecom' });
    await database.db.insert(tracebacks).values({
      id: tracebackId,
      status: 'open',
      callStartedAt: at,
      callingNumber: '+12025550143',
      calledNumber: '+13125550188',
      firstProviderId: provider,
      openedAt: at,
      updatedAt: at,
    });
    const stored = randomUUID();
    const expires = new Date('2026-11-09T00:00:00.000Z');
    await database.db.transaction(async (tx) => {
      deferWrites(tx);
      await insertOrDefer(tx, hops, [
        {
          id: hopId,
          tracebackId,
          seq: 1,
          providerId: provider,
          status: 'pending',
          requestedAt: at,
          receivedAt: at,
          dueAt: at,
        },
      ]);
      await insertOrDefer(tx, hopLinks, [{ hopId, tokenHash: `held-${hopId}`, createdAt: at }]);
      await flushWrites(tx);
    });
    await database.db
      .insert(hopLinks)
      .values({ id: stored, hopId, tokenHash: `stored-${hopId}`, createdAt: at });
    await database.db.transaction(async (tx) => {
      deferWrites(tx);
      await insertOrDefer(tx, hopLinks, [{ hopId, tokenHash: `new-${hopId}`, createdAt: at }]);
      await expireHopLinks(tx, hopId, expires);
      await flushWrites(tx);
    });
    const links = await database.db.select().from(hopLinks).where(eq(hopLinks.hopId, hopId));
    expect(links.map((l) => [l.tokenHash.split('-')[0], l.expiresAt?.toISOString()]).sort()).toEqual([
      ['held', expires.toISOString()],
      ['new', expires.toISOString()],
      ['stored', expires.toISOString()],
    ]);
  });

  it('discardWritesSince drops only the writes held after the mark', async () => {
    const [kept, dropped, after] = [randomUUID(), randomUUID(), randomUUID()];
    const existing = randomUUID();
    await database.db.insert(providers).values({ id: existing, name: 'Existing' });
    await database.db.transaction(async (tx) => {
      deferWrites(tx);
      await insertOrDefer(tx, providers, [{ id: kept, name: 'Kept' }]);
      await updateOrDefer(tx, providers, providers.id, existing, { name: 'Existing, renamed' });
      const mark = writesMark(tx);
      expect(mark).toBe(2);
      await insertOrDefer(tx, providers, [{ id: dropped, name: 'Dropped' }]);
      await updateOrDefer(tx, providers, providers.id, existing, {
        name: 'Existing, renamed by a failed one',
      });
      await updateOrDefer(tx, providers, providers.id, kept, { frn: 'dropped' });
      expect(writesMark(tx)).toBe(5);
      discardWritesSince(tx, mark);
      expect(writesMark(tx)).toBe(2);
      await insertOrDefer(tx, providers, [{ id: after, name: 'After' }]);
      await flushWrites(tx);
    });
    const byId = await providerRows([kept, dropped, after, existing]);
    expect([...byId.keys()].sort()).toEqual([kept, after, existing].sort());
    expect(byId.get(kept)!.frn).toBeNull();
    expect(byId.get(existing)!.name).toBe('Existing, renamed');
    expect(byId.get(after)!.name).toBe('After');
  });

  it('writes at once when the transaction does not defer, and a flush with nothing held is a no-op', async () => {
    const id = randomUUID();
    await database.db.transaction(async (tx) => {
      expect(defersWrites(tx)).toBe(false);
      expect(writesMark(tx)).toBe(0);
      await insertOrDefer(tx, providers, [{ id, name: 'Direct' }]);
      const [row] = await tx.select().from(providers).where(eq(providers.id, id));
      expect(row!.name).toBe('Direct');
      deferWrites(tx);
      await flushWrites(tx);
      expect(defersWrites(tx)).toBe(false);
    });
  });

  it('gives rows that leave a column out its default, of every kind, beside rows that set it', async () => {
    // A table of its own with one column per kind of default the schema can declare.
    await database.db.execute(sql`
      CREATE TABLE IF NOT EXISTS deferred_defaults (
        id uuid PRIMARY KEY, label text NOT NULL DEFAULT 'plain', quoted text NOT NULL DEFAULT 'it''s',
        n integer NOT NULL DEFAULT 7, ratio double precision NOT NULL DEFAULT 0.5, flag boolean NOT NULL DEFAULT true,
        tags text[] NOT NULL DEFAULT '{}'::text[], made text)`);
    const table = pgTable('deferred_defaults', {
      id: uuid('id').primaryKey(),
      label: text('label').notNull().default('plain'),
      quoted: text('quoted').notNull().default("it's"),
      n: integer('n').notNull().default(7),
      ratio: doublePrecision('ratio').notNull().default(0.5),
      flag: boolean('flag').notNull().default(true),
      tags: text('tags')
        .array()
        .notNull()
        .default(sql`'{}'::text[]`),
      made: text('made'),
    });
    const withFn = pgTable('deferred_defaults', {
      id: uuid('id').primaryKey(),
      made: text('made').$defaultFn(() => 'made in JavaScript'),
    });
    const [set, left, fnSet, fnLeft, fnAlone] = [
      randomUUID(),
      randomUUID(),
      randomUUID(),
      randomUUID(),
      randomUUID(),
    ];
    await database.db.transaction(async (tx) => {
      deferWrites(tx);
      // Same table, same batch: one row sets every column, the next leaves each out.
      await insertOrDefer(tx, table, [
        { id: set, label: 'given', quoted: 'given too', n: 0, ratio: 2, flag: false, tags: ['t'] },
      ]);
      await insertOrDefer(tx, table, [{ id: left }]);
      await flushWrites(tx);
    });
    await database.db.transaction(async (tx) => {
      deferWrites(tx);
      // A default computed in JavaScript is computed for the rows that leave it out.
      await insertOrDefer(tx, withFn, [{ id: fnSet, made: 'given' }, { id: fnLeft }]);
      await flushWrites(tx);
    });
    await database.db.transaction(async (tx) => {
      deferWrites(tx);
      await insertOrDefer(tx, withFn, [{ id: fnAlone }]);
      await flushWrites(tx);
    });
    const rows = await database.db
      .select()
      .from(table)
      .where(inArray(table.id, [set, left, fnSet, fnLeft, fnAlone]));
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(set)).toEqual({
      id: set,
      label: 'given',
      quoted: 'given too',
      n: 0,
      ratio: 2,
      flag: false,
      tags: ['t'],
      made: null,
    });
    expect(byId.get(left)).toEqual({
      id: left,
      label: 'plain',
      quoted: "it's",
      n: 7,
      ratio: 0.5,
      flag: true,
      tags: [],
      made: null,
    });
    expect(byId.get(fnSet)!.made).toBe('given');
    expect(byId.get(fnLeft)!.made).toBe('made in JavaScript');
    expect(byId.get(fnAlone)!.made).toBe('made in JavaScript');
  });
});
