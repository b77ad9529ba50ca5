import { createTestDatabase } from '@hoptrace/db/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRecords } from './check';
import { decide, ZPeerMap } from './decide';
import { PgRecords } from './pgRecords';
import { RecordFileError } from './records';

const UPSTREAM = '00000000-0000-4000-8000-000000000001';
const call = {
  startedAt: '2026-11-01T14:03:00Z',
  callingNumber: '+12025550143',
  calledNumber: '+13125550188',
};
const opts = { toleranceSeconds: 10, coverageSeconds: 600 };

// The provider's own records in PostgreSQL: only where a server is given (DATABASE_URL).
describe.skipIf(!process.env.DATABASE_URL)('call records in a PostgreSQL table', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const sources: PgRecords[] = [];
  const source = (table: string, o: ConstructorParameters<typeof PgRecords>[2] = {}) => {
    const s = new PgRecords(database.url!, table, o);
    sources.push(s);
    return s;
  };
  beforeAll(async () => {
    database = await createTestDatabase();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    // Fixtures standing for the provider's systems, not hoptrace's schema. The session's zone is not
    // the switch's: a reader that let PostgreSQL or Node pick a zone would be off by hours.
    await client.query(`
      CREATE TABLE cdr (start_time timestamptz, calling_number text, called_number text, inbound_peer text);
      INSERT INTO cdr VALUES
        ('2026-11-01T14:01:00Z', '2025550100', '13125550100', 'TG8'),
        ('2026-11-01T14:03:01Z', '2025550143', '13125550188', 'TG7'),
        ('2026-11-01T14:09:00Z', '2025550143', '13125550188', 'TG8'),
        ('2026-11-01T14:03:02Z', '2025550199', '13125550188', 'TG8');
      -- Kamailio's acc table (kamailio-postgres-modules) with the db_extra columns of its sample
      -- kamailio.cfg; "time" is the switch's local wall clock (America/Chicago) at the final reply.
      CREATE TABLE acc (id serial PRIMARY KEY, method varchar(16) NOT NULL DEFAULT '',
        from_tag varchar(128) NOT NULL DEFAULT '', to_tag varchar(128) NOT NULL DEFAULT '',
        callid varchar(255) NOT NULL DEFAULT '', sip_code varchar(3) NOT NULL DEFAULT '',
        sip_reason varchar(128) NOT NULL DEFAULT '', time timestamp without time zone NOT NULL,
        src_user varchar(64), src_domain varchar(128), src_ip varchar(64), src_port varchar(8),
        dst_ouser varchar(64), dst_user varchar(64), dst_domain varchar(128));
      CREATE TABLE missed_calls (LIKE acc INCLUDING DEFAULTS);
      INSERT INTO acc (method, callid, sip_code, time, src_user, src_ip, src_port, dst_user) VALUES
        ('INVITE', 'a1', '200', '2026-11-01 07:58:00', '2025550100', '192.0.2.10', '5060', '3125550100'),
        ('BYE', 'a2', '200', '2026-11-01 08:03:40', '+12025550143', '192.0.2.7', '5060', '+13125550188'),
        ('INVITE', 'a2', '200', '2026-11-01 08:03:35', '+12025550143', '192.0.2.7', '41234', '+13125550188'),
        ('INVITE', 'a3', '200', '2026-11-01 08:10:00', '2025550101', '192.0.2.10', '5060', '3125550101');
      INSERT INTO missed_calls (method, callid, sip_code, time, src_user, src_ip, src_port, dst_user) VALUES
        ('INVITE', 'm1', '486', '2026-11-01 08:20:40', '0012025550177', '198.51.100.4', '5060', '3125550177');
      -- An acc table as kamailio-postgres-modules creates it, with a provider's own db_extra columns:
      -- db_extra "caller=$fU;callee=$rU;peer_ip=$si;stir=$hdr(Identity)" (a schema of its own, with
      -- its missed_calls beside it).
      CREATE SCHEMA sw2;
      CREATE TABLE sw2.acc (id serial PRIMARY KEY, method varchar(16) NOT NULL DEFAULT '',
        from_tag varchar(128) NOT NULL DEFAULT '', to_tag varchar(128) NOT NULL DEFAULT '',
        callid varchar(255) NOT NULL DEFAULT '', sip_code varchar(3) NOT NULL DEFAULT '',
        sip_reason varchar(128) NOT NULL DEFAULT '', time timestamp without time zone NOT NULL,
        caller varchar(64), callee varchar(64), peer_ip varchar(64), stir text);
      CREATE TABLE sw2.missed_calls (LIKE sw2.acc INCLUDING DEFAULTS);
      INSERT INTO sw2.acc (method, callid, sip_code, time, caller, callee, peer_ip, stir) VALUES
        ('INVITE', 'e1', '200', '2026-11-01 07:58:00', '2025550100', '3125550100', '192.0.2.10', NULL),
        ('INVITE', 'e2', '200', '2026-11-01 08:03:35', '2025550143', '3125550188', '192.0.2.7', 'eyJhbGciOiJFUzI1NiJ9.eyJhdHRlc3QiOiJBIn0.c2ln;info=<https://cert.example/a.pem>;alg=ES256;ppt=shaken'),
        ('INVITE', 'e3', '200', '2026-11-01 08:10:00', '2025550101', '3125550101', '192.0.2.10', NULL);
      -- Asterisk cdr_pgsql's cdr table as its documentation creates it (in a schema of its own here).
      CREATE SCHEMA asterisk;
      CREATE TABLE asterisk.cdr (calldate timestamp with time zone NOT NULL default now(),
        clid varchar(80) NOT NULL default '', src varchar(80) NOT NULL default '',
        dst varchar(80) NOT NULL default '', dcontext varchar(80) NOT NULL default '',
        channel varchar(80) NOT NULL default '', dstchannel varchar(80) NOT NULL default '',
        lastapp varchar(80) NOT NULL default '', lastdata varchar(80) NOT NULL default '',
        duration bigint NOT NULL default '0', billsec bigint NOT NULL default '0',
        disposition varchar(45) NOT NULL default '', amaflags bigint NOT NULL default '0',
        accountcode varchar(20) NOT NULL default '', uniqueid varchar(150) NOT NULL default '',
        userfield varchar(255) NOT NULL default '');
      INSERT INTO asterisk.cdr (calldate, clid, src, dst, channel, dstchannel, lastapp, disposition) VALUES
        ('2026-11-01 07:58:00-06', '"A" <2025550100>', '2025550100', '3125550100', 'SIP/trunk-b-00000001', '', 'Dial', 'ANSWERED'),
        ('2026-11-01 08:03:01-06', '"A" <2025550143>', '2025550143', '3125550188', 'PJSIP/trunk-a-0000000f', 'PJSIP/3125550188-00000010', 'Dial', 'ANSWERED'),
        ('2026-11-01 08:10:00-06', '"A" <2025550101>', '2025550101', '3125550101', 'IAX2/trunk-b-1234', '', 'Dial', 'NO ANSWER');
      -- A provider's own table, read through a mapping of column names.
      CREATE TABLE switch_calls (ts bigint, ani text, dnis text, ingress text);
      INSERT INTO switch_calls VALUES (1793541480, '2025550100', '3125550100', 'TG8'),
        (1793541781, '2025550143', '3125550188', 'TG7'), (1793542200, '2025550101', '3125550101', 'TG8');
      CREATE TABLE wrong (calldate timestamptz, src text);
      INSERT INTO wrong VALUES (now(), '2025550143');
      SET TIME ZONE 'Asia/Tokyo';`);
    await client.end();
  });
  afterAll(async () => {
    for (const s of sources) await s.close();
    await database?.close();
  });

  it('finds the call in the time window with the numbers normalised', async () => {
    const found = await source('cdr').lookup(call, opts);
    expect(found?.candidates.map((r) => r.inboundPeer)).toEqual(['TG7']);
    const peerMap = ZPeerMap.parse({ peers: { TG7: UPSTREAM } });
    expect(decide(found, peerMap, 10, call)).toMatchObject({
      action: 'answer',
      answer: { kind: 'upstream' },
    });
  });

  it("reads Kamailio's acc table in the switch's zone: INVITE rows, answer time, source address, missed calls", async () => {
    const acc = source('acc', { format: 'kamailio-acc', timeZone: 'America/Chicago' });
    const found = await acc.lookup(call, opts);
    expect(found?.candidates.map((r) => [r.inboundPeer, r.startTime])).toEqual([
      ['192.0.2.7:41234', '2026-11-01T14:03:35.000Z'],
    ]);
    const peerMap = ZPeerMap.parse({ peers: { '192.0.2.0/24': UPSTREAM } });
    expect(decide(found, peerMap, 10, call)).toMatchObject({ answer: { upstreamProviderId: UPSTREAM } });
    // A call that failed is in missed_calls, with its number written with an international prefix.
    const missed = {
      startedAt: '2026-11-01T14:20:30Z',
      callingNumber: '+12025550177',
      calledNumber: '+13125550177',
    };
    expect((await acc.lookup(missed, opts))?.candidates).toHaveLength(1);
    // Records stop at 08:20:40 Chicago: a later call is not "not found", it is uncovered.
    const later = { ...call, startedAt: '2026-11-01T14:35:00Z' };
    expect(decide(await acc.lookup(later, opts), peerMap, 10, later)).toMatchObject({
      action: 'ask_person',
      reason: 'no_coverage',
      detail: expect.stringContaining(
        'between 2026-11-01 08:25:00 and 2026-11-01 08:45:00 America/Chicago time',
      ) as unknown,
    });
    const report = await checkRecords(acc, peerMap);
    expect(report).toMatchObject({
      ok: true,
      sampled: 3,
      range: { from: '2026-11-01 07:58:00', to: '2026-11-01 08:10:00' },
    });
  });

  it("reads an acc table by the provider's db_extra columns, with the Identity header each call came with", async () => {
    const extra = { calling: 'caller', called: 'callee', srcIp: 'peer_ip', identity: 'stir' };
    const acc = source('sw2.acc', { format: 'kamailio-acc', timeZone: 'America/Chicago', kamailio: extra });
    const found = await acc.lookup(call, opts);
    expect(found?.candidates.map((r) => [r.inboundPeer, r.identityHeader?.slice(0, 20)])).toEqual([
      ['192.0.2.7', 'eyJhbGciOiJFUzI1NiJ9'],
    ]);
    const peerMap = ZPeerMap.parse({ peers: { '192.0.2.0/24': UPSTREAM } });
    expect(decide(found, peerMap, 10, call)).toMatchObject({
      answer: {
        upstreamProviderId: UPSTREAM,
        comment: expect.stringContaining(
          'with a SHAKEN Identity header (attestation A, certificate https://cert.example/a.pem)',
        ) as unknown,
      },
    });
    expect(await checkRecords(acc, peerMap)).toMatchObject({ ok: true, sampled: 3, identityHeaders: 1 });
    // Without the mapping, the stock columns are not there: the check names what the table has.
    const stock = await checkRecords(
      source('sw2.acc', { format: 'kamailio-acc', timeZone: 'America/Chicago' }),
      peerMap,
    );
    expect(stock.problems.join()).toMatch(
      /sw2.acc has no calling number column \(src_user\); it has id, method/,
    );
    // A mapping naming a column the table lacks says so.
    const wrong = await checkRecords(
      source('sw2.acc', {
        format: 'kamailio-acc',
        timeZone: 'America/Chicago',
        kamailio: { ...extra, identity: 'identity' },
      }),
      peerMap,
    );
    expect(wrong.problems.join()).toMatch(/sw2.acc has no identity column \(the Identity header/);
  });

  it("reads Asterisk cdr_pgsql's cdr table: calldate, src, dst, the channel's endpoint", async () => {
    const cdr = source('asterisk.cdr', { format: 'asterisk-pgsql' });
    const found = await cdr.lookup({ ...call, startedAt: '2026-11-01T14:03:01Z' }, opts);
    expect(found?.candidates.map((r) => r.inboundPeer)).toEqual(['trunk-a']);
    const peerMap = ZPeerMap.parse({ peers: { 'trunk-a': UPSTREAM, 'trunk-b': UPSTREAM } });
    expect(decide(found, peerMap, 10, call)).toMatchObject({ answer: { upstreamProviderId: UPSTREAM } });
    const report = await checkRecords(cdr, peerMap);
    expect(report).toMatchObject({ ok: true, sampled: 3, unmappedPeers: [] });
    expect(report.columns).toContain('calldate');
  });

  it('reads a table through a mapping of its column names (epoch times)', async () => {
    const calls = source('switch_calls', {
      format: 'generic',
      mapping: { start_time: 'ts', calling_number: 'ani', called_number: 'dnis', inbound_peer: 'ingress' },
    });
    expect((await calls.lookup(call, opts))?.candidates.map((r) => r.inboundPeer)).toEqual(['TG7']);
    const wrong = await checkRecords(
      source('switch_calls', {
        format: 'generic',
        mapping: {
          start_time: 'ts',
          calling_number: 'caller',
          called_number: 'dnis',
          inbound_peer: 'ingress',
        },
      }),
      ZPeerMap.parse({}),
    );
    expect(wrong.problems.join()).toMatch(
      /switch_calls has no calling number column \(caller\); it has ts, ani/,
    );
  });

  it('reads the same table in a wrong zone as uncovered, never as not found', async () => {
    const utc = source('acc', { format: 'kamailio-acc', timeZone: 'UTC' });
    const peerMap = ZPeerMap.parse({ peers: { '192.0.2.0/24': UPSTREAM } });
    expect(decide(await utc.lookup(call, opts), peerMap, 10, call)).toMatchObject({
      action: 'ask_person',
      reason: 'no_coverage',
    });
  });

  it('refuses a zoneless table without --time-zone, a table without the columns, and a bad name', async () => {
    const noZone = await checkRecords(source('acc', { format: 'kamailio-acc' }), ZPeerMap.parse({}));
    expect(noZone.ok).toBe(false);
    expect(noZone.problems.join()).toMatch(/acc.time is a timestamp without time zone: give --time-zone/);
    const wrong = await checkRecords(source('wrong'), ZPeerMap.parse({}));
    expect(wrong.problems.join()).toMatch(/wrong has no start_time column .*it has calldate, src/);
    expect((await checkRecords(source('nowhere'), ZPeerMap.parse({}))).problems).toEqual([
      'there is no table nowhere',
    ]);
    await expect(source('wrong').lookup(call, opts)).rejects.toThrow(RecordFileError);
    expect(() => new PgRecords(database.url!, 'cdr; DROP TABLE cdr')).toThrow(RecordFileError);
  });
});
