import { dropCallPartitionsBefore, schema } from '@hoptrace/db';
import { buildIdentityHeader, createTestPki, signPassport } from '@hoptrace/shaken';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedActor } from '../auth';
import { addDnoEntries } from '../commands/dno';
import { NotFoundError } from '../errors';
import { setupCore } from '../testing/fixtures';
import { callIdOf, ingestCalls, type IngestCallsInput } from './ingest';
import { jsonlCallRecords, type RawCallRecord } from './records';
import { createCallSource, getCall } from './sources';

let env: Awaited<ReturnType<typeof setupCore>>;
beforeAll(async () => {
  env = await setupCore('2026-12-01T10:00:00Z');
});
afterAll(() => env.close());

/** Records as a door hands them over: in batches, each with its line. */
function batches(list: Array<Record<string, unknown>>, per = 1000): () => AsyncIterable<RawCallRecord[]> {
  return async function* () {
    for (let i = 0; i < list.length; i += per)
      yield await Promise.resolve(list.slice(i, i + per).map((fields, k) => ({ line: i + k + 1, fields })));
  };
}

const ingest = (source: string, input: Omit<IngestCallsInput, 'source'>, actor = env.analyst) =>
  ingestCalls({ ...env.ctx(actor), input: { source, ...input } });

const record = (id: string, extra: Record<string, unknown> = {}) => ({
  externalId: id,
  startedAt: '2026-11-20T15:00:00Z',
  callingNumber: '(312) 555-0101',
  calledNumber: '(312) 555-0199',
  transcript: 'This is the final notice about your vehicle warranty',
  ...extra,
});

/** Rows of a raw query (PGlite and node-postgres both answer with `rows`). */
async function rowsOf<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  const result: unknown = await env.db.execute(query);
  return (result as { rows: T[] }).rows;
}

/** Any text that holds `part` (typed, where `expect.stringContaining` is any). */
const containing = (part: string): string => expect.stringContaining(part) as string;

async function counts() {
  return {
    calls: await env.db.$count(schema.calls),
    keys: await env.db.$count(schema.callKeys),
    batches: await env.db.$count(schema.callBatches),
  };
}

async function sourceCalls(name: string) {
  const [source] = await env.db
    .select()
    .from(schema.callSources)
    .where(sql`lower(${schema.callSources.name}) = lower(${name})`);
  if (!source) return [];
  return env.db.select().from(schema.calls).where(eq(schema.calls.sourceId, source.id));
}

describe('ingestCalls', () => {
  it('stores records, creating the source; the same records again change nothing', async () => {
    const list = Array.from({ length: 25 }, (_, i) => record(`a-${i}`));
    const before = await counts();
    const first = await ingest('feed-a', { records: batches(list, 10) });
    expect(first).toMatchObject({
      source: 'feed-a',
      accepted: 25,
      alreadyKnown: 0,
      refused: 0,
      refusals: [],
      written: true,
      sourceCreated: true,
    });
    const after = await counts();
    expect(after).toEqual({ calls: before.calls + 25, keys: before.keys + 25, batches: before.batches + 1 });

    const again = await ingest('FEED-A', { records: batches(list, 7) });
    expect(again).toMatchObject({
      source: 'feed-a',
      accepted: 0,
      alreadyKnown: 25,
      refused: 0,
      written: false,
      sourceCreated: false,
    });
    expect(await counts()).toEqual(after);

    const stored = await sourceCalls('feed-a');
    expect(stored).toHaveLength(25);
    const one = stored.find((c) => c.externalId === 'a-3')!;
    expect(one).toMatchObject({
      id: callIdOf(one.sourceId, 'a-3'),
      callingNumber: '+13125550101',
      calledNumber: '+13125550199',
      startedAtPrecision: 'second',
      // Same NPA-NXX as the called number.
      neighbourSpoof: true,
      receivedAt: new Date('2026-12-01T10:00:00Z'),
    });
  });

  it('counts a record repeated within one batch and across batches as known', async () => {
    const list = [record('d-1'), record('d-2'), record('d-1'), record('d-3'), record('d-2'), record('d-1')];
    const before = await counts();
    // batchSize 2: d-1, d-2 in the first write; d-1 again in the second, d-3; ...
    const result = await ingest('feed-dup', { records: batches(list, 4), batchSize: 2 });
    expect(result).toMatchObject({ accepted: 3, alreadyKnown: 3, refused: 0 });
    expect((await counts()).calls).toBe(before.calls + 3);
    const inOneBatch = await ingest('feed-dup2', {
      records: batches([record('x'), record('x'), record('x')]),
    });
    expect(inOneBatch).toMatchObject({ accepted: 1, alreadyKnown: 2 });
  });

  it('reports refused records with their line and field and stores the good ones', async () => {
    const list = [
      record('r-1'),
      record('r-2', { startedAt: '2026-02-30' }),
      record('r-3'),
      { transcript: 'no id' },
      record('r-5', { callingNumber: 'call me', durationSeconds: -4 }),
    ];
    const result = await ingest('feed-refusals', { records: batches(list) });
    expect(result).toMatchObject({ accepted: 2, refused: 3, written: true });
    expect(result.refusals).toEqual([
      {
        line: 2,
        externalId: 'r-2',
        errors: [{ path: 'startedAt', message: '"2026-02-30" is not a calendar day' }],
      },
      {
        line: 4,
        externalId: null,
        errors: [{ path: 'externalId', message: containing('required') }],
      },
      {
        line: 5,
        externalId: 'r-5',
        errors: [
          { path: 'callingNumber', message: containing('"call me"') },
          { path: 'durationSeconds', message: containing('between 0 and') },
        ],
      },
    ]);
    expect((await sourceCalls('feed-refusals')).map((c) => c.externalId).sort()).toEqual(['r-1', 'r-3']);
  });

  it('reports a record the reader refused (a bad JSON line) with the others stored', async () => {
    async function* body() {
      yield await Promise.resolve('{"externalId":"j-1"}\n{"externalId": oops}\n{"externalId":"j-3"}\n');
    }
    const result = await ingest('feed-jsonl', { records: () => jsonlCallRecords(body()) });
    expect(result).toMatchObject({ accepted: 2, refused: 1 });
    expect(result.refusals[0]).toMatchObject({ line: 2, externalId: null, errors: [{ path: 'line' }] });
  });

  it('reports only the first 100 refusals, and counts them all', async () => {
    const list = Array.from({ length: 150 }, (_, i) => record(`m-${i}`, { kind: 'robot' }));
    const result = await ingest('feed-many-bad', { records: batches(list, 40) });
    expect(result).toMatchObject({ accepted: 0, refused: 150, written: false });
    expect(result.refusals).toHaveLength(100);
    expect(result.refusals[99]!.line).toBe(100);
  });

  it('with strict, one refused record means nothing is written', async () => {
    const before = await counts();
    let reads = 0;
    const inner = batches(
      [record('s-1'), record('s-2'), record('s-3', { language: '??' }), record('s-4')],
      2,
    );
    const result = await ingest('feed-strict', {
      strict: true,
      records: () => {
        reads++;
        return inner();
      },
    });
    expect(reads).toBe(1);
    expect(result).toMatchObject({ accepted: 0, refused: 1, written: false });
    expect(result.refusals).toEqual([
      { line: 3, externalId: 's-3', errors: [{ path: 'language', message: containing('') }] },
    ]);
    expect(await counts()).toEqual(before);
    // The source it would have created is not left behind, empty.
    const sources = await env.db
      .select()
      .from(schema.callSources)
      .where(sql`lower(${schema.callSources.name}) = 'feed-strict'`);
    expect(sources).toEqual([]);
    const clean = await ingest('feed-strict', {
      strict: true,
      records: batches([record('s-1'), record('s-2')]),
    });
    expect(clean).toMatchObject({ accepted: 2, refused: 0, written: true });
  });

  it('refuses a call that says it started more than a day after it was received', async () => {
    const result = await ingest('feed-future', {
      records: batches([record('f-1'), record('f-2', { startedAt: '2031-01-01T00:00:00Z' })]),
    });
    expect(result).toMatchObject({ accepted: 1, refused: 1 });
    expect(result.refusals[0]).toEqual({
      line: 2,
      externalId: 'f-2',
      errors: [{ path: 'startedAt', message: containing('more than a day after it was received') }],
    });
    const partitions = await rowsOf<{ name: string }>(
      sql`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent where p.relname = 'calls' and c.relname = 'calls_y2031m01'`,
    );
    expect(partitions).toEqual([]);
  });

  it('refuses calls older than the retention, and drops whole months of calls with their keys', async () => {
    const old = record('r-old', { startedAt: '2026-08-15T12:00:00Z' });
    const kept = await ingest('feed-retention', { records: batches([old, record('r-new')]) });
    expect(kept).toMatchObject({ accepted: 2 });
    const withRetention = await ingestCalls({
      ...env.ctx(env.analyst),
      settings: { callRetentionDays: 60 },
      input: {
        source: 'feed-retention',
        records: batches([record('r-old2', { startedAt: '2026-08-16T12:00:00Z' })]),
      },
    });
    expect(withRetention.refusals[0]?.errors[0]).toEqual({
      path: 'startedAt',
      message: containing('older than the retention'),
    });
    const dropped = await dropCallPartitionsBefore(env.db, new Date('2026-10-01T00:00:00Z'));
    expect(dropped).toContain('calls_y2026m08');
    expect(dropped).not.toContain('calls_y2026m11');
    expect((await sourceCalls('feed-retention')).map((c) => c.externalId)).toEqual(['r-new']);
    // Its key went with it: the same record is new again (were it within the retention).
    const again = await ingest('feed-retention', { records: batches([old]) });
    expect(again).toMatchObject({ accepted: 1, alreadyKnown: 0 });
  });

  it('makes a partition for each month the calls fall in', async () => {
    const months = [
      '2025-12-31T23:59:59Z',
      '2026-01-01T00:00:00Z',
      '2026-03-15',
      '2026-07-04T12:00:00-07:00',
    ];
    const list = months.map((startedAt, i) => record(`p-${i}`, { startedAt }));
    const result = await ingest('feed-months', { records: batches(list) });
    expect(result.accepted).toBe(4);
    const rows = await rowsOf<{ name: string }>(
      sql`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'calls'`,
    );
    const names = rows.map((r) => r.name);
    for (const p of ['calls_y2025m12', 'calls_y2026m01', 'calls_y2026m03', 'calls_y2026m07'])
      expect(names).toContain(p);
    const inJanuary = await rowsOf<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM calls_y2026m01 WHERE external_id = 'p-1'`,
    );
    expect(Number(inJanuary[0]!.n)).toBe(1);
  });

  it('keeps a record without a time at its receipt, precision unknown, and a day at noon UTC', async () => {
    const result = await ingest('feed-times', {
      records: batches([{ id: 't-1' }, { id: 't-2', started_at: '2026-11-03' }]),
    });
    expect(result.accepted).toBe(2);
    const byId = new Map((await sourceCalls('feed-times')).map((c) => [c.externalId, c]));
    expect(byId.get('t-1')).toMatchObject({
      startedAt: new Date('2026-12-01T10:00:00Z'),
      startedAtPrecision: 'unknown',
    });
    expect(byId.get('t-2')).toMatchObject({
      startedAt: new Date('2026-11-03T12:00:00Z'),
      startedAtPrecision: 'day',
    });
  });

  it('stores text with tabs, line breaks and backslashes as sent, and metadata', async () => {
    const transcript = 'press 1\tnow\r\nC:\\path\\n not a newline \\N';
    await ingest('feed-text', {
      records: batches([record('x-1', { transcript, trap: 'nyc\t3', metadata: { a: [1, 'b\\c'] } })]),
    });
    const [stored] = await sourceCalls('feed-text');
    expect(stored!.transcript).toBe(transcript);
    expect(stored!.metadata).toEqual({ trap: 'nyc\t3', a: [1, 'b\\c'] });
  });

  it('flags a calling number on the DNO list with its category', async () => {
    await addDnoEntries({
      ...env.ctx(env.admin),
      input: { entries: [{ category: 'invalid', number: '+12025550100', reason: 'test' }] },
    });
    await ingest('feed-dno', {
      records: batches([
        record('dno-1', { callingNumber: '202-555-0100' }),
        record('dno-2', { callingNumber: '202-555-0101' }),
      ]),
    });
    const byId = new Map((await sourceCalls('feed-dno')).map((c) => [c.externalId, c]));
    expect(byId.get('dno-1')!.dnoCategory).toBe('invalid');
    expect(byId.get('dno-2')!.dnoCategory).toBeNull();
  });

  it('keeps the attestation an Identity header claims, unverified', async () => {
    const pki = createTestPki({ spc: '1234', crlUrl: 'https://sti-pa.example/crl' });
    const identity = (attest: 'A' | 'B' | 'C') =>
      buildIdentityHeader(
        signPassport({
          privateKey: pki.leaf.privateKey,
          x5u: 'https://cert.example/sp.pem',
          attest,
          origTn: '13125550101',
          destTns: ['13125550199'],
          iat: Math.floor(Date.parse('2026-11-20T15:00:00Z') / 1000),
        }),
        { info: 'https://cert.example/sp.pem' },
      );
    await ingest('feed-shaken', {
      records: batches([
        record('sh-a', { identityHeader: identity('A') }),
        record('sh-c', { identity_header: identity('C') }),
        record('sh-x', { identityHeader: 'garbage;info=<x>' }),
        record('sh-none'),
      ]),
    });
    const byId = new Map((await sourceCalls('feed-shaken')).map((c) => [c.externalId, c]));
    expect(byId.get('sh-a')).toMatchObject({ attestation: 'A', shakenStatus: 'unverified' });
    expect(byId.get('sh-c')).toMatchObject({ attestation: 'C', shakenStatus: 'unverified' });
    expect(byId.get('sh-x')).toMatchObject({ attestation: null, shakenStatus: 'unreadable' });
    expect(byId.get('sh-none')).toMatchObject({ attestation: null, shakenStatus: null });
    const view = await getCall({ ...env.ctx(env.analyst), callId: byId.get('sh-a')!.id });
    expect(view.attestation).toBe('A');
  });

  it('lets a feed send calls of its own source only, and never create one', async () => {
    const own = await createCallSource({ ...env.ctx(env.analyst), input: { name: 'feed-own' } });
    const other = await createCallSource({ ...env.ctx(env.analyst), input: { name: 'feed-other' } });
    const feed = feedActor(own.id);
    const ok = await ingest('feed-own', { records: batches([record('f-1')]) }, feed);
    expect(ok).toMatchObject({ accepted: 1, sourceCreated: false });
    const before = await counts();
    await expect(ingest('feed-other', { records: batches([record('f-2')]) }, feed)).rejects.toThrow(
      NotFoundError,
    );
    await expect(ingest('feed-brand-new', { records: batches([record('f-3')]) }, feed)).rejects.toThrow(
      NotFoundError,
    );
    expect(await counts()).toEqual(before);
    expect(await env.db.$count(schema.callSources, eq(schema.callSources.name, 'feed-brand-new'))).toBe(0);
    // A provider user is no feed.
    const { actor: providerUser } = await env.provider();
    await expect(ingest('feed-own', { records: batches([record('f-4')]) }, providerUser)).rejects.toThrow(
      NotFoundError,
    );
    expect(other.callCount).toBe(0);
  });

  it('writes 12,000 records in batches of 5,000 across the batch boundaries', async () => {
    const list = Array.from({ length: 12_000 }, (_, i) =>
      record(`big-${i}`, { startedAt: new Date(Date.UTC(2026, 9, 1) + i * 60_000).toISOString() }),
    );
    const progress: number[] = [];
    const before = await counts();
    const result = await ingest('feed-big', {
      records: batches(list, 999),
      batchSize: 5000,
      onProgress: (p) => progress.push(p.accepted),
    });
    expect(result).toMatchObject({ accepted: 12_000, alreadyKnown: 0, refused: 0 });
    expect(await counts()).toEqual({
      calls: before.calls + 12_000,
      keys: before.keys + 12_000,
      batches: before.batches + 3,
    });
    expect(progress.at(-1)).toBe(12_000);
    const sizes = (await env.db.select().from(schema.callBatches)).slice(-3).map((b) => b.callIds.length);
    expect(sizes).toEqual([5000, 5000, 2000]);
    // Half known, half new, in one import: the known ones are skipped in every batch.
    const mixed = [...list.slice(6000), ...Array.from({ length: 6000 }, (_, i) => record(`big-new-${i}`))];
    const again = await ingest('feed-big', { records: batches(mixed, 5000), batchSize: 5000 });
    expect(again).toMatchObject({ accepted: 6000, alreadyKnown: 6000 });
    expect((await counts()).keys).toBe(before.keys + 18_000);
  }, 120_000);

  it.skipIf(!process.env.DATABASE_URL)(
    'two imports of the same records at once store each call once (PostgreSQL)',
    async () => {
      const list = Array.from({ length: 12_000 }, (_, i) =>
        record(`race-${i}`, { startedAt: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString() }),
      );
      await createCallSource({ ...env.ctx(env.analyst), input: { name: 'feed-race' } });
      const before = await counts();
      const [a, b] = await Promise.all([
        ingest('feed-race', { records: batches(list, 1000) }),
        ingest('feed-race', { records: batches(list, 1500) }),
      ]);
      expect(a.accepted + b.accepted).toBe(12_000);
      expect(a.accepted + a.alreadyKnown).toBe(12_000);
      expect(b.accepted + b.alreadyKnown).toBe(12_000);
      const after = await counts();
      expect(after.calls - before.calls).toBe(12_000);
      expect(after.keys - before.keys).toBe(12_000);
      const stored = await sourceCalls('feed-race');
      expect(new Set(stored.map((c) => c.externalId)).size).toBe(12_000);
    },
    180_000,
  );
});
