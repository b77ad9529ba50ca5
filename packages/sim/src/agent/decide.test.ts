import { describe, expect, it } from 'vitest';
import { decide, ZPeerMap, type AgentRecord } from './decide';
import { normalizeSwitchNumber } from './numbers';
import { parseRecordTime } from './time';
import { MemoryRecords, readRecordsCsv, recordsToCsv, RecordFileError } from './records';
import { createHmac } from 'node:crypto';
import { verifySignature } from './agent';

const UPSTREAM = '00000000-0000-4000-8000-000000000001';
const OTHER = '00000000-0000-4000-8000-000000000002';
const peerMap = ZPeerMap.parse({
  peers: { 'TG101-01': UPSTREAM, 'TG101-02': OTHER },
  customers: { 'CUST-0001': { name: 'Sunny Meadow Outreach LLC (fictional)', accountRef: 'ACCT-1' } },
});
const call = {
  startedAt: '2026-11-01T14:03:00Z',
  callingNumber: '+12025550143',
  calledNumber: '+13125550188',
};
const rec = (over: Partial<AgentRecord> = {}): AgentRecord => ({
  startTime: '2026-11-01T14:03:01.250Z',
  callingNumber: '(202) 555-0143',
  calledNumber: '13125550188',
  inboundPeer: 'TG101-01',
  ...over,
});
// Records around the call from other callers: the switch was writing records then.
const around = [
  rec({ startTime: '2026-11-01T14:01:00Z', callingNumber: '2025550100', inboundPeer: 'TG101-02' }),
  rec({ startTime: '2026-11-01T14:06:00Z', callingNumber: '2025550101', inboundPeer: 'TG101-02' }),
];
const run = async (
  records: AgentRecord[],
  tolerance = 10,
  opts: { timeZone?: string; coverage?: number } = {},
) =>
  decide(
    await new MemoryRecords(records, { timeZone: opts.timeZone ?? null }).lookup(call, {
      toleranceSeconds: tolerance,
      coverageSeconds: opts.coverage ?? 600,
    }),
    peerMap,
    tolerance,
    call,
  );

describe('the agent decision', () => {
  it('sends the Identity header the call arrived with, with its From and PAI, only where the record has it', async () => {
    const header = 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln;info=<https://cert.example/sp.pem>;alg=ES256;ppt=shaken';
    const d = await run([
      ...around,
      rec({ identityHeader: ` ${header} `, assertedNumber: 'sip:+12025550143@gw.example' }),
    ]);
    expect(d).toMatchObject({
      action: 'answer',
      answer: {
        kind: 'upstream',
        received: { identityHeader: header, fromNumber: '+12025550143', paiNumber: '+12025550143' },
      },
    });
    const origin = await run([...around, rec({ inboundPeer: 'CUST-0001', identityHeader: header })]);
    expect(origin).toMatchObject({ answer: { kind: 'origin', received: { identityHeader: header } } });
    // A record without the header says nothing about it (not "none").
    const plain = await run([...around, rec()]);
    expect(plain.action === 'answer' && 'received' in plain.answer).toBe(false);
  });

  it('reads the Identity header from a hoptrace records CSV', () => {
    const [r] = readRecordsCsv(
      'start_time,calling_number,called_number,inbound_peer,identity_header\n2026-11-01T14:03:01Z,2025550143,3125550188,TG101-01,"abc.def.ghi;info=<https://x.example/a.pem>"\n',
    );
    expect(r!.identityHeader).toBe('abc.def.ghi;info=<https://x.example/a.pem>');
  });

  it('answers upstream from the trunk, whatever way the switch wrote the numbers', async () => {
    for (const [calling, called] of [
      ['2025550143', '3125550188'],
      ['12025550143', '+1 312 555 0188'],
      ['202-555-0143', '(312) 555-0188'],
    ] as const) {
      const d = await run([...around, rec({ callingNumber: calling, calledNumber: called })]);
      expect(d).toMatchObject({
        action: 'answer',
        answer: { kind: 'upstream', upstreamProviderId: UPSTREAM },
      });
    }
  });

  it('answers origin with the customer when the call came from a customer trunk', async () => {
    expect(await run([rec({ inboundPeer: 'CUST-0001' })])).toMatchObject({
      action: 'answer',
      answer: { kind: 'origin', customer: { accountRef: 'ACCT-1' }, action: 'investigating' },
    });
  });

  it('answers not_found when nothing matches within the tolerance', async () => {
    expect(await run([...around, rec({ startTime: '2026-11-01T14:03:20Z' })])).toMatchObject({
      answer: { kind: 'not_found' },
    });
    expect(await run([...around, rec({ calledNumber: '3125550189' })])).toMatchObject({
      answer: { kind: 'not_found' },
    });
    expect(await run([rec({ startTime: '2026-11-01T14:03:20Z' })], 30)).toMatchObject({
      answer: { kind: 'upstream' },
    });
  });

  it('asks a person when two records point at different peers, and answers when they agree', async () => {
    expect(
      await run([rec(), rec({ inboundPeer: 'TG101-02', startTime: '2026-11-01T14:03:03Z' })]),
    ).toMatchObject({
      action: 'ask_person',
      reason: 'ambiguous',
      matched: 2,
    });
    expect(await run([rec(), rec({ startTime: '2026-11-01T14:03:03Z' })])).toMatchObject({
      action: 'answer',
      answer: { kind: 'upstream', upstreamProviderId: UPSTREAM },
    });
  });

  it('asks a person about a peer the map does not name, never guessing an upstream', async () => {
    expect(await run([rec({ inboundPeer: 'TG999-07' })])).toMatchObject({
      action: 'ask_person',
      reason: 'unknown_peer',
    });
  });

  it('never answers not_found where the records do not cover the call: a person gets the reason', async () => {
    // Records only before the call (a file that ends, a switch that stopped writing).
    const before = await run([
      around[0]!,
      rec({ startTime: '2026-11-01T13:59:00Z', calledNumber: '3125550189' }),
    ]);
    expect(before).toMatchObject({ action: 'ask_person', reason: 'no_coverage' });
    expect(before.action === 'ask_person' && before.detail).toContain(
      'no call records between 2026-11-01 14:01:00 and 2026-11-01 14:13:00 UTC time',
    );
    expect(await run([])).toMatchObject({ action: 'ask_person', reason: 'no_coverage' });
    // The switch's local (Chicago) times: read with its zone they cover the call, and the message
    // names the gap in the switch's time.
    const local = [
      rec({ startTime: '2026-11-01 07:58:00', callingNumber: '2025550100' }),
      rec({ startTime: '2026-11-01 08:09:00', callingNumber: '2025550101' }),
    ];
    expect(await run(local, 10, { timeZone: 'America/Chicago' })).toMatchObject({
      answer: { kind: 'not_found' },
    });
    const wrongZone = await run(local, 10, { timeZone: 'UTC' });
    expect(wrongZone).toMatchObject({ action: 'ask_person', reason: 'no_coverage' });
    expect(wrongZone.action === 'ask_person' && wrongZone.detail).toContain(
      'no call records between 2026-11-01 13:53:00 and 2026-11-01 14:13:00 UTC time',
    );
    expect(() => new MemoryRecords(local)).toThrow(
      /record 1: start time .* has no time zone and none is configured/,
    );
  });

  it('matches an IP, an IP:port, a range and a name in the peer map, and a P-Asserted-Identity behind anonymous', async () => {
    const map = ZPeerMap.parse({
      peers: { '192.0.2.0/24': OTHER, '192.0.2.7': UPSTREAM, '198.51.100.9:5061': OTHER },
      customers: { '2001:db8::/32': { name: 'Blue Harbor Dialing (fictional)' } },
    });
    const decideOn = async (peer: string, over: Partial<AgentRecord> = {}) =>
      decide(
        await new MemoryRecords([...around, rec({ inboundPeer: peer, ...over })]).lookup(call, {
          toleranceSeconds: 10,
          coverageSeconds: 600,
        }),
        map,
        10,
        call,
      );
    expect(await decideOn('192.0.2.7:43122')).toMatchObject({ answer: { upstreamProviderId: UPSTREAM } });
    expect(await decideOn('192.0.2.8')).toMatchObject({ answer: { upstreamProviderId: OTHER } });
    expect(await decideOn('198.51.100.9:5061')).toMatchObject({ answer: { upstreamProviderId: OTHER } });
    expect(await decideOn('198.51.100.9:5062')).toMatchObject({ reason: 'unknown_peer' });
    expect(await decideOn('[2001:db8::5]:5060')).toMatchObject({ answer: { kind: 'origin' } });
    expect(
      await decideOn('192.0.2.7', {
        callingNumber: 'sip:anonymous@anonymous.invalid',
        assertedNumber: '<sip:+12025550143@192.0.2.7>',
      }),
    ).toMatchObject({ answer: { upstreamProviderId: UPSTREAM } });
  });

  it('reads record times only when they name an instant', () => {
    expect(parseRecordTime('2026-11-01 14:03:01', 'UTC')).toBe(Date.parse('2026-11-01T14:03:01Z'));
    expect(parseRecordTime('2026-11-01 08:03:01', 'America/Chicago')).toBe(
      Date.parse('2026-11-01T14:03:01Z'),
    );
    expect(parseRecordTime('2026-07-01 09:03:01', 'America/Chicago')).toBe(
      Date.parse('2026-07-01T14:03:01Z'),
    );
    // The hour the clock goes back: the earlier instant.
    expect(parseRecordTime('2026-11-01 01:30:00', 'America/Chicago')).toBe(
      Date.parse('2026-11-01T06:30:00Z'),
    );
    expect(parseRecordTime('2026-11-01T09:03:01-05:00', null)).toBe(Date.parse('2026-11-01T14:03:01Z'));
    expect(parseRecordTime('1793541781', null)).toBe(1793541781000);
    expect(parseRecordTime('1793541781.250', null)).toBe(1793541781250);
    expect(() => parseRecordTime('2026-11-01 14:03:01', null)).toThrow(/no time zone/);
    expect(() => parseRecordTime('05/12/2026 10:00:00', 'UTC')).toThrow(/ambiguous/);
    expect(() => parseRecordTime('Nov  1 14:03:01', 'UTC')).toThrow(/no year/);
    expect(() => parseRecordTime('2026-02-30 10:00:00', 'UTC')).toThrow(/calendar/);
    expect(() => parseRecordTime('yesterday', 'UTC')).toThrow(/not a time/);
  });

  it('reads numbers as switches write them', () => {
    for (const raw of [
      'sip:+12025550143@10.0.0.1;user=phone',
      '<tel:+1-202-555-0143;npdi;rn=+12025559999>',
      '"Caller" <sip:2025550143@example.invalid>',
      '0012025550143',
      '01112025550143',
    ])
      expect(normalizeSwitchNumber(raw), raw).toEqual({ ok: true, e164: '+12025550143' });
    expect(normalizeSwitchNumber('anonymous')).toMatchObject({ ok: false, anonymous: true });
    expect(normalizeSwitchNumber('sip:alice@example.invalid')).toMatchObject({ ok: false, anonymous: false });
  });
});

describe('call records', () => {
  it('round-trips through CSV and finds the call by the normalised called number', async () => {
    const records = [rec(), rec({ calledNumber: '2125550101', inboundPeer: 'TG101-02' })];
    const source = new MemoryRecords(readRecordsCsv(recordsToCsv(records)));
    expect(
      (await source.lookup(call, { toleranceSeconds: 10, coverageSeconds: 600 }))?.candidates,
    ).toHaveLength(1);
  });

  it('refuses a file without the needed columns, naming them', () => {
    expect(() => readRecordsCsv('when,who\n1,2\n')).toThrow(RecordFileError);
    expect(() => readRecordsCsv('when,who\n1,2\n')).toThrow(
      /start_time, calling_number, called_number, inbound_peer/,
    );
  });
});

describe('webhook signatures', () => {
  const body = JSON.stringify({ event: 'hop.assigned', data: { hopId: 'x' } });
  const sign = (secret: string, t: number) =>
    `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
  const now = new Date('2026-11-01T12:00:00Z');
  const t = Math.floor(now.getTime() / 1000);
  it('accepts the server signature and refuses a wrong secret, a changed body or an old one', () => {
    expect(verifySignature('whsec', body, sign('whsec', t), now)).toBe(true);
    expect(verifySignature('other', body, sign('whsec', t), now)).toBe(false);
    expect(verifySignature('whsec', `${body} `, sign('whsec', t), now)).toBe(false);
    expect(verifySignature('whsec', body, sign('whsec', t - 3600), now)).toBe(false);
    expect(verifySignature('whsec', body, 'garbage', now)).toBe(false);
  });
});
