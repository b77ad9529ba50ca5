import { describe, expect, it } from 'vitest';
import { decide, findCandidates, parseRecordTime, ZPeerMap, type AgentRecord } from './decide';
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
const run = (records: AgentRecord[], tolerance = 10) =>
  decide(findCandidates(call, records, tolerance), peerMap, tolerance);

describe('the agent decision', () => {
  it('answers upstream from the trunk, whatever way the switch wrote the numbers', () => {
    for (const [calling, called] of [
      ['2025550143', '3125550188'],
      ['12025550143', '+1 312 555 0188'],
      ['202-555-0143', '(312) 555-0188'],
    ] as const) {
      const d = run([rec({ callingNumber: calling, calledNumber: called })]);
      expect(d).toMatchObject({
        action: 'answer',
        answer: { kind: 'upstream', upstreamProviderId: UPSTREAM },
      });
    }
  });

  it('answers origin with the customer when the call came from a customer trunk', () => {
    expect(run([rec({ inboundPeer: 'CUST-0001' })])).toMatchObject({
      action: 'answer',
      answer: { kind: 'origin', customer: { accountRef: 'ACCT-1' }, action: 'investigating' },
    });
  });

  it('answers not_found when nothing matches within the tolerance', () => {
    expect(run([rec({ startTime: '2026-11-01T14:03:20Z' })])).toMatchObject({
      answer: { kind: 'not_found' },
    });
    expect(run([rec({ calledNumber: '3125550189' })])).toMatchObject({ answer: { kind: 'not_found' } });
    expect(run([rec({ startTime: '2026-11-01T14:03:20Z' })], 30)).toMatchObject({
      answer: { kind: 'upstream' },
    });
  });

  it('asks a person when two records point at different peers, and answers when they agree', () => {
    expect(run([rec(), rec({ inboundPeer: 'TG101-02', startTime: '2026-11-01T14:03:03Z' })])).toMatchObject({
      action: 'ask_person',
      reason: 'ambiguous',
      matched: 2,
    });
    expect(run([rec(), rec({ startTime: '2026-11-01T14:03:03Z' })])).toMatchObject({
      action: 'answer',
      answer: { kind: 'upstream', upstreamProviderId: UPSTREAM },
    });
  });

  it('asks a person about a peer the map does not name, never guessing an upstream', () => {
    expect(run([rec({ inboundPeer: 'TG999-07' })])).toMatchObject({
      action: 'ask_person',
      reason: 'unknown_peer',
    });
  });

  it('reads record times in the common shapes', () => {
    expect(parseRecordTime('2026-11-01 14:03:01')).toBe(Date.parse('2026-11-01T14:03:01Z'));
    expect(parseRecordTime('2026-11-01T09:03:01-05:00')).toBe(Date.parse('2026-11-01T14:03:01Z'));
    expect(parseRecordTime('1793541781')).toBe(1793541781000);
    expect(parseRecordTime('yesterday')).toBeNull();
  });
});

describe('call records', () => {
  it('round-trips through CSV and finds the call by the normalised called number', async () => {
    const records = [rec(), rec({ calledNumber: '2125550101', inboundPeer: 'TG101-02' })];
    const source = new MemoryRecords(readRecordsCsv(recordsToCsv(records)));
    expect(await source.candidates(call, 10)).toHaveLength(1);
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
