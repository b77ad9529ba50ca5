import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Database } from '../client';
import { uuidBytes } from '../copyBinary';
import { createTestDatabase } from '../testing';
import { ensureCallSource } from './calls';
import { rowsOf } from './detection';
import { openCallWriter, prepareCallBatch, type CallInsert } from './callWriter';

// The writer's binary COPY, read back through SQL: every column's value survives the trip, on
// PGlite and on PostgreSQL (DATABASE_URL).
let database: Database;
let sourceId: number;
beforeAll(async () => {
  database = await createTestDatabase();
  const { source } = await ensureCallSource(database.db, {
    name: 'binary-copy',
    createdBy: null,
    createdAt: new Date('2026-12-01T00:00:00Z'),
  });
  sourceId = source.id;
});
afterAll(async () => {
  await database.close();
});

let n = 0;
function call(over: Partial<CallInsert> = {}): CallInsert {
  n++;
  const hex = n.toString(16).padStart(12, '0');
  return {
    id: `6f1c2d3e-4a5b-5c6d-8e7f-${hex}`,
    sourceId,
    externalId: `ext-${n}`,
    startedAt: new Date('2026-11-30T14:03:11.250Z'),
    startedAtPrecision: 'second',
    receivedAt: new Date('2026-12-01T00:00:00Z'),
    callingNumber: '+12025550143',
    calledNumber: '+13125550187',
    transcript: 'Your car warranty is about to expire. Press 1.',
    language: 'en',
    durationSeconds: 31.5,
    kind: 'honeypot',
    identityHeader: null,
    attestation: null,
    shakenStatus: null,
    signerOcn: null,
    audioFingerprint: null,
    dnoCategory: null,
    neighbourSpoof: false,
    metadata: null,
    ...over,
  };
}

interface Stored {
  id: string;
  source_id: number;
  external_id: string;
  started_at: string;
  started_at_precision: string;
  received_at: string;
  calling_number: string | null;
  called_number: string | null;
  transcript: string | null;
  language: string | null;
  duration_seconds: number | null;
  kind: string | null;
  identity_header: string | null;
  attestation: string | null;
  shaken_status: string | null;
  signer_ocn: string | null;
  audio_fingerprint: string | null;
  dno_category: string | null;
  neighbour_spoof: boolean;
  metadata: unknown;
}

async function stored(id: string): Promise<Stored> {
  const rows = rowsOf<Stored>(
    await database.db.execute(
      sql`SELECT id::text, source_id, external_id, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started_at, started_at_precision, to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS received_at, calling_number, called_number, transcript, language, duration_seconds, kind, identity_header, attestation, shaken_status, signer_ocn, audio_fingerprint, dno_category, neighbour_spoof, metadata FROM calls WHERE id = ${id}::uuid`,
    ),
  );
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

describe('the call writer (binary COPY)', () => {
  it('stores every column as given: text that COPY text would escape, every script, NULLs, numbers, JSON', async () => {
    const odd = call({
      externalId: 'tab\there\\back\nline\rcr',
      transcript: 'Ünïcödé — 你好, ¿qué tal? 🚗 "quotes" \\N and a tab\t.',
      calledNumber: null,
      callingNumber: null,
      language: null,
      durationSeconds: 0.125,
      kind: null,
      identityHeader: 'eyJhbGciOiJFUzI1NiJ9.e30.sig;info=<https://cr.example/c.pem>;alg=ES256;ppt=shaken',
      attestation: 'A',
      shakenStatus: 'unverified',
      signerOcn: '123X',
      audioFingerprint: 'afp1:abc',
      dnoCategory: 'invalid',
      neighbourSpoof: true,
      metadata: { asr: 'whisper', nested: { list: [1, 'two', null], 'key\twith tab': 'ä' }, n: 1.5 },
    });
    const plain = call({ durationSeconds: null });
    // Before 2000 (negative on PostgreSQL's clock) and near the end of the range kept.
    const early = call({ startedAt: new Date('1971-03-04T05:06:07.089Z'), startedAtPrecision: 'day' });
    const late = call({ startedAt: new Date('2098-12-31T23:59:59.999Z'), startedAtPrecision: 'unknown' });
    const writer = await openCallWriter(database.db);
    try {
      const result = await writer.write(prepareCallBatch([odd, plain, early, late]));
      expect(result).toEqual({ inserted: [odd.id, plain.id, early.id, late.id], alreadyKnown: 0 });
    } finally {
      await writer.close();
    }
    expect(await stored(odd.id)).toEqual({
      id: odd.id,
      source_id: sourceId,
      external_id: odd.externalId,
      started_at: '2026-11-30T14:03:11.250Z',
      started_at_precision: 'second',
      received_at: '2026-12-01T00:00:00.000Z',
      calling_number: null,
      called_number: null,
      transcript: odd.transcript,
      language: null,
      duration_seconds: 0.125,
      kind: null,
      identity_header: odd.identityHeader,
      attestation: 'A',
      shaken_status: 'unverified',
      signer_ocn: '123X',
      audio_fingerprint: 'afp1:abc',
      dno_category: 'invalid',
      neighbour_spoof: true,
      metadata: odd.metadata,
    });
    const p = await stored(plain.id);
    expect(p).toMatchObject({
      calling_number: '+12025550143',
      called_number: '+13125550187',
      transcript: plain.transcript,
      language: 'en',
      duration_seconds: null,
      kind: 'honeypot',
      neighbour_spoof: false,
      metadata: null,
    });
    expect((await stored(early.id)).started_at).toBe('1971-03-04T05:06:07.089Z');
    expect((await stored(early.id)).started_at_precision).toBe('day');
    expect((await stored(late.id)).started_at).toBe('2098-12-31T23:59:59.999Z');
    // Each call's key beside it, with its start (what keeps a call unique across partitions).
    const keys = rowsOf<{ id: string; t: string }>(
      await database.db.execute(
        sql`SELECT id::text, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS t FROM call_keys WHERE id = ANY(${`{${[odd.id, early.id].join(',')}}`}::uuid[]) ORDER BY t`,
      ),
    );
    expect(keys).toEqual([
      { id: early.id, t: '1971-03-04T05:06:07.089Z' },
      { id: odd.id, t: '2026-11-30T14:03:11.250Z' },
    ]);
  });

  it('writes a batch with a row sent twice and rows stored before: each stored once, the rest counted known', async () => {
    const a = call();
    const b = call();
    const writer = await openCallWriter(database.db);
    try {
      expect(await writer.write(prepareCallBatch([a]))).toEqual({ inserted: [a.id], alreadyKnown: 0 });
      const c = call();
      const again = await writer.write(prepareCallBatch([a, b, c, { ...b, transcript: 'second copy' }]));
      expect(again).toEqual({ inserted: [b.id, c.id], alreadyKnown: 2 });
    } finally {
      await writer.close();
    }
    // The first of the two copies is the one kept.
    expect((await stored(b.id)).transcript).toBe(b.transcript);
  });

  it('refuses a malformed uuid before anything is sent', () => {
    expect(() => uuidBytes('not-a-uuid')).toThrow('not a uuid');
    expect(() => uuidBytes('6f1c2d3e-4a5b-5c6d-8e7f-00000000000')).toThrow('not a uuid');
    expect(() => uuidBytes('6f1c2d3e-4a5b-5c6d-8e7f-0000000000000')).toThrow('not a uuid');
    expect([...uuidBytes('00010203-0405-0607-0809-0a0b0c0d0eFF')]).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 255,
    ]);
  });
});
