import { createTestDatabase } from '@hoptrace/db/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide, ZPeerMap } from './decide';
import { PgRecords, RecordFileError } from './records';

// The provider's own records in PostgreSQL: only where a server is given (DATABASE_URL).
describe.skipIf(!process.env.DATABASE_URL)('call records in a PostgreSQL table', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let source: PgRecords;
  beforeAll(async () => {
    database = await createTestDatabase();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    // A switch's CDR table: not hoptrace's schema, a fixture standing for the provider's system.
    await client.query(
      'CREATE TABLE cdr (start_time timestamptz, calling_number text, called_number text, inbound_peer text)',
    );
    await client.query(
      `INSERT INTO cdr VALUES
        ('2026-11-01T14:03:01Z', '2025550143', '13125550188', 'TG7'),
        ('2026-11-01T14:09:00Z', '2025550143', '13125550188', 'TG8'),
        ('2026-11-01T14:03:02Z', '2025550199', '13125550188', 'TG8')`,
    );
    await client.end();
    source = new PgRecords(database.url!, 'cdr');
  });
  afterAll(async () => {
    await source?.close();
    await database?.close();
  });

  it('finds the call in the time window with the numbers normalised', async () => {
    const call = {
      startedAt: '2026-11-01T14:03:00Z',
      callingNumber: '+12025550143',
      calledNumber: '+13125550188',
    };
    const candidates = await source.candidates(call, 10);
    expect(candidates?.map((r) => r.inboundPeer)).toEqual(['TG7']);
    const peerMap = ZPeerMap.parse({ peers: { TG7: '00000000-0000-4000-8000-000000000001' } });
    expect(decide(candidates, peerMap, 10)).toMatchObject({ action: 'answer', answer: { kind: 'upstream' } });
  });

  it('refuses a table name that is not an identifier', () => {
    expect(() => new PgRecords(database.url!, 'cdr; DROP TABLE cdr')).toThrow(RecordFileError);
  });
});
